"""The command line of the devkit's verbs (`build.py replay`, `search`, `bench`).

`OptionParser` is argparse with two changes a user of these verbs expects:
- a usage error raises `UsageError` (the verb prints it on one line and exits 2) instead
  of printing the usage and exiting;
- every option that takes a value takes it as `--opt VALUE` or `--opt=VALUE`, even a
  value that starts with `-` (`--earliest -7d`, `--lag -0`): argparse alone refuses
  those, taking `-7d` for an option. An option name may be shortened to any prefix
  that names one option only (`--earl -7d`), as argparse allows.
"""

from __future__ import annotations

import argparse
from typing import Dict, List, Optional, Sequence


class UsageError(ValueError):
    """A command line that cannot be used (the message says why)."""


class OptionParser(argparse.ArgumentParser):
    """argparse for the devkit's verbs (see the module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.value_options: Dict[str, argparse.Action] = {}

    def add_argument(self, *args, **kwargs) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if action.option_strings and action.nargs != 0:
            for name in action.option_strings:
                self.value_options[name] = action
        return action

    def error(self, message: str):
        raise UsageError(message)

    def _value_option(self, word: str) -> Optional[str]:
        """The value-taking option `word` names, in full or by a unique prefix."""
        if word in self.value_options:
            return word
        if not word.startswith("--") or len(word) < 3:
            return None
        matches = {action for name, action in self.value_options.items()
                   if name.startswith(word)}
        return word if len(matches) == 1 else None

    def joined(self, argv: Sequence[str]) -> List[str]:
        """argv with `--opt VALUE` written `--opt=VALUE` wherever VALUE starts with `-`."""
        out: List[str] = []
        words = list(argv)
        index = 0
        while index < len(words):
            word = words[index]
            if word == "--":
                out.extend(words[index:])
                break
            option = self._value_option(word)
            if option is not None and index + 1 < len(words) and \
                    words[index + 1].startswith("-") and words[index + 1] != "--":
                out.append(f"{word}={words[index + 1]}")
                index += 2
                continue
            out.append(word)
            index += 1
        return out

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        if args is not None:
            args = self.joined(args)
        return super().parse_args(args, namespace)
