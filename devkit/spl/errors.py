"""The two errors of the SPL engine.

`SplError` is anything that stops a search: a syntax error, a missing lookup, a failed
`cloudsecrets` run. `SplUnsupported` (a `SplError`) is SPL that Splunk would run but this
engine does not implement: it is refused when the search is parsed, never skipped.
Messages name the search, the command or function and the character position in the
macro-expanded search (what `Engine.expand` returns), as Splunk's own errors do.
"""

from __future__ import annotations

from typing import Optional


class SplError(Exception):
    """A search that cannot run (at parse time or at run time)."""

    def __init__(self, message: str, *, search: Optional[str] = None,
                 position: Optional[int] = None) -> None:
        self.detail = message
        self.search = search
        self.position = position
        super().__init__(self._render())

    def _render(self) -> str:
        text = self.detail
        if self.position is not None and " at position " not in text:
            text = f"{text} at position {self.position}"
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

    def __str__(self) -> str:
        return self._render()


class SplUnsupported(SplError):
    """Valid SPL that this engine does not implement (a command, option or function)."""
