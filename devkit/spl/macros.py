"""Search macro expansion, as Splunk's search parser does it before anything runs.

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
  directly or not, is an error, as is an undefined macro.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

from .errors import SplError

Evaluator = Callable[[str], object]  # evaluates an eval expression with no event


def split_arguments(text: str) -> List[str]:
    """`a, "b,c", f(x,y)` -> ['a', '"b,c"', 'f(x,y)']."""
    arguments, current, depth, quote = [], [], 0, ""
    escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
            continue
        if char == "\\":
            escaped = True
            current.append(char)
            continue
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            arguments.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    arguments.append("".join(current).strip())
    return arguments


def parse_call(call: str) -> Tuple[str, List[str]]:
    """`name(a, b)` -> ('name', ['a', 'b']); `name` -> ('name', [])."""
    call = call.strip()
    if call.endswith(")") and "(" in call:
        name, _, rest = call.partition("(")
        return name.strip(), split_arguments(rest[:-1])
    return call, []


class MacroExpander:
    """Expands the macros of one app's merged macros.conf."""

    MAX_DEPTH = 50

    def __init__(self, macros: Dict[str, Dict[str, str]],
                 evaluate: Optional[Evaluator] = None) -> None:
        self.macros = macros
        self.evaluate = evaluate

    def expand(self, text: str, search: Optional[str] = None) -> str:
        return self._expand(text, search, ())

    def _expand(self, text: str, search: Optional[str], stack: Tuple[str, ...]) -> str:
        out: List[str] = []
        position = 0
        while True:
            start = text.find("`", position)
            if start < 0:
                out.append(text[position:])
                return "".join(out)
            end = text.find("`", start + 1)
            if end < 0:
                raise SplError("unbalanced backtick: a macro call is not closed",
                               search=search, position=start)
            out.append(text[position:start])
            out.append(self._call(text[start + 1:end], search, stack, start))
            position = end + 1

    def _call(self, call: str, search: Optional[str], stack: Tuple[str, ...],
              position: int) -> str:
        name, arguments = parse_call(call)
        stanza = f"{name}({len(arguments)})" if arguments else name
        if stanza in stack or len(stack) >= self.MAX_DEPTH:
            raise SplError(f"macro '{stanza}' expands into itself ({' -> '.join(stack)})",
                           search=search, position=position)
        definition = self.macros.get(stanza)
        if definition is None or "definition" not in definition:
            raise SplError(f"macro '{stanza}' is not defined", search=search,
                           position=position)
        body = definition["definition"]
        names = [n.strip() for n in definition.get("args", "").split(",") if n.strip()]
        if len(names) != len(arguments):
            raise SplError(f"macro '{stanza}' declares {len(names)} arguments in args, "
                           f"called with {len(arguments)}", search=search, position=position)
        for arg_name, value in zip(names, arguments):
            body = body.replace(f"${arg_name}$", value)
        validation = definition.get("validation", "").strip()
        if validation:
            check = validation
            for arg_name, value in zip(names, arguments):
                check = check.replace(f"${arg_name}$", value)
            if self._evaluate(check, stanza, search, position) is not True:
                message = definition.get("errormsg") or f"macro '{stanza}' validation failed"
                raise SplError(message, search=search, position=position)
        if definition.get("iseval", "0").strip().lower() in ("1", "true", "t", "yes"):
            result = self._evaluate(body, stanza, search, position)
            if result is None:
                raise SplError(f"eval macro '{stanza}' gave no value", search=search,
                               position=position)
            from .values import to_text
            body = to_text(result) if not isinstance(result, list) else " ".join(
                to_text(v) for v in result)
        return self._expand(body, search, (*stack, stanza))

    def _evaluate(self, expression: str, stanza: str, search: Optional[str],
                  position: int) -> object:
        if self.evaluate is None:
            raise SplError(f"eval macro '{stanza}' needs an evaluator", search=search,
                           position=position)
        try:
            return self.evaluate(expression)
        except SplError as error:
            raise SplError(f"in macro '{stanza}': {error.detail}", search=search,
                           position=position) from None
