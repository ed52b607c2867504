"""splunktaucclib REST handlers of the configuration page (run by splunkd, search head only).

Two handlers, each the class of one file UCC generates the name of (the files in bin/
replace UCC's generated ones):
- MacroSettingsHandler serves `<app>_settings/<tab>` for the Data sources and
  Thresholds tabs. Each field is a macro (fields.TABS): listing reads every macro's
  definition in force through splunkd's configs/conf-macros endpoint (default/ overlaid
  by local/, so hand edits show), and saving checks every field first, then the
  relations between the fields of the tab (fields.RELATIONS), then writes only the
  changed macros through the same endpoint, which puts them in the app's
  local/macros.conf. The page keeps no copy of its own: the macros are the settings.
- AccountRulesHandler serves `<app>_account_rules[/<name>]`: the stanzas of
  cloud_secrets_account_rules.conf in force (the app's own rules and the customer's),
  listed, added, edited and deleted through splunkd's
  configs/conf-cloud_secrets_account_rules endpoint with the caller's session key, each
  save checked by the command's own validator first (account_rules).

Who may read and who may save is decided by splunkd from restmap.conf (the
admin_all_objects capability for GET, POST, PUT and DELETE, from globalConfig.json);
splunkd also checks the caller's permissions on the macros and on the rules file.
Nothing here logs a field value or a rule pattern: only the names of macros, rules and
keys, and counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from splunktaucclib.rest_handler import admin_external
from splunktaucclib.rest_handler.admin_external import AdminExternalHandler, build_conf_info
from splunktaucclib.rest_handler.endpoint import (
    MultipleModel,
    RestModel,
    SingleModel,
    field,
    validator,
)
from splunktaucclib.rest_handler.entity import RestEntity
from splunktaucclib.rest_handler.error import RestError
from splunktaucclib.rest_handler.handler import RestHandler

from cloud_secrets import logs
from cloud_secrets_setup import APP_ID, account_rules, fields

LOGGER = logs.configure(Path(__file__)).getChild("setup")
DEFINITION = "definition"


def _check(value: str, data: dict, check) -> None:
    """splunktaucclib's UserDefined protocol: raise ValidationFailed with the reason."""
    try:
        check(value)
    except ValueError as error:
        raise validator.ValidationFailed(str(error)) from None


def _rest_field(setting: fields.Field) -> field.RestField:
    return field.RestField(setting.macro, required=True,
                           validator=validator.UserDefined(_check, setting.check))


# One model per settings tab; its fields are named after the macros they set.
SETTINGS_ENDPOINT = MultipleModel(
    f"{APP_ID}_settings",
    models=[RestModel([_rest_field(s) for s in tab], name=name)
            for name, tab in fields.TABS.items()],
    app=APP_ID,
)

# splunkd's configs/conf-macros endpoint, in the app's namespace (servicesNS/nobody/<app>).
MACROS_ENDPOINT = SingleModel("macros", RestModel([field.RestField(DEFINITION)]), app=APP_ID)

# splunkd's configs/conf-cloud_secrets_account_rules endpoint, in the app's namespace. UCC
# would name the tab's file after the tab (cloud_secrets_detection_account_rules.conf):
# the rules keep the name the cloudsecrets command reads (rules.CONF_NAME).
RULES_ENDPOINT = SingleModel(
    account_rules.rules.CONF_NAME,
    RestModel([field.RestField(key) for key in account_rules.RULE_KEYS],
              special_fields=[field.RestField("name", required=True)]),
    app=APP_ID,
    config_name="account_rules",
)


