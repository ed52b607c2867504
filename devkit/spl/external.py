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
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import SplError
from .values import Value, to_text

CHUNK_SIZE = 10_000
Key = Tuple


def _wire(value: Value):
    """A field value as protocol v2 sends it (text, or a list of texts)."""
    if isinstance(value, list):
        return [to_text(v) for v in value]
    return to_text(value)


class CommandRunner:
    """Runs one packaged streaming command and remembers its replies."""

    def __init__(self, script: Path, timeout: float = 600.0,
                 python: str = sys.executable) -> None:
        self.script = Path(script)
        self.timeout = timeout
        self.python = python
        self.required: Dict[Tuple[str, ...], Optional[List[str]]] = {}
        self.replies: Dict[Key, Dict[str, Value]] = {}
        self.processes = 0  # command processes started (for tests and --summary)

    def _key(self, args: Tuple[str, ...], event: dict) -> Key:
        required = self.required.get(args)
        names = required if required else sorted(event)
        return (args, tuple((n, _freeze(event.get(n))) for n in names if n in event))

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

    def _ensure(self, events: Sequence[dict], args: Tuple[str, ...]) -> List[Key]:
        """The cache keys of `events`, after running the command for those not cached."""
        if args in self.required:
            keys = [self._key(args, e) for e in events]
            if all(k in self.replies for k in keys):
                return keys
        self._fill(events, args)
        return [self._key(args, e) for e in events]

    def _fill(self, events: Sequence[dict], args: Tuple[str, ...]) -> None:
        from devkit.scp import ProtocolError
        from devkit.splunkd import run_command

        known = args in self.required
        pending: Dict[Key, dict] = {}
        for event in events:
            key = self._key(args, event)
            if not known or key not in self.replies:
                pending.setdefault(key, {n: _wire(v) for n, v in event.items()
                                         if v is not None})
        records = list(pending.values())
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
        for index, record in enumerate(records):
            reply = by_index[index]
            self.replies[self._key(args, record)] = reply


def _freeze(value) -> object:
    if isinstance(value, list):
        return tuple(to_text(v) for v in value)
    return to_text(value) if value is not None else None
