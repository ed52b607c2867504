"""spath: fields from the JSON held in a field (Search Reference "spath").

    spath [input=<field>] [output=<field>] [path=<datapath> | <datapath>]

- `input` is the field to read (default `_raw`; of a multivalue field, its first value);
- with a path, the value at that path goes to `output` (default: the path itself, as
  the page says); a path is location steps separated by periods, `name{}` stepping into
  every element of an array (`commits{}.author.name`), so that several values make a
  multivalue field in document order, and `name{N}` into the element at position N,
  counted from 0 ("JSON uses zero-based indexing: product.desc{3} refers to the fourth
  element"); a value that is an object or an array is written as its JSON text, as it
  stands in the input; a path that does not lead to a value adds nothing;
- without a path, every leaf becomes a field named by its steps (`a.b`, `a{}`,
  `a{}.b`), as Splunk names JSON fields, from the first 5,000 characters of the input
  only (limits.conf `[spath] extraction_cutoff`, the "auto-extract" mode of the page).

Scalars keep the text they were written with: numbers are not reformatted, `true`,
`false` and `null` are those words; empty objects and arrays give no field. Input that
is not JSON gives no field; JSON cut short gives the values read before the cut.
Refused (SplUnsupported, naming what is refused): XML input and XML attribute steps
(`{@name}`) in a path.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple, Union

from .commands import Command, Parser, registrar, take_options
from .errors import SplError, SplUnsupported
from .lexer import tokenize
from .values import normalize, to_text, values_of

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)

EXTRACTION_CUTOFF = 5000  # limits.conf [spath] extraction_cutoff, the documented default

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


def parse_path(path: str, search: Optional[str], position: int) -> List[Step]:
    """`commits{}.author.name` -> [("commits", (None,)), ("author", ()), ("name", ())];
    `vendorProductSet{1}` -> [("vendorProductSet", (1,))]."""
    steps = []
    for piece in path.split("."):
        match = re.fullmatch(r"([^{}]*)((?:\{[^{}]*\})*)", piece)
        if not match or not (match.group(1) or match.group(2)):
            raise SplError(f"spath: invalid path {path!r}", search=search,
                           position=position)
        indexes: List[Optional[int]] = []
        for inside in re.findall(r"\{([^{}]*)\}", match.group(2)):
            if inside.startswith("@"):
                raise SplUnsupported(f"unsupported spath XML attribute '{{{inside}}}' in a "
                                     f"path", search=search, position=position)
            if inside and not inside.isdigit():
                raise SplError(f"spath: invalid index '{{{inside}}}' in {path!r}",
                               search=search, position=position)
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


class Spath(Command):
    """spath: see the module's docstring."""

    name = "spath"

    def __init__(self, position: int, input_field: str, output: Optional[str],
                 steps: Optional[List[Step]]) -> None:
        super().__init__(position)
        self.input = input_field
        self.output = output
        self.steps = steps

    def run(self, rows, context):
        for row in rows:
            values = values_of(row.get(self.input))
            if not values:
                continue
            text = to_text(values[0])
            if text.lstrip().startswith("<"):
                raise self.fail(SplUnsupported(
                    f"unsupported spath of XML (field '{self.input}')"), context)
            if self.steps is None:
                row.update(self._everything(text[:EXTRACTION_CUTOFF]))
                continue
            root = JsonReader(text).read()
            found = follow(root, self.steps, text) if root is not None else []
            if found:
                row[self.output] = normalize(found)
        return rows

    @staticmethod
    def _everything(text: str) -> Dict[str, Union[str, List[str]]]:
        root = JsonReader(text).read()
        fields: Dict[str, list] = {}
        if root is not None:
            for name, value in leaves(root):
                fields.setdefault(name, []).append(value)
        return {name: normalize(found) for name, found in fields.items()}


@command("spath")
def parse_spath(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("input", "output", "path"), "spath", search,
                                   anywhere=True)
    path_token = None
    if "path" in options:
        path, path_token = options["path"]
    elif tokens:
        path_token = tokens[0]
        path = path_token.text
        tokens = tokens[1:]
    if tokens:
        raise SplError(f"spath: unexpected '{tokens[0].raw}'", search=search,
                       position=tokens[0].position)
    input_field = options["input"][0] if "input" in options else "_raw"
    if path_token is None:
        if "output" in options:
            raise SplError("spath: output needs a path", search=search,
                           position=options["output"][1].position)
        return Spath(position, input_field, None, None)
    steps = parse_path(path, search, path_token.position)
    output = options["output"][0] if "output" in options else path
    return Spath(position, input_field, output, steps)


__all__ = ["EXTRACTION_CUTOFF", "PARSERS", "JsonReader", "Node", "Spath", "follow",
           "leaves", "parse_path"]
