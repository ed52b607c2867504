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
- AccountRulesHandler serves `<app>_account_rules[/<name>]`: the customer's rules file
  (account_rules), listed, added, edited and deleted with the command's own validator.

Who may save is decided by restmap.conf (admin_all_objects for POST and DELETE, from
globalConfig.json); splunkd also checks the caller's write permission on the macros.
Nothing here logs a field value or a rule pattern: only counts and names of macros.
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

RULE_FIELDS = (account_rules.POSITION, *account_rules.rules.COLUMNS)
RULES_ENDPOINT = SingleModel(
    f"{APP_ID}_account_rules",
    RestModel([field.RestField(name) for name in RULE_FIELDS],
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


def _rule_entity(rule: Dict[str, str]) -> RestEntity:
    content = {key: value for key, value in rule.items() if key != account_rules.NAME}
    return RestEntity(rule[account_rules.NAME], content, RULES_ENDPOINT.model(None),
                      RULES_ENDPOINT.user, RULES_ENDPOINT.app)


def _answer(action):
    """Turn the store's RuleProblem into the REST error the page shows to the admin."""
    try:
        return action()
    except account_rules.RuleProblem as problem:
        raise RestError(problem.status, str(problem)) from None


class AccountRulesHandler(AdminExternalHandler):
    """The Account rules tab: the local rules file, listed and changed one rule at a time."""

    store = account_rules.RulesFile()

    def _values(self) -> Dict[str, str]:
        return {key: value for key, value in (self.payload or {}).items() if key in RULE_FIELDS}

    @build_conf_info
    def handleList(self, confInfo) -> List[RestEntity]:
        listed = account_rules.with_positions(_answer(self.store.read))
        if self.callerArgs.id:
            listed = [rule for rule in listed if rule[account_rules.NAME] == self.callerArgs.id]
            if not listed:
                raise RestError(404, f'There is no rule named "{self.callerArgs.id}".')
        return [_rule_entity(rule) for rule in listed]

    @build_conf_info
    def handleCreate(self, confInfo) -> List[RestEntity]:
        rule = _answer(lambda: account_rules.create(self.store, self.callerArgs.id,
                                                    self._values()))
        LOGGER.info("configuration page: account rule added at position %s", rule["position"])
        return [_rule_entity(rule)]

    @build_conf_info
    def handleEdit(self, confInfo) -> List[RestEntity]:
        rule = _answer(lambda: account_rules.edit(self.store, self.callerArgs.id,
                                                  self._values()))
        LOGGER.info("configuration page: account rule at position %s changed", rule["position"])
        return [_rule_entity(rule)]

    @build_conf_info
    def handleRemove(self, confInfo) -> List[RestEntity]:
        _answer(lambda: account_rules.remove(self.store, self.callerArgs.id))
        LOGGER.info("configuration page: one account rule deleted")
        return []
