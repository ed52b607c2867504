"""Splitting a search into commands, and a command's arguments into tokens.

Both keep the character position of every piece in the (macro-expanded) search, so that
errors can say where they are. Quotes: a double-quoted string is one piece of text (with
`\\"` and `\\\\` escapes); single quotes delimit field names in eval and are kept whole too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from .errors import SplError, SplUnsupported


@dataclass(frozen=True)
class Token:
    text: str        # unquoted when the whole token was one quoted string
    position: int    # of the token's first character in the search
    raw: str         # as written
    quoted: bool = False


def unquote(text: str) -> str:
    """`"a \\"b\\""` -> `a "b"`; anything else as is."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        body, out, i = text[1:-1], [], 0
        while i < len(body):
            if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in '"\\':
                out.append(body[i + 1])
                i += 2
            else:
                out.append(body[i])
                i += 1
        return "".join(out)
    return text


def _skip_quoted(text: str, i: int, search: Optional[str], offset: int) -> int:
    """Index just past the quoted string starting at text[i]."""
    quote = text[i]
    j = i + 1
    while j < len(text):
        if text[j] == "\\" and quote == '"':
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        j += 1
    raise SplError("unbalanced quotes", search=search, position=offset + i)


def split_pipeline(spl: str, search: Optional[str] = None) -> List[Tuple[str, int]]:
    """The commands of a search as (text, position), split at `|` outside quotes.

    A search that begins with `|` yields an empty first command (the caller decides
    whether a generating command may follow). Subsearches (`[...]`) are refused.
    """
    pieces: List[Tuple[str, int]] = []
    start, i, depth = 0, 0, 0
    while i < len(spl):
        char = spl[i]
        if char == "\\":  # an escaped character (such as \") is plain text
            i += 2
            continue
        if char in "\"'":
            i = _skip_quoted(spl, i, search, 0)
            continue
        if char == "[" and depth == 0 and _opens_subsearch(spl, i):
            raise SplUnsupported("unsupported subsearch '['", search=search, position=i)
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "|" and depth == 0:
            pieces.append((spl[start:i], start))
            start = i + 1
        i += 1
    pieces.append((spl[start:], start))
    commands = []
    for number, (text, position) in enumerate(pieces):
        stripped = text.lstrip()
        position += len(text) - len(stripped)
        stripped = stripped.rstrip()
        if not stripped and number > 0:
            raise SplError("empty command between pipes", search=search, position=position)
        commands.append((stripped, position))
    return commands


def _opens_subsearch(spl: str, i: int) -> bool:
    """`[` starts a subsearch unless it is part of a word (`name{}` fields use braces,
    and field values such as `a[0]` may hold brackets)."""
    return i == 0 or spl[i - 1] in " \t\r\n|(="


def tokenize(text: str, offset: int, search: Optional[str] = None,
             commas: bool = True) -> List[Token]:
    """Whitespace-separated tokens (and comma-separated when `commas`), keeping
    quoted strings and parenthesized groups such as `dc(secret)` whole."""
    tokens: List[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace() or (commas and text[i] == ","):
            i += 1
            continue
        start, depth = i, 0
        while i < n:
            char = text[i]
            if char == "\\":
                i += 2
                continue
            if char in "\"'":
                i = _skip_quoted(text, i, search, offset)
                continue
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth < 0:
                    raise SplError("unbalanced parenthesis", search=search,
                                   position=offset + i)
            elif depth == 0 and (char.isspace() or (commas and char == ",")):
                break
            i += 1
        if depth > 0:
            raise SplError("unbalanced parenthesis", search=search, position=offset + start)
        raw = text[start:i]
        quoted = len(raw) >= 2 and raw[0] == raw[-1] == '"' and _one_string(raw)
        tokens.append(Token(unquote(raw) if quoted else raw, offset + start, raw, quoted))
    return tokens


def _one_string(raw: str) -> bool:
    try:
        return _skip_quoted(raw, 0, None, 0) == len(raw)
    except SplError:
        return False


def unquote_argument(text: str) -> str:
    """An argument as Splunk's parser reads it: quoted and unquoted pieces joined, their
    quotes removed, `\\"` and `\\\\` read as `"` and `\\` (`"("match(x,\\"y\\")")"` is
    `(match(x,"y"))`, as the streamstats page writes reset_after); any other backslash
    stays, so that regexes arrive as written."""
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
            continue
        if char != '"':
            out.append(char)
        i += 1
    return "".join(out)


def split_option(token: Token) -> Optional[Tuple[str, str]]:
    """`name=value` (value unquoted) or None when the token is not an option."""
    if token.quoted or "=" not in token.raw or token.raw.startswith("="):
        return None
    name, _, value = token.raw.partition("=")
    if not name.replace("_", "").replace(".", "").isalnum():
        return None
    return name, unquote_argument(value)


BOOLEAN_TRUE = ("true", "t", "1", "yes", "y")
BOOLEAN_FALSE = ("false", "f", "0", "no", "n")


def parse_bool(value: str, name: str, token: Token, search: Optional[str]) -> bool:
    lowered = value.lower()
    if lowered in BOOLEAN_TRUE:
        return True
    if lowered in BOOLEAN_FALSE:
        return False
    raise SplError(f"option {name} needs a boolean, not {value!r}", search=search,
                   position=token.position)
