"""The engine: expands a search's macros, parses its pipeline and runs it over events.

    engine = Engine(AppConf.load(app_dir), app_dir=app_dir, lookups_dir=work / "lookups",
                    kvstore_dir=work / "kvstore", tz="UTC")
    rows = engine.run(spl, events, now=epoch, earliest=None, latest=None, name="ad hoc")

Events are dicts of field -> str or list of str, with `_time` as epoch seconds (a float
or a numeric string); they are copied, never changed. A search that does not start with
a command starts with an implicit `search`; one that starts with `|` must start with a
generating command (`inputlookup`, `makeresults`) or `search`. The time range
[earliest, latest) limits the events by `_time` before the first command. Every command
is parsed before anything runs, so SPL the engine does not implement is refused with
SplUnsupported and never skipped. Every error names the search and the command or
function, and is placed in the text the user wrote: the position in the search as
written, or in the definition of the macro the text comes from (see errors.py).

Two answers serve a caller that runs the same searches many times (the replay):
`Results.read_clock` says whether a run read its dispatch time or time range (see
clock.py: a run that did not gives the same results at any time), and `event_test`
decides from one event alone whether a search can use it at all.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import times
from .catalog import PARSERS, unknown_command
from .clock import ClockWatch, WatchedRunContext, WatchedSearchContext
from .commands import Command, RunContext
from .conf import AppConf
from .errors import SplError, SplUnsupported
from .evalexpr import Context, evaluate_constant
from .external import CommandRunner
from .filtering import Search, parse_search
from .lexer import split_pipeline
from .lookups import Lookups
from .macros import Expansion, MacroExpander
from .values import to_number


class Results(list):
    """The result rows (a list of dicts), with the column order a table would show, the
    warnings the run produced (such as an inputlookup of a missing file) and whether the
    run read its clock (`read_clock`, see clock.py)."""

    def __init__(self, rows: Iterable[dict] = (), columns: Sequence[str] = (),
                 messages: Sequence[str] = (), read_clock: bool = True) -> None:
        super().__init__(rows)
        self.columns = list(columns)
        self.messages = list(messages)
        self.read_clock = read_clock


@dataclass
class Pipeline:
    expansion: Expansion  # the expanded search and its map back to the written texts
    commands: List[Command]
    generating: bool  # the first command makes its own results (events are not read)

    @property
    def expanded(self) -> str:
        return self.expansion.text

    def place(self, error: SplError) -> SplError:
        """`error` with its position moved from the expanded search into the text the
        user wrote (the search, or a macro's definition)."""
        return place(error, self.expansion)


def place(error: SplError, expansion: Expansion) -> SplError:
    """`error` placed in the written text through `expansion`'s map, unless the macro
    expander placed it already or it has no position."""
    if error.in_source or error.position is None:
        return error
    macro, offset = expansion.locate(error.position)
    return error.placed(macro, offset)


def _normalize_event(event: dict) -> dict:
    out = {}
    for name, value in event.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            values = [v for v in value if v is not None]
            if not values:
                continue
            value = list(values) if len(values) > 1 else values[0]
        out[name] = value
    moment = to_number(out.get("_time"))
    if moment is not None:
        out["_time"] = moment
    return out


class Engine:
    """Runs the SPL of one app (its conf, macros, lookups and packaged command)."""

    def __init__(self, app: AppConf, app_dir=None, lookups_dir=None, kvstore_dir=None,
                 tz: str = "UTC", command_timeout: float = 600.0) -> None:
        self.app = app
        self.app_dir = Path(app_dir) if app_dir is not None else Path(app.app_dir)
        self.tz = tz
        times.zone(tz)  # an unknown zone fails here, not in the middle of a run
        self._scratch: Optional[tempfile.TemporaryDirectory] = None
        if lookups_dir is None or kvstore_dir is None:
            # Never write into the app's own folder: work on a private copy.
            self._scratch = tempfile.TemporaryDirectory(prefix="spl-engine-")
            scratch = Path(self._scratch.name)
            if lookups_dir is None:
                lookups_dir = scratch / "lookups"
                if (self.app_dir / "lookups").is_dir():
                    shutil.copytree(self.app_dir / "lookups", lookups_dir)
            if kvstore_dir is None:
                kvstore_dir = scratch / "kvstore"
        self.lookups = Lookups(app, Path(lookups_dir), Path(kvstore_dir))
        self.command_runner = CommandRunner(self.app_dir / "bin" / "cloudsecrets.py",
                                            timeout=command_timeout)
        self._macros = MacroExpander(app.macros, evaluate=self._evaluate_macro)
        self._pipelines: Dict[tuple, Pipeline] = {}
        self._event_tests: Dict[str, Callable[[Mapping], bool]] = {}

    # -- public API ------------------------------------------------------------------

    def expand(self, spl: str, name: Optional[str] = None) -> str:
        """The search with its macros expanded, as Splunk's parser sees it."""
        return self._macros.expand(spl, name)

    def parse(self, spl: str, name: str = "ad hoc") -> Pipeline:
        """Expand and parse without running (raises SplError / SplUnsupported)."""
        key = (spl, name)
        if key not in self._pipelines:
            self._pipelines[key] = self._parse(spl, name)
        return self._pipelines[key]

    def run(self, spl: str, events: Sequence[dict], now: Optional[float] = None,
            earliest: Optional[float] = None, latest: Optional[float] = None,
            name: str = "ad hoc", as_rows: bool = False) -> Results:
        """Run `spl` over `events` as of `now` (the dispatch time) in [earliest, latest).

        `as_rows`: the events are already in the form a run hands its commands (rows that
        an earlier run returned: no null fields, a list only for two values or more,
        `_time` a number), so each is only copied, not normalized again (the replay runs
        each search's rest over the rows of a shared prefix, thousands of times)."""
        now = time.time() if now is None else float(now)
        pipeline = self.parse(spl, name)
        context = self._context(name, now, earliest, latest)
        rows: List[dict] = []
        if not pipeline.generating:
            bounded = earliest is not None or latest is not None
            for event in events:
                if bounded:  # filter before copying: runs often see a small slice
                    moment = to_number(event.get("_time"))
                    if moment is None or (earliest is not None and moment < earliest) or (
                            latest is not None and moment >= latest):
                        continue
                rows.append(dict(event) if as_rows else _normalize_event(event))
        for command in pipeline.commands:
            before = context.columns
            try:
                rows = command.run(rows, context)
            except SplError as error:
                raise pipeline.place(error.located(name, command.position)) from None
            if context.columns is before and not command.keeps_columns:
                context.columns = None
        columns = context.columns
        if columns is None:
            columns = list(dict.fromkeys(n for row in rows for n in row))
        return Results(rows, columns, context.messages, read_clock=context.read_clock)

    def event_test(self, spl: str, name: str = "ad hoc"
                   ) -> Optional[Callable[[Mapping], bool]]:
        """A test of one event alone: False only when no run of this search, at any time,
        could use the event; None when any event may be used.

        A search starting with a generating command reads no event (the test refuses them
        all). One whose first command is `search` keeps an event that its expression
        matches, and one on which the expression's answer depends on the run's time (an
        `earliest=` term it reached); the events must be in the form `run` gives the
        commands (no null fields, a list only for two values or more, `_time` a number).
        Raises like `parse` for SPL that cannot run."""
        pipeline = self.parse(spl, name)
        if pipeline.generating:
            return lambda event: False
        first = pipeline.commands[0] if pipeline.commands else None
        if not isinstance(first, Search):
            return None
        # Searches that start with the same `search` (the app's source macro) share one
        # test, so that a caller asking for several tests each event once.
        text = split_pipeline(pipeline.expanded, name)[0][0].strip()
        if text not in self._event_tests:
            self._event_tests[text] = self._search_test(first)
        return self._event_tests[text]

    def _search_test(self, first: Search) -> Callable[[Mapping], bool]:
        predicate, watch = first.predicate, ClockWatch()
        context = WatchedSearchContext(now=time.time(), tz=self.tz, watch=watch)

        def may_use(event: Mapping) -> bool:
            watch.read = False
            try:
                return bool(predicate(event, context)) or watch.read
            except SplError:  # the run would stop on it: keep it for the run to report
                return True
        return may_use

    def prewarm(self, events: Sequence[dict], args: Sequence[str] = ()) -> int:
        """Send every event not yet cached through `cloudsecrets` in one process."""
        return self.command_runner.prewarm([_normalize_event(e) for e in events], args)

    def read_lookup(self, name: str) -> List[dict]:
        """The rows of a lookup (CSV or KV store), as inputlookup returns them."""
        definition = self.lookups.definition(name)
        if not self.lookups.exists(definition):
            return []
        rows, _ = self.lookups.read(definition)
        return [dict(r) for r in rows]

    def write_lookup(self, name: str, rows: Sequence[dict]) -> None:
        """Replace a lookup's rows, as `| outputlookup name` would (for seeding)."""
        command = PARSERS["outputlookup"](name, 0, 0, "seed", self.lookups)
        context = self._context("seed", time.time(), None, None)
        command.run([_normalize_event(r) for r in rows], context)

    def _context(self, name: str, now: float, earliest: Optional[float],
                 latest: Optional[float]) -> RunContext:
        return WatchedRunContext(name, now, earliest, latest, self.tz, self.lookups,
                                 self.command_runner)

    # -- parsing -----------------------------------------------------------------------

    def _evaluate_macro(self, expression: str):
        return evaluate_constant(expression, Context(now=time.time(), tz=self.tz))

    def _parse(self, spl: str, name: str) -> Pipeline:
        expansion = self._macros.expansion(spl, name)  # its errors are placed already
        try:
            commands, generating = self._parse_expanded(expansion.text, name)
        except SplError as error:
            raise place(error.located(name), expansion) from None
        return Pipeline(expansion, commands, generating)

    def _parse_expanded(self, expanded: str, name: str) -> Tuple[List[Command], bool]:
        pieces = split_pipeline(expanded, name)
        leading_pipe = len(pieces) > 1 and pieces[0][0] == ""
        if leading_pipe:
            pieces = pieces[1:]
        commands: List[Command] = []
        for number, (text, position) in enumerate(pieces):
            match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(\s+|\Z)", text)
            word = match.group(1).lower() if match else ""
            if number == 0 and not leading_pipe and word != "search":
                commands.append(parse_search(text, position, position, name, self.lookups))
                continue
            if not word:
                raise SplError(f"expected a command, found '{text[:20]}'", search=name,
                               position=position)
            parser = PARSERS.get(word)
            if parser is None:
                raise SplUnsupported(unknown_command(match.group(1)), search=name,
                                     position=position)
            rest_offset = position + match.end()
            command = parser(text[match.end():], rest_offset, position, name, self.lookups)
            if command.generating and number > 0:
                raise SplError(f"{word} must be the first command of a search",
                               search=name, position=position)
            commands.append(command)
        first = commands[0] if commands else None
        if leading_pipe and first is not None and not first.generating and not isinstance(
                first, Search):
            raise SplError(f"a search starting with '|' must start with a generating "
                           f"command, not '{first.name}'", search=name, position=first.position)
        return commands, bool(first and first.generating)
