"""Run a protocol v2 search command the way splunkd does, without a Splunk server.

`run_command` starts the script with no arguments (which makes splunklib speak
protocol v2), sends getinfo, then one execute chunk per batch (the last one with
`finished: true`), reading each reply before sending the next chunk, as splunkd does.

It models selected-fields mode exactly: when the getinfo reply names
`required_fields`, each record is sent with only those fields (the ones it has) plus
`_chunked_idx`, its position in the chunk; the reply's fields are then laid back over
the full records by `_chunked_idx`, and a reply that loses, repeats or invents an index
is a ProtocolError. Without `required_fields`, records go whole and the reply replaces
them, which must then keep their number and order.

A watchdog kills a command that does not answer within `timeout` seconds, so a broken
command cannot hang a test, the replay or the benchmark.

`extract_json` and `splunk_event` stand for splunkd's own search-time JSON extraction
(`KV_MODE = json`, `spath` in auto-extract mode), written from Splunk's documentation
and independently of the command's `flatten_json`, so that tests which build their
input with it do not share the command's mistakes.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from . import scp
from .jsontext import FieldValue, extract_fields
from .scp import ProtocolError, Record


@dataclass
class Exchange:
    metadata: dict
    records: List[scp.Record]
    body: bytes


@dataclass
class Result:
    getinfo: dict
    exchanges: List[Exchange] = field(default_factory=list)
    records: List[Record] = field(default_factory=list)  # merged, one per input record
    returncode: Optional[int] = None
    stderr: str = ""
    timed_out: bool = False

    @property
    def messages(self) -> List[Tuple[str, str]]:
        """Every inspector message of every reply, as (level, text)."""
        found = []
        for metadata in [self.getinfo, *(e.metadata for e in self.exchanges)]:
            for level, text in metadata.get("inspector", {}).get("messages", []):
                found.append((level, text))
        return found

    @property
    def errors(self) -> List[str]:
        return [text for level, text in self.messages if level in ("ERROR", "FATAL")]


# --------------------------------------------------------------------------------------
# Search-time JSON extraction, as splunkd does it for KV_MODE = json and spath


def extract_json(raw: str) -> Dict[str, FieldValue]:
    """The fields splunkd extracts from a JSON `_raw` (devkit.jsontext: dotted names,
    `{}` for arrays, repeated names multivalue, scalars as written); {} if not JSON."""
    return extract_fields(raw)


def splunk_event(raw: str, **metadata: str) -> Record:
    """An event as splunkd hands it to a search command: extracted fields, `_raw`, metadata."""
    return {**extract_json(raw), "_raw": raw, **metadata}


def select_fields(records: Sequence[Record], required: Optional[Sequence[str]]) -> List[Record]:
    """What splunkd sends in selected-fields mode: required fields plus `_chunked_idx`."""
    if not required or "*" in required:
        return [dict(record) for record in records]
    wanted = set(required)
    return [
        {**{k: v for k, v in record.items() if k in wanted}, "_chunked_idx": str(i)}
        for i, record in enumerate(records)
    ]


def merge_reply(sent: Sequence[Record], reply: Sequence[Record], selected: bool) -> List[Record]:
    """Lay a reply over the records it answers, as splunkd does."""
    if not selected:
        if len(reply) != len(sent):
            raise ProtocolError(f"{len(sent)} records sent, {len(reply)} returned")
        return [dict(record) for record in reply]
    merged: List[Optional[Record]] = [None] * len(sent)
    for record in reply:
        index = record.get("_chunked_idx")
        if not isinstance(index, str) or not index.isdigit() or int(index) >= len(sent):
            raise ProtocolError(f"reply record with a bad _chunked_idx: {index!r}")
        if merged[int(index)] is not None:
            raise ProtocolError(f"_chunked_idx {index} returned twice")
        merged[int(index)] = {
            **sent[int(index)], **{k: v for k, v in record.items() if k != "_chunked_idx"}}
    missing = [i for i, record in enumerate(merged) if record is None]
    if missing:
        raise ProtocolError(f"{len(missing)} records lost, first _chunked_idx {missing[0]}")
    return merged  # type: ignore[return-value]


class CommandProcess:
    """One running command: send chunks, read replies, with a kill-on-timeout watchdog."""

    def __init__(self, script: Path, python: str = sys.executable, timeout: float = 120.0,
                 env: Optional[dict] = None) -> None:
        self.dispatch_dir = tempfile.TemporaryDirectory(prefix="dispatch-")
        # stderr goes to a file, so a chatty command cannot fill a pipe and deadlock.
        self.stderr_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish()
        self.process = subprocess.Popen(
            [python, str(Path(script).resolve())], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr_file, cwd=self.dispatch_dir.name,
            env={**os.environ, **(env or {})},
        )
        self.timed_out = False
        self._watchdog = threading.Timer(timeout, self._kill)
        self._watchdog.daemon = True
        self._watchdog.start()

    def _kill(self) -> None:
        self.timed_out = True
        self.process.kill()

    def send(self, data: bytes) -> bool:
        """Write raw bytes; False when the command has already closed its input."""
        try:
            self.process.stdin.write(data)
            self.process.stdin.flush()
            return True
        except (BrokenPipeError, ValueError, OSError):
            return False

    def receive(self) -> Optional[Tuple[dict, bytes]]:
        return scp.read_chunk(self.process.stdout)

    def finish(self, wait: float = 30.0) -> Tuple[int, str]:
        """Close input, wait for the exit, return (returncode, stderr)."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            returncode = self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self._kill()
            returncode = self.process.wait()
        self._watchdog.cancel()
        self.process.stdout.close()
        self.stderr_file.seek(0)
        stderr = self.stderr_file.read().decode("utf-8", "replace")
        self.stderr_file.close()
        self.dispatch_dir.cleanup()
        return returncode, stderr


