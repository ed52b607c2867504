"""`| cloudsecrets` inside the engine: the packaged command over protocol v2.

The command runs as splunkd runs it (devkit.splunkd.run_command): getinfo, then execute
chunks; in selected-fields mode each event is sent with only the command's
`required_fields` plus `_chunked_idx`, and the reply is laid back over the full event by
`_chunked_idx`. Protocol v2 carries records as CSV, where an empty cell cannot be told
from a missing field: a reply field that is empty therefore removes that field from the
event (as it reaches later commands in Splunk).

Replies are cached across runs, keyed by the command's arguments and the values of the
required fields sent (the command's answer for identical input is identical), so that a
replay's hundreds of scheduled runs start one process for the events not yet seen, and
`prewarm` can send every event once, up front.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import SplError
from .values import Value, to_text

CHUNK_SIZE = 10_000
Key = Tuple


class CommandRunner:
    """Runs one packaged streaming command and remembers its replies."""

    def __init__(self, script: Path, timeout: float = 600.0,
                 python: str = sys.executable) -> None:
        self.script = Path(script)
        self.timeout = timeout
        self.python = python
        self.required: Dict[Tuple[str, ...], Optional[List[str]]] = {}
        self.required_names: Dict[Tuple[str, ...], frozenset] = {}
        # Oldest first, so that `trim` can forget the replies of events long past.
        self.replies: OrderedDict[Key, Dict[str, Value]] = OrderedDict()
        self.processes = 0  # command processes started (for tests and --summary)

    def _key(self, args: Tuple[str, ...], event: dict) -> Key:
        """The arguments and the sent fields (the required ones, or all), by name."""
        required = self.required_names.get(args)
        return (args, tuple(sorted((n, _freeze(v)) for n, v in event.items()
                                   if required is None or n in required)))

    def run(self, events: Sequence[dict], args: Sequence[str] = ()) -> List[dict]:
        """Each event with the command's reply laid over it (new dicts)."""
        args = tuple(args)
        if not self.script.is_file():
            raise SplError(f"cloudsecrets: the command script {self.script} does not exist")
        keys = self._ensure(events, args)
        out = []
        for event, key in zip(events, keys):
            merged = dict(event)
            for name, value in self.replies[key].items():
                if value == "" or value == [] or value is None:
                    merged.pop(name, None)  # an empty CSV cell is a missing field
                else:
                    merged[name] = value
            out.append(merged)
        return out

    def prewarm(self, events: Sequence[dict], args: Sequence[str] = ()) -> int:
        """Send every event not yet cached through one command process; returns the
        number of new replies (identical inputs are sent once)."""
        before = len(self.replies)
        self._ensure(events, tuple(args))
        return len(self.replies) - before

    def trim(self, keep: int) -> None:
        """Forget all but the `keep` replies remembered last (a forgotten event is sent
        to the command again if a later run needs it)."""
        while len(self.replies) > keep:
            self.replies.popitem(last=False)

    def _ensure(self, events: Sequence[dict], args: Tuple[str, ...]) -> List[Key]:
        """The cache keys of `events`, after running the command for those not cached
        (each key is worked out once: it costs a pass over the event's fields)."""
        if args in self.required:
            keys = [self._key(args, e) for e in events]
            if not all(k in self.replies for k in keys):
                self._fill(events, args, keys)
            return keys
        return self._fill(events, args, None)

    def _fill(self, events: Sequence[dict], args: Tuple[str, ...],
              keys: Optional[List[Key]]) -> List[Key]:
        """Run the command over the events not cached (all of them when `keys` is None:
        the first run, which learns the command's required fields); return the events'
        keys (on the first run, worked out once the required fields are known)."""
        from devkit.scp import ProtocolError
        from devkit.splunkd import run_command

        pending: Dict[Key, int] = {}  # a key -> the first event that has it
        for index, event in enumerate(events):
            key = self._key(args, event) if keys is None else keys[index]
            if keys is None or key not in self.replies:
                pending.setdefault(key, index)
        # run_command sends only the fields the command asked for at getinfo, as splunkd
        # does in its selected-fields mode.
        records = [events[index] for index in pending.values()]
        batches = [records[i:i + CHUNK_SIZE] for i in range(0, len(records), CHUNK_SIZE)]
        try:
            result = run_command(self.script, batches or [[]], args=list(args),
                                 python=self.python, timeout=self.timeout)
        except ProtocolError as error:
            raise SplError(f"cloudsecrets broke protocol v2: {error}") from None
        self.processes += 1
        if result.timed_out:
            raise SplError(f"cloudsecrets: the command did not answer within "
                           f"{self.timeout:.0f} s")
        if result.errors or result.returncode != 0 or len(result.records) != len(records):
            detail = "; ".join(result.errors) or result.stderr.strip()[-500:] or (
                f"{len(records)} records sent, {len(result.records)} returned")
            raise SplError(f"cloudsecrets failed: {detail}")
        required = result.getinfo.get("required_fields")
        selected = bool(required) and "*" not in required
        self.required[args] = list(required) if selected else None
        if selected:
            self.required_names[args] = frozenset(required)
        by_index: Dict[int, Dict[str, Value]] = {}
        if selected:
            offset = 0
            for batch, exchange in zip(batches, result.exchanges):
                for record in exchange.records:
                    by_index[offset + int(record["_chunked_idx"])] = {
                        k: v for k, v in record.items() if k != "_chunked_idx"}
                offset += len(batch)
        else:
            by_index = dict(enumerate(result.records))
        if keys is None:  # keyed anew on the first run: the required fields are known now
            keys = [self._key(args, event) for event in events]
        for number, index in enumerate(pending.values()):
            self.replies[keys[index]] = by_index[number]
        return keys


def _freeze(value) -> object:
    if isinstance(value, list):
        return tuple(to_text(v) for v in value)
    return to_text(value) if value is not None else None
