"""JSON as spath reads it: values with where they stand in the text, Splunk's field
names for them, and location paths (Search Reference "spath" and the eval function
spath()).

- `JsonReader(text).read()` reads an object or an array, keeping what was read when
  the text is cut short or breaks (a container then holds the complete values before
  the cut);
- `leaves(node)` names every scalar as Splunk names JSON fields: nested keys joined
  with ".", every array level adding "{}" to the name (`commits{}.author.name`);
  scalars keep the text they were written with (numbers are not reformatted, `true`,
  `false` and `null` are those words); empty objects and arrays give no field;
- `parse_path` and `follow`: a location path is steps separated by periods, each a key
  and optional indexes, `{}` for every element of an array and `{N}` for the element
  at position N, counted from 0 ("JSON uses zero-based indexing"); an object or an
  array at the end of a path is given as its JSON text, as it stands in the input.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple

from .errors import SplError, SplUnsupported

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


# A step: its key ("" for none) and its indexes, each None for `{}` (every element) or
# a position counted from 0, as JSON arrays are ("JSON uses zero-based indexing").
Step = Tuple[str, Tuple[Optional[int], ...]]


def parse_path(path: str) -> List[Step]:
    """`commits{}.author.name` -> [("commits", (None,)), ("author", ()), ("name", ())];
    `vendorProductSet{1}` -> [("vendorProductSet", (1,))]."""
    steps = []
    for piece in path.split("."):
        match = re.fullmatch(r"([^{}]*)((?:\{[^{}]*\})*)", piece)
        if not match or not (match.group(1) or match.group(2)):
            raise SplError(f"invalid path {path!r}")
        indexes: List[Optional[int]] = []
        for inside in re.findall(r"\{([^{}]*)\}", match.group(2)):
            if inside.startswith("@"):
                raise SplUnsupported(f"unsupported XML attribute '{{{inside}}}' in a path")
            if inside and not inside.isdigit():
                raise SplError(f"invalid index '{{{inside}}}' in {path!r}")
            indexes.append(int(inside) if inside else None)
        steps.append((match.group(1), tuple(indexes)))
    return steps


def follow(root: Node, steps: List[Step], text: str) -> List[str]:
    """The values at `steps` from `root`: scalars as their text, objects and arrays as
    their JSON text in `text`."""
    current = [root]
    for key, indexes in steps:
        if key:
            current = [child for node in current if node.kind == "object"
                       for name, child in node.items if name == key]
        for index in indexes:
            arrays = [node for node in current if node.kind == "array"]
            if index is None:
                current = [child for node in arrays for child in node.items]
            else:
                current = [node.items[index] for node in arrays if index < len(node.items)]
    return [node.text if node.kind == "scalar" else text[node.start:node.end]
            for node in current if node.end >= 0]


__all__ = ["JsonReader", "Node", "Step", "follow", "leaves", "parse_path"]