class MacroSettingsHandler(AdminExternalHandler):
    """The Data sources and Thresholds tabs, read from and saved to macros."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.macros = RestHandler(admin_external.get_splunkd_endpoint(), self.getSessionKey(),
                                  MACROS_ENDPOINT)

    def _definitions(self, model: RestModel) -> Dict[str, str]:
        found = {}
        for rest_field in model.fields:
            entity = next(iter(self.macros.get(rest_field.name)))
            found[rest_field.name] = entity.content.get(DEFINITION, "")
        return found

    def _tab(self, name: str) -> RestEntity:
        model = self.endpoint.model(name)  # RestError 404 for a tab that does not exist
        return RestEntity(name, self._definitions(model), model, self.endpoint.user,
                          self.endpoint.app)

    @build_conf_info
    def handleList(self, confInfo) -> List[RestEntity]:
        names = [self.callerArgs.id] if self.callerArgs.id else list(fields.TABS)
        return [self._tab(name) for name in names]

    @build_conf_info
    def handleEdit(self, confInfo) -> List[RestEntity]:
        name = self.callerArgs.id
        model = self.endpoint.model(name)
        current = self._definitions(model)
        submitted = {f.name: self.payload[f.name] for f in model.fields if f.name in self.payload}
        # Every submitted field is checked before anything is written.
        changes = {}
        for rest_field in model.fields:
            if rest_field.name not in submitted:
                continue
            value = submitted[rest_field.name]
            if not rest_field.validator.validate(value, submitted):
                raise RestError(400, rest_field.validator.msg)
            checked = (value or "").strip()
            if checked != current[rest_field.name]:
                changes[rest_field.name] = checked
        # Then the checks across fields, on what would be in force after the save.
        for relation in fields.RELATIONS.get(name, ()):
            try:
                relation({**current, **changes})
            except ValueError as error:
                raise RestError(400, str(error)) from None
        for macro, definition in changes.items():
            list(self.macros.update(macro, {DEFINITION: definition}))
        LOGGER.info("configuration page: tab %s saved, %d macro(s) changed: %s", name,
                    len(changes), ", ".join(sorted(changes)) or "none")
        return [self._tab(name)]


def _as_text(value) -> str:
    """splunkd shows `disabled` as a JSON boolean; the page and the rules file say true or
    false, as rules.validate_rule spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class AccountRulesHandler(AdminExternalHandler):
    """The Account rules tab: the stanzas of cloud_secrets_account_rules.conf in force.

    Every call goes to splunkd with the caller's session key (self.handler, a
    splunktaucclib RestHandler on RULES_ENDPOINT): listing shows default/ overlaid by
    local/ as splunkd merges them, a save writes local/ once account_rules.changes has
    checked the stanza the save would leave in force, and a rule of the app's default/
    cannot be deleted (splunkd keeps it; the answer says to disable it instead).
    """

    def _found(self, name: str):
        """The rule's entity as splunkd lists it, or None when there is no such stanza."""
        try:
            return next(iter(self.handler.get(name)), None)
        except RestError as error:
            if error.status == 404:
                return None
            raise

    def _entity(self, found) -> RestEntity:
        content = {key: _as_text(found.content.get(key)) for key in account_rules.RULE_KEYS}
        return RestEntity(found.name, content, self.endpoint.model(None), self.endpoint.user,
                          self.endpoint.app, acl=found.eai.acl)

    def _in_force(self, found) -> Dict[str, str]:
        return {key: _as_text(found.content.get(key)) for key in account_rules.RULE_KEYS
                if key in found.content}

    def _missing(self, name: str) -> RestError:
        return RestError(404, f'There is no rule named "{name}".')

    @build_conf_info
    def handleList(self, confInfo) -> List[RestEntity]:
        if self.callerArgs.id:
            found = self._found(self.callerArgs.id)
            if found is None:
                raise self._missing(self.callerArgs.id)
            return [self._entity(found)]
        return [self._entity(found) for found in self.handler.all(count=0)]

    @build_conf_info
    def handleCreate(self, confInfo) -> List[RestEntity]:
        taken = [found.name for found in self.handler.all(count=0)]
        name = _answer(lambda: account_rules.check_name(self.callerArgs.id, taken))
        written = _answer(lambda: account_rules.changes(
            None, account_rules.submitted_values(self.payload)))
        list(self.handler.create(name, written))
        LOGGER.info("configuration page: account rule %s added (keys: %s)", name,
                    ", ".join(sorted(written)))
        return [self._entity(self._found(name))]

    @build_conf_info
    def handleEdit(self, confInfo) -> List[RestEntity]:
        name = self.callerArgs.id
        found = self._found(name)
        if found is None:
            raise self._missing(name)
        written = _answer(lambda: account_rules.changes(
            self._in_force(found), account_rules.submitted_values(self.payload)))
        if written:
            list(self.handler.update(name, written))
        LOGGER.info("configuration page: account rule %s saved, %d key(s) changed: %s", name,
                    len(written), ", ".join(sorted(written)) or "none")
        return [self._entity(self._found(name))]

    @build_conf_info
    def handleRemove(self, confInfo) -> List[RestEntity]:
        name = self.callerArgs.id
        found = self._found(name)
        if found is None:
            raise self._missing(name)
        if not found.eai.acl.get("removable", True):
            raise RestError(400, f'The rule "{name}" ships with the app, and splunkd cannot '
                                 f"delete a rule of the app's default folder. Edit it and "
                                 f"tick Disabled to turn it off.")
        list(self.handler.delete(name))
        LOGGER.info("configuration page: account rule %s deleted", name)
        return []


def _answer(action):
    """Turn account_rules' RuleProblem into the REST error the page shows to the admin."""
    try:
        return action()
    except account_rules.RuleProblem as problem:
        raise RestError(problem.status, str(problem)) from None
