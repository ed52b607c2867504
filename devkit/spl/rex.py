"""rex: fields from a regular expression's named groups, or a field rewritten with a sed
expression (Search Reference "rex").

    rex [field=<field>] (<regex> [max_match=<int>] [offset_field=<string>])
                      | (mode=sed <sed-expression>)

- `<regex>` runs unanchored over `field` (default `_raw`; of a multivalue field, its
  first value); each named group that matched becomes a field; `max_match` (1) is the
  number of matches, 0 for all of them, several making multivalue fields (the page:
  `rex field=test max_match=0 "((?<field>[^$]*)\\$(?<value>[^,]*),?)"` of a$1,b$2 gives
  field a, b and value 1, 2); a result where it does not match keeps its fields;
- `offset_field=<name>` adds where the group matched, `<group>=<start>-<end>`, counted
  from 0 with the end included (the page: `(?<firstfive>abcde)` gives firstfive=0-4);
  with more than one named group or match the page does not show the form, so the
  engine refuses it;
- `mode=sed` applies `s/<regex>/<replacement>/<flags>` (`\\1`..`\\9` are the groups;
  flags `g` for every match or a number N for the Nth, the first by default) or
  `y/<characters>/<characters>/` to every value of the field (the page's example turns
  `src_ip=TERM( "10.8.2.33" )` into `src_ip=TERM(10.8.2.33)`).
PCRE named groups `(?<name>...)` are read as Python's `(?P<name>...)`.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Optional

from .commands import Command, Parser, int_option, registrar, take_options
from .errors import SplError, SplUnsupported
from .lexer import tokenize
from .values import normalize, to_text, values_of

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)


class Rex(Command):
    """rex with a regular expression: see the module's docstring."""

    name = "rex"

    def __init__(self, position, field_name, regex, max_match, offset_field=None):
        super().__init__(position)
        self.field = field_name
        self.regex = regex
        self.max_match = max_match
        self.offset_field = offset_field

    def run(self, rows, context):
        for row in rows:
            values = values_of(row.get(self.field))
            if not values:
                continue
            matches = list(self.regex.finditer(to_text(values[0])))
            if self.max_match:
                matches = matches[:self.max_match]
            extracted: Dict[str, list] = {}
            offsets: List[str] = []
            for match in matches:
                for name, value in match.groupdict().items():
                    if value is not None:
                        extracted.setdefault(name, []).append(value)
                        offsets.append(f"{name}={match.start(name)}-{match.end(name) - 1}")
            for name, found in extracted.items():
                row[name] = normalize(found)
            if self.offset_field and offsets:
                row[self.offset_field] = normalize(offsets)
        return rows


class Sed(Command):
    """rex mode=sed: see the module's docstring."""

    name = "rex"

    def __init__(self, position, field_name, rewrite: Callable[[str], str]):
        super().__init__(position)
        self.field = field_name
        self.rewrite = rewrite

    def run(self, rows, context):
        for row in rows:
            values = values_of(row.get(self.field))
            if values:
                row[self.field] = normalize([self.rewrite(to_text(v)) for v in values])
        return rows


def _sed_parts(expression: str) -> List[str]:
    """`s/a/b/g` -> ["s", "a", "b", "g"], the delimiter being the character after the
    command letter and `\\<delimiter>` standing for the delimiter itself."""
    if len(expression) < 2:
        raise SplError(f"rex: invalid sed expression {expression!r}")
    delimiter = expression[1]
    parts, current, i = [expression[0]], [], 2
    while i < len(expression):
        char = expression[i]
        if char == "\\" and i + 1 < len(expression) and expression[i + 1] == delimiter:
            current.append(delimiter)
            i += 2
            continue
        if char == "\\" and i + 1 < len(expression):
            current.append(expression[i:i + 2])
            i += 2
            continue
        if char == delimiter:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def sed_rewrite(expression: str) -> Callable[[str], str]:
    """The rewriting a sed expression stands for (raises SplError when invalid)."""
    parts = _sed_parts(expression.strip())
    if parts[0] == "y" and len(parts) == 4 and not parts[3]:
        source, target = parts[1], parts[2]
        if len(source) != len(target):
            raise SplError("rex: y/// needs two lists of the same length")
        table = str.maketrans(source, target)
        return lambda text: text.translate(table)
    if parts[0] != "s" or len(parts) != 4:
        raise SplError(f"rex: a sed expression is s/<regex>/<replacement>/<flags> or "
                       f"y/<characters>/<characters>/, not {expression!r}")
    _, pattern, replacement, flags = parts
    try:
        regex = re.compile(re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern))
    except re.error as error:
        raise SplError(f"rex: invalid regex: {error}") from None
    template = re.sub(r"\\(\d)", r"\\g<\1>", replacement)
    if flags == "g":
        return lambda text: regex.sub(template, text)
    if not re.fullmatch(r"\d*", flags):
        raise SplUnsupported(f"unsupported sed flags {flags!r} (g or a number)")
    nth = int(flags or 1)

    def nth_only(text: str) -> str:
        for number, match in enumerate(regex.finditer(text), 1):
            if number == nth:
                return text[:match.start()] + match.expand(template) + text[match.end():]
        return text
    return nth_only


@command("rex")
def parse_rex(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search, commas=False)
    options, tokens = take_options(tokens, ("field", "max_match", "mode", "offset_field"),
                                   "rex", search, anywhere=True)
    if len(tokens) != 1 or not tokens[0].quoted:
        raise SplError("rex needs one quoted regular expression", search=search,
                       position=position)
    field_name = options["field"][0] if "field" in options else "_raw"
    mode = options.get("mode", ("", None))[0]
    if mode:
        if mode.lower() != "sed":
            raise SplError(f"rex: mode is sed, not {mode!r}", search=search,
                           position=options["mode"][1].position)
        try:
            return Sed(position, field_name, sed_rewrite(tokens[0].text))
        except SplError as error:
            raise error.located(search, tokens[0].position) from None
    pattern = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", tokens[0].text)
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise SplError(f"rex: invalid regex: {error}", search=search,
                       position=tokens[0].position) from None
    max_match = int_option(options, "max_match", 1, search)
    offset_field: Optional[str] = None
    if "offset_field" in options:
        offset_field, token = options["offset_field"]
        if len(regex.groupindex) != 1 or max_match != 1:
            raise SplUnsupported("unsupported rex offset_field with several named groups "
                                 "or matches", search=search, position=token.position)
    return Rex(position, field_name, regex, max_match, offset_field)


__all__ = ["PARSERS", "Rex", "Sed", "sed_rewrite"]
