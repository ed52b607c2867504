"""The two errors of the SPL engine.

`SplError` is anything that stops a search: a syntax error, a missing lookup, a failed
`cloudsecrets` run. `SplUnsupported` (a `SplError`) is SPL that Splunk would run but this
engine does not implement: it is refused when the search is parsed, never skipped.

Messages name the search, the command or function, and where the problem is in the text
a person wrote: the character position (counted from 0) in the search as written, or in
the definition of the macro it comes from, which the message then names:

    search "Rule": unsupported eval function 'md5' at position 18
    search "Rule": unsupported eval function 'md5' at position 7 of macro 'my_filter'

While a search is parsed and run, positions are first counted in the macro-expanded
search (what `Engine.expand` returns); the engine then places them in the written text
with `placed` (`in_source` says it has been done).
"""

from __future__ import annotations

from typing import Optional


class SplError(Exception):
    """A search that cannot run (at parse time or at run time)."""

    def __init__(self, message: str, *, search: Optional[str] = None,
                 position: Optional[int] = None, macro: Optional[str] = None) -> None:
        self.detail = message
        self.search = search
        self.position = position
        self.macro = macro  # the macro stanza whose definition holds `position`
        # A macro named, or a position given by the macro expander, is already in the
        # written text; any other position counts in the expanded search until placed.
        self.in_source = macro is not None
        super().__init__(self._render())

    def _render(self) -> str:
        text = self.detail
        if self.position is not None and " at position " not in text:
            text = f"{text} at position {self.position}"
            if self.macro is not None:
                text = f"{text} of macro '{self.macro}'"
        if self.search is not None:
            text = f'search "{self.search}": {text}'
        return text

    def located(self, search: Optional[str] = None, position: Optional[int] = None
                ) -> SplError:
        """The same error with the search name and position filled in where missing."""
        if self.search is None and search is not None:
            self.search = search
        if self.position is None and position is not None:
            self.position = position
        self.args = (self._render(),)
        return self

    def placed(self, macro: Optional[str], position: int) -> SplError:
        """The same error with its position moved into the written text: `position` in
        the definition of `macro`, or in the search itself when `macro` is None."""
        self.macro = macro
        self.position = position
        self.in_source = True
        self.args = (self._render(),)
        return self

    def __str__(self) -> str:
        return self._render()


class SplUnsupported(SplError):
    """Valid SPL that this engine does not implement (a command, option or function)."""