def run_command(script: Path, batches: Sequence[Sequence[Record]], args: Sequence[str] = (),
                python: str = sys.executable, timeout: float = 120.0,
                env: Optional[dict] = None, selected_fields: bool = True) -> Result:
    """Drive the command over protocol v2 through every batch, as splunkd would.

    With `selected_fields=False` the command's `required_fields` are ignored and whole
    records are sent, as happens when a stream recorded for another command is replayed.
    """
    command = CommandProcess(script, python=python, timeout=timeout, env=env)
    metadata = scp.getinfo(args=args, dispatch_dir=command.dispatch_dir.name)
    result = Result(getinfo={})
    try:
        if command.send(scp.encode_chunk(metadata)):
            reply = command.receive()
            result.getinfo = reply[0] if reply else {}
        required = result.getinfo.get("required_fields") if selected_fields else None
        selected = bool(required) and "*" not in required
        batches = list(batches) or [[]]
        for number, batch in enumerate(batches):
            if result.getinfo.get("finished") or "type" not in result.getinfo:
                break  # the command refused to start
            sent = select_fields(batch, required)
            finished = number == len(batches) - 1
            chunk = scp.encode_chunk({"action": "execute", "finished": finished},
                                     scp.encode_records(sent))
            if not command.send(chunk):
                break
            reply = command.receive()
            if reply is None:
                break
            reply_metadata, body = reply
            records = scp.decode_records(body)
            result.exchanges.append(Exchange(reply_metadata, records, body))
            result.records.extend(merge_reply(batch, records, selected))
            if reply_metadata.get("finished") and not finished:
                break
    finally:
        result.returncode, result.stderr = command.finish()
        result.timed_out = command.timed_out
    return result


def replay_recording(script: Path, recording: bytes, command: str = "cloudsecrets",
                     args: Sequence[str] = (), python: str = sys.executable,
                     timeout: float = 120.0) -> Tuple[Result, List[List[Record]]]:
    """Feed a recorded splunkd input stream to the command, chunk by chunk.

    The getinfo chunk's `searchinfo.command` and `args` are replaced (the recording was
    made for another command). Returns the result and the records sent per chunk.
    """
    stream = io.BytesIO(recording)
    first = scp.read_chunk(stream)
    if first is None:
        raise ProtocolError("empty recording")
    metadata = copy.deepcopy(first[0])
    metadata["searchinfo"]["command"] = command
    metadata["searchinfo"]["args"] = list(args)
    metadata["searchinfo"]["raw_args"] = list(args)
    process = CommandProcess(script, python=python, timeout=timeout)
    metadata["searchinfo"]["dispatch_dir"] = process.dispatch_dir.name
    result = Result(getinfo={})
    sent_batches: List[List[Record]] = []
    try:
        process.send(scp.encode_chunk(metadata))
        reply = process.receive()
        result.getinfo = reply[0] if reply else {}
        while True:
            chunk = scp.read_chunk(stream)
            if chunk is None:
                break
            chunk_metadata, body = chunk
            sent = scp.decode_records(body)
            sent_batches.append(sent)
            if not process.send(scp.encode_chunk(chunk_metadata, body)):
                break
            reply = process.receive()
            if reply is None:
                break
            records = scp.decode_records(reply[1])
            result.exchanges.append(Exchange(reply[0], records, reply[1]))
            result.records.extend(merge_reply(sent, records, selected=False))
    finally:
        result.returncode, result.stderr = process.finish()
        result.timed_out = process.timed_out
    return result, sent_batches
