"""An app's configuration as Splunk merges it: default/*.conf overlaid by local/*.conf.

Each file is read with `addonfactory_splunk_conf_parser_lib.TABConfigParser`, the Splunk
conf parser build.py uses. The overlay works stanza by stanza and key by key, as Splunk's
configuration file precedence does within one app: a key in local/ replaces the same key
of the same stanza in default/, every other key and stanza stays. A `[default]` stanza
supplies keys to every other stanza of its file that does not set them. A value continued
over several lines with a trailing backslash keeps its line breaks (the backslashes go),
as Splunk shows a saved search written that way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict

from .errors import SplError

Stanzas = Dict[str, Dict[str, str]]


def read_conf(path: Path) -> Stanzas:
    """One .conf file as {stanza: {key: value}}; {} when the file does not exist."""
    from addonfactory_splunk_conf_parser_lib import TABConfigParser

    if not path.is_file():
        return {}
    parser = TABConfigParser()
    try:
        parser.read(str(path))
    except Exception as error:  # the parser raises configparser's many error types
        raise SplError(f"{path}: cannot be read as a .conf file: {error}") from None
    stanzas: Stanzas = {}
    for section in parser.sections():
        stanzas[section] = {
            key: value.replace("\\\n", "\n")
            for key, value in parser.items(section) if key != "__name__"
        }
    return stanzas


def overlay(base: Stanzas, top: Stanzas) -> Stanzas:
    """`top` over `base`, stanza by stanza and key by key."""
    merged = {name: dict(keys) for name, keys in base.items()}
    for name, keys in top.items():
        merged.setdefault(name, {}).update(keys)
    return merged


def apply_default_stanza(stanzas: Stanzas) -> Stanzas:
    defaults = stanzas.get("default")
    if not defaults:
        return stanzas
    return {name: keys if name == "default" else {**defaults, **keys}
            for name, keys in stanzas.items()}


@dataclass
class AppConf:
    """The merged .conf files of one app folder (with `default/` and maybe `local/`)."""

    app_dir: Path
    _cache: Dict[str, Stanzas] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, app_dir) -> AppConf:
        app_dir = Path(app_dir)
        if not (app_dir / "default").is_dir():
            raise SplError(f"{app_dir}: not an app folder (no default/)")
        return cls(app_dir)

    def conf(self, name: str) -> Stanzas:
        """`name` (with or without .conf) merged; {} when neither layer has it."""
        name = name[:-5] if name.endswith(".conf") else name
        if name not in self._cache:
            merged = overlay(read_conf(self.app_dir / "default" / f"{name}.conf"),
                             read_conf(self.app_dir / "local" / f"{name}.conf"))
            self._cache[name] = apply_default_stanza(merged)
        return self._cache[name]

    @property
    def macros(self) -> Stanzas:
        return self.conf("macros")

    @property
    def saved_searches(self) -> Stanzas:
        return {name: keys for name, keys in self.conf("savedsearches").items()
                if name != "default"}

    @property
    def transforms(self) -> Stanzas:
        return self.conf("transforms")

    @property
    def collections(self) -> Stanzas:
        return self.conf("collections")
