"""What every search command is made of: the `Command` base class, the `RunContext` a run
shares, the parser signature and the argument-parsing helpers the commands share.

The commands themselves live in one module per family (filtering.py, streaming.py,
spath.py, statistics.py, reporting.py, timebins.py, shaping.py, lookup_commands.py,
generating.py); catalog.py gathers their parsers into one table. A parser is called as

    parser(text, offset, position, search, lookups) -> Command

with the command's argument text (after its name), that text's offset and the command
name's position in the expanded search, the search's name (for errors) and the app's
`Lookups` (so that lookup commands can check their definitions when parsed). Any option,
clause or function a parser does not implement is refused with SplUnsupported naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .errors import SplError, SplUnsupported
from .evalexpr import Context
from .external import CommandRunner
from .lexer import Token, parse_bool, split_option
from .lookups import Lookups
from .searchexpr import SearchContext
from .values import sort_key, to_text, values_of


@dataclass
class RunContext:
    """What a run's commands share: its time range, clock and zone, the app's lookups and
    packaged command, the warnings it produced and the column order of its table."""

    search: str
    now: float
    earliest: Optional[float]
    latest: Optional[float]
    tz: str
    lookups: Lookups
    command_runner: CommandRunner
    messages: List[str] = field(default_factory=list)
    columns: Optional[List[str]] = None  # the last table/fields/stats column order

    def __post_init__(self) -> None:
        self.eval_context = Context(now=self.now, tz=self.tz, search=self.search)
        self.search_context = SearchContext(now=self.now, tz=self.tz)


class Command:
    name = ""
    generating = False  # produces results itself (must come first, after a pipe)
    keeps_columns = False  # filters and reorders results without changing their fields

    def __init__(self, position: int) -> None:
        self.position = position

    def run(self, rows: List[dict], context: RunContext) -> List[dict]:
        raise NotImplementedError

    def fail(self, error: SplError, context: RunContext) -> SplError:
        """`error` with this run's search name and, when it has none, this command's
        position."""
        return error.located(context.search, self.position)


Parser = Callable[[str, int, int, Optional[str], Lookups], Command]


def registrar(table: Dict[str, Parser]):
    """A decorator that files a parser in `table` under one or more command names."""
    def command(*names: str):
        def register(parser: Parser) -> Parser:
            for name in names:
                table[name] = parser
            return parser
        return register
    return command


# -- options ----------------------------------------------------------------------------


Options = Dict[str, Tuple[str, Token]]


def join_spaced_options(tokens: List[Token], names: Sequence[str]) -> List[Token]:
    """`name = value`, `name= value` and `name =value` as one `name=value` token, for
    the option `names` only (the pages write some so: `makemv tokenizer = "..."`,
    `bin ... span = <span-length>`)."""
    out: List[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        joined, width = None, 1
        if following is not None and not token.quoted:
            name_alone = token.raw in names and not following.quoted
            if name_alone and following.raw == "=" and i + 2 < len(tokens):
                joined, width = token.raw + "=" + tokens[i + 2].raw, 3
            elif (name_alone and following.raw.startswith("=")) or (
                    token.raw.endswith("=") and token.raw[:-1] in names):
                joined, width = token.raw + following.raw, 2
        out.append(token if joined is None else Token(joined, token.position, joined))
        i += width
    return out


def take_options(tokens: List[Token], allowed: Sequence[str], command_name: str,
                 search: Optional[str], anywhere: bool = False
                 ) -> Tuple[Options, List[Token]]:
    """Leading `name=value` options (anywhere when `anywhere`; `name = value` too);
    unknown names refused."""
    options: Options = {}
    rest: List[Token] = []
    leading = True
    tokens = join_spaced_options(tokens, allowed)
    for token in tokens:
        option = split_option(token) if (leading or anywhere) else None
        if option is None:
            leading = False
            rest.append(token)
            continue
        name, value = option
        if name not in allowed:
            raise SplUnsupported(f"unsupported {command_name} option '{name}'",
                                 search=search, position=token.position)
        options[name] = (value, token)
    return options, rest


def refuse_options(options: Options, names: Sequence[str], command_name: str,
                   search: Optional[str]) -> None:
    """Documented options this engine does not implement: refused by name."""
    for name in names:
        if name in options:
            raise SplUnsupported(f"unsupported {command_name} option '{name}'",
                                 search=search, position=options[name][1].position)


def bool_option(options: Options, name: str, default: bool, search: Optional[str]) -> bool:
    if name not in options:
        return default
    value, token = options[name]
    return parse_bool(value, name, token, search)


def int_option(options: Options, name: str, default: int, search: Optional[str]) -> int:
    if name not in options:
        return default
    value, token = options[name]
    if not re.fullmatch(r"\d+", value):
        raise SplError(f"option {name} needs a whole number, not {value!r}", search=search,
                       position=token.position)
    return int(value)


def text_option(options: Options, name: str, default: str) -> str:
    return options[name][0] if name in options else default


# -- fields and clauses -------------------------------------------------------------------


def field_names(tokens: List[Token], command_name: str, search: Optional[str]) -> List[str]:
    """Plain field names (quoted or not); anything that looks like an option or a
    function is an error naming the token."""
    names = []
    for token in tokens:
        if token.raw.startswith("(") or ("=" in token.raw and not token.quoted):
            raise SplError(f"{command_name}: unexpected '{token.raw}'", search=search,
                           position=token.position)
        names.append(token.text)
    return names


def split_by(tokens: List[Token]) -> Tuple[List[Token], List[Token]]:
    """The tokens before and after the first unquoted `by` (any case)."""
    for index, token in enumerate(tokens):
        if token.raw.lower() == "by" and not token.quoted:
            return tokens[:index], tokens[index + 1:]
    return tokens, []


def split_top_level(text: str, separator: str = ",") -> List[Tuple[str, int]]:
    """Pieces of `text` split at `separator` outside quotes and parentheses."""
    pieces, start, depth, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char == "\\":  # an escaped character is plain text
            i += 2
            continue
        if char in "\"'":
            j = i + 1
            while j < len(text) and text[j] != char:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == separator and depth == 0:
            pieces.append((text[start:i], start))
            start = i + 1
        i += 1
    pieces.append((text[start:], start))
    return pieces


def wildcard_match(pattern: str, name: str) -> bool:
    if "*" not in pattern:
        return pattern == name
    return re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), name,
                        re.DOTALL) is not None


def expand_patterns(patterns: List[str], rows: List[dict]) -> List[str]:
    """Field names matching `patterns` (wildcards against the fields some row has), in
    pattern order; names without a wildcard are kept even when no row has them."""
    names: Dict[str, None] = {}
    present: Dict[str, None] = {}
    for row in rows:
        for name in row:
            present[name] = None
    for pattern in patterns:
        if "*" in pattern:
            for name in present:
                if wildcard_match(pattern, name):
                    names[name] = None
        else:
            names[pattern] = None
    return list(names)


# -- groups -----------------------------------------------------------------------------


def by_combinations(row: dict, by: List[str], dedup: bool = False) -> List[tuple]:
    """The by-field value combinations of a result, as stats splits it: none when a by
    field is missing; one per value of a multivalue by field (a value repeated in the
    field counts again unless `dedup`, stats' `dedup_splitvals`)."""
    value_lists = []
    for name in by:
        values = values_of(row.get(name))
        if not values:
            return []
        value_lists.append(list(dict.fromkeys(values)) if dedup else values)
    return list(product(*value_lists))


def group_key(combination: tuple) -> tuple:
    """A combination of values as a dictionary key (numbers as Splunk prints them)."""
    return tuple(to_text(v) for v in combination)


def combination_order(combination: tuple):
    """Stats' order of groups: by each value, numbers before text."""
    return tuple(sort_key(v) for v in combination)


def freeze(value) -> object:
    """A whole field value (multivalue fields as a tuple) as a dictionary key."""
    return tuple(to_text(v) for v in value) if isinstance(value, list) else to_text(value)
