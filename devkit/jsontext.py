"""JSON text read as Splunk reads it for `KV_MODE = json` and `spath`: values with where
they stand in the text, and Splunk's field names for them.

- `JsonReader(text).read()` reads an object or an array, keeping what was read when
  the text is cut short or breaks (a container then holds the complete values before
  the cut, and a container the text cuts short has `end == -1`);
- `leaves(node)` names every scalar as Splunk names JSON fields (Search Reference,
  spath: "a location path is composed of location steps separated by periods", arrays
  written `name{}`): nested keys joined with ".", every array level adding "{}" to the
  name (`commits{}.author.name`); scalars keep the text they were written with
  (numbers are not reformatted, `true`, `false` and `null` are those words); empty
  objects and arrays give no field;
- `extract_fields(text)`: the fields of a whole JSON document, leaves reached by the
  same name joined into one multivalue field in document order; {} when the text is
  not one complete JSON object or array.

Written from Splunk's documentation and independently of the command's `flatten_json`
(bin/cloud_secrets/fields.py), so that the tests and the SPL engine, which read JSON
with this module, do not share the command's mistakes.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple, Union

FieldValue = Union[str, List[str]]

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
            "t": "\t"}
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


@dataclass
class Node:
    """A JSON value and where it stands in the text: `items` are (key, Node) pairs for
    an object (duplicate keys kept, in order), Nodes for an array, None for a scalar,
    whose `text` is its value (a string unescaped)."""

    kind: str                      # "object", "array" or "scalar"
    start: int
    end: int                       # -1 for a container the text cuts short
    items: Optional[list] = None
    text: str = ""


class _Cut(Exception):
    """The text ends or breaks before the value does."""


class JsonReader:
    """Reads a JSON value, keeping what was read when the text is cut short: a
    container holds the complete values before the cut."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def read(self) -> Optional[Node]:
        self._space()
        if self.at >= len(self.text) or self.text[self.at] not in "{[":
            return None  # spath reads objects and arrays, not a bare scalar
        holder: List[Node] = []
        with contextlib.suppress(_Cut):  # keep what was read before the cut
            self._value(holder)
        return holder[0] if holder else None

    def _space(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in " \t\r\n":
            self.at += 1

    def _char(self) -> str:
        if self.at >= len(self.text):
            raise _Cut
        return self.text[self.at]

    def _value(self, into: list, key: Optional[str] = None) -> None:
        """Read one value and append it to `into` (as (key, node) when `key` is given),
        appending containers before their contents so that a cut keeps them."""
        self._space()
        char = self._char()
        start = self.at
        if char in "{[":
            node = Node("object" if char == "{" else "array", start, -1, [])
            into.append((key, node) if key is not None else node)
            self.at += 1
            closing = "}" if char == "{" else "]"
            self._space()
            if self._char() == closing:
                self.at += 1
            else:
                while True:
                    if char == "{":
                        self._space()
                        name = self._string()
                        self._space()
                        if self._char() != ":":
                            raise _Cut
                        self.at += 1
                        self._value(node.items, name)
                    else:
                        self._value(node.items)
                    self._space()
                    separator = self._char()
                    self.at += 1
                    if separator == closing:
                        break
                    if separator != ",":
                        raise _Cut
            node.end = self.at
            return
        if char == '"':
            text = self._string()
        else:
            match = _SCALAR.match(self.text, self.at)
            if not match:
                raise _Cut
            text = match.group(0)
            self.at = match.end()
            if self.at >= len(self.text):
                raise _Cut  # a number may go on past the cut
        node = Node("scalar", start, self.at, None, text)
        into.append((key, node) if key is not None else node)

    def _string(self) -> str:
        if self._char() != '"':
            raise _Cut
        self.at += 1
        out = []
        while True:
            char = self._char()
            self.at += 1
            if char == '"':
                return "".join(out)
            if char != "\\":
                out.append(char)
                continue
            escape = self._char()
            self.at += 1
            if escape == "u":
                digits = self.text[self.at:self.at + 4]
                if len(digits) < 4 or not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
                    raise _Cut
                code = int(digits, 16)
                self.at += 4
                low = self.text[self.at + 2:self.at + 6]
                if 0xD800 <= code < 0xDC00 and self.text[self.at:self.at + 2] == "\\u" \
                        and re.fullmatch(r"[dD][c-fC-F][0-9a-fA-F]{2}", low):
                    code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
                    self.at += 6
                out.append(chr(code))
            elif escape in _ESCAPES:
                out.append(_ESCAPES[escape])
            else:
                raise _Cut


def leaves(node: Node, name: str = "") -> Iterator[Tuple[str, str]]:
    """(field name, text) of every scalar under `node`, in document order."""
    if node.kind == "scalar":
        yield name, node.text
    elif node.kind == "object":
        for key, child in node.items:
            yield from leaves(child, f"{name}.{key}" if name else key)
    else:
        for child in node.items:
            yield from leaves(child, name + "{}")


def extract_fields(text: str) -> Dict[str, FieldValue]:
    """The fields Splunk extracts from a JSON document (`KV_MODE = json`), as
    {name: text or [texts]}; {} when `text` is not one complete object or array."""
    root = JsonReader(text).read()
    if root is None or root.end < 0:
        return {}
    fields: Dict[str, FieldValue] = {}
    for name, value in leaves(root):
        if name not in fields:
            fields[name] = value
        elif isinstance(fields[name], list):
            fields[name].append(value)  # type: ignore[union-attr]
        else:
            fields[name] = [fields[name], value]  # type: ignore[list-item]
    return fields


__all__ = ["FieldValue", "JsonReader", "Node", "extract_fields", "leaves"]
