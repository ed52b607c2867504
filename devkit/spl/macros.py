"""Search macro expansion, as Splunk's search parser does it before anything runs, with a
map from every character of the expanded search back to the text a person wrote.

Follows the Knowledge Manager Manual's "Define search macros" and "Use search macros":
- a macro is called between backticks: `` `name` `` or `` `name(a, b)` ``;
- a call with N arguments uses the stanza `name(N)`; its `args` key names the arguments
  (comma-separated) and every `$name$` in the definition is replaced by the argument's
  text (arguments are split at commas outside quotes and parentheses and trimmed; quotes
  are kept, the text goes in literally);
- `iseval = 1`: the definition is an eval expression whose value is the expansion;
- `validation` (an eval expression over the arguments) must be true, else the search
  stops with `errormsg`;
- expansions are expanded again (macros may call macros); a macro that calls itself,
  directly or not, is an error, as is an undefined macro;
- "Macros inside of quoted values are not expanded" (`"foo`bar`baz"` keeps its
  backticks): a backtick between double quotes (with `\"` escaping a quote) is text.

The map (`Expansion.locate`) says, for a position in the expanded search, which text it
came from (the search itself, or the definition of a macro stanza) and where in that
text: an error can then point at what the user can edit. A macro argument's text belongs
to the text that wrote the call; an `iseval` macro's value belongs to its call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from .errors import SplError
from .values import to_text

Evaluator = Callable[[str], object]  # evaluates an eval expression with no event
Origin = Tuple[Optional[str], int]   # (macro stanza, or None for the search; offset)


@dataclass
class Sourced:
    """A text and, for each of its characters, where that character was written."""

    text: str
    origins: List[Origin]

    @classmethod
    def written(cls, text: str, source: Optional[str]) -> Sourced:
        return cls(text, [(source, i) for i in range(len(text))])

    def slice(self, start: int, end: int) -> Sourced:
        return Sourced(self.text[start:end], self.origins[start:end])

    def origin(self, position: int) -> Origin:
        """Where the character at `position` was written; past the end, just after the
        last character."""
        if 0 <= position < len(self.origins):
            return self.origins[position]
        if not self.origins:
            return (None, 0)
        source, offset = self.origins[-1]
        return (source, offset + 1)


def _join(pieces: List[Sourced]) -> Sourced:
    return Sourced("".join(p.text for p in pieces),
                   [o for p in pieces for o in p.origins])


@dataclass
class Expansion:
    """A search with its macros expanded."""

    text: str
    sourced: Sourced

    def locate(self, position: int) -> Origin:
        """(macro stanza or None, offset in that text) of a position in `text`."""
        return self.sourced.origin(position)


def split_arguments_at(text: str) -> List[Tuple[str, int]]:
    """`a, "b,c", f(x,y)` -> [('a', 0), ('"b,c"', 3), ('f(x,y)', 10)]: each argument,
    trimmed, with the index of its first character."""
    arguments: List[Tuple[str, int]] = []
    start, depth, quote, escaped = 0, 0, "", False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            arguments.append(_trimmed(text, start, index))
            start = index + 1
    arguments.append(_trimmed(text, start, len(text)))
    return arguments


def _trimmed(text: str, start: int, end: int) -> Tuple[str, int]:
    piece = text[start:end]
    stripped = piece.lstrip()
    return stripped.rstrip(), start + len(piece) - len(stripped)


def split_arguments(text: str) -> List[str]:
    """`a, "b,c", f(x,y)` -> ['a', '"b,c"', 'f(x,y)']."""
    return [argument for argument, _ in split_arguments_at(text)]


def parse_call(call: str) -> Tuple[str, List[Tuple[str, int]]]:
    """`name(a, b)` -> ('name', [('a', 5), ('b', 8)]); `name` -> ('name', []): the
    arguments with their index in `call`."""
    stripped = call.strip()
    if stripped.endswith(")") and "(" in stripped:
        head, _, _ = call.partition("(")
        opening = len(head) + 1
        closing = call.rstrip().rfind(")")
        return head.strip(), [(argument, opening + index) for argument, index
                              in split_arguments_at(call[opening:closing])]
    return stripped, []


def _is_true(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "t", "yes")


class MacroExpander:
    """Expands the macros of one app's merged macros.conf."""

    MAX_DEPTH = 50

    def __init__(self, macros: Dict[str, Dict[str, str]],
                 evaluate: Optional[Evaluator] = None) -> None:
        self.macros = macros
        self.evaluate = evaluate

    def expand(self, text: str, search: Optional[str] = None) -> str:
        return self.expansion(text, search).text

    def expansion(self, text: str, search: Optional[str] = None) -> Expansion:
        """The expanded search with its map back to the texts it came from."""
        sourced = self._expand(Sourced.written(text, None), search, ())
        return Expansion(sourced.text, sourced)

    def _expand(self, sourced: Sourced, search: Optional[str],
                stack: Tuple[str, ...]) -> Sourced:
        text = sourced.text
        pieces: List[Sourced] = []
        position = 0
        while True:
            start = _next_backtick(text, position)
            if start < 0:
                pieces.append(sourced.slice(position, len(text)))
                return _join(pieces)
            end = text.find("`", start + 1)
            if end < 0:
                raise self._error("unbalanced backtick: a macro call is not closed",
                                  search, sourced.origin(start))
            pieces.append(sourced.slice(position, start))
            pieces.append(self._call(sourced.slice(start + 1, end), search, stack,
                                     sourced.origin(start)))
            position = end + 1

    def _call(self, call: Sourced, search: Optional[str], stack: Tuple[str, ...],
              at: Origin) -> Sourced:
        name, arguments = parse_call(call.text)
        stanza = f"{name}({len(arguments)})" if arguments else name
        if stanza in stack or len(stack) >= self.MAX_DEPTH:
            raise self._error(f"macro '{stanza}' expands into itself "
                              f"({' -> '.join(stack)})", search, at)
        definition = self.macros.get(stanza)
        if definition is None or "definition" not in definition:
            raise self._error(f"macro '{stanza}' is not defined", search, at)
        names = [n.strip() for n in definition.get("args", "").split(",") if n.strip()]
        if len(names) != len(arguments):
            raise self._error(f"macro '{stanza}' declares {len(names)} arguments in args, "
                              f"called with {len(arguments)}", search, at)
        values = {arg_name: call.slice(index, index + len(argument))
                  for arg_name, (argument, index) in zip(names, arguments)}
        body = _substitute(Sourced.written(definition["definition"], stanza), values)
        validation = definition.get("validation", "").strip()
        if validation:
            check = _substitute(Sourced.written(validation, stanza), values).text
            if self._evaluate(check, stanza, search, at) is not True:
                message = definition.get("errormsg") or f"macro '{stanza}' validation failed"
                raise self._error(message, search, at)
        if _is_true(definition.get("iseval", "0")):
            result = self._evaluate(body.text, stanza, search, at)
            if result is None:
                raise self._error(f"eval macro '{stanza}' gave no value", search, at)
            value = " ".join(to_text(v) for v in result) if isinstance(result, list) \
                else to_text(result)
            body = Sourced(value, [at] * len(value))
        return self._expand(body, search, (*stack, stanza))

    def _evaluate(self, expression: str, stanza: str, search: Optional[str],
                  at: Origin) -> object:
        if self.evaluate is None:
            raise self._error(f"eval macro '{stanza}' needs an evaluator", search, at)
        try:
            return self.evaluate(expression)
        except SplError as error:
            raise self._error(f"in macro '{stanza}': {error.detail}", search, at) from None

    @staticmethod
    def _error(message: str, search: Optional[str], at: Origin) -> SplError:
        macro, offset = at
        return SplError(message, search=search).placed(macro, offset)


def _next_backtick(text: str, position: int) -> int:
    """The index of the next backtick at or after `position` that is outside double
    quotes (-1 when there is none). Expansion always resumes outside quotes: after a
    call, or at the start of a text."""
    quoted = False
    index = position
    while index < len(text):
        char = text[index]
        if char == "\\" and quoted:
            index += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "`" and not quoted:
            return index
        index += 1
    return -1


def _substitute(body: Sourced, values: Dict[str, Sourced]) -> Sourced:
    """`$name$` of each argument replaced by the argument's text (and its origins), in one
    pass, so that an argument's own text is never substituted again."""
    if not values:
        return body
    pattern = re.compile("|".join(re.escape(f"${name}$") for name in values))
    pieces: List[Sourced] = []
    position = 0
    for match in pattern.finditer(body.text):
        pieces.append(body.slice(position, match.start()))
        pieces.append(values[match.group(0)[1:-1]])
        position = match.end()
    pieces.append(body.slice(position, len(body.text)))
    return _join(pieces)
