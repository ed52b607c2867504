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

from typing import Dict, List, Optional, Union

from devkit.jsontext import JsonReader, leaves

from .commands import Command, Parser, registrar, take_options
from .errors import SplError, SplUnsupported
from .jsonpath import Step, follow, parse_path
from .lexer import tokenize
from .values import normalize, to_text, values_of

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)

EXTRACTION_CUTOFF = 5000  # limits.conf [spath] extraction_cutoff, the documented default


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
    try:
        steps = parse_path(path)
    except SplError as error:
        raise type(error)(f"spath: {error.detail}", search=search,
                          position=path_token.position) from None
    output = options["output"][0] if "output" in options else path
    return Spath(position, input_field, output, steps)


__all__ = ["EXTRACTION_CUTOFF", "PARSERS", "Spath"]
