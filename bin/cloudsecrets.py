#!/usr/bin/env python
"""cloudsecrets: one normalized view of secret-store access in AWS, GCP, Azure and Vault.

    index=cloud (`cloud_secrets_sources`) | cloudsecrets
    | stats count dc(secret) by principal account_type platform

A protocol v2 streaming command without options. This script only connects the
cloud_secrets package beside it (which never imports splunklib) to splunklib:
- prepare() loads the account rules once (default/ and local/
  cloud_secrets_account_rules.conf of this app), announces `required_fields`, emits one
  WARNING per customer rule it skips (search messages and cloud_secrets_detection.log),
  and stops the search with one ERROR message naming the stanza if a shipped rule is
  broken;
- each execute chunk goes through cloud_secrets.chunk.ChunkProcessor in one call.

Paths come from this file, never from SPLUNK_HOME: on indexers the app runs from the
knowledge bundle, which carries bin/ (with the vendored splunklib in bin/lib), default/
and, as default/distsearch.conf asks, local/cloud_secrets_account_rules.conf.
"""

import logging
import os
import sys
from pathlib import Path

BIN = os.path.dirname(os.path.abspath(__file__))
# Our own splunklib and package first: another app's older splunklib must not win.
sys.path[:0] = [os.path.join(BIN, "lib"), BIN]

import splunklib  # noqa: E402
from splunklib.searchcommands import Configuration, StreamingCommand, dispatch  # noqa: E402
from splunklib.searchcommands.internals import MetadataDecoder, RecordWriterV2  # noqa: E402
from splunklib.searchcommands.search_command import SearchCommand  # noqa: E402

from cloud_secrets import logs  # noqa: E402
from cloud_secrets.chunk import ChunkProcessor  # noqa: E402
from cloud_secrets.engine import Engine, required_fields  # noqa: E402
from cloud_secrets.rules import RulesError  # noqa: E402
from cloud_secrets.schema import OUTPUT_FIELDS  # noqa: E402

APP_DIR = os.path.dirname(BIN)
# The overrides below replace per-record internals of exactly this splunklib release;
# with any other release the command falls back to splunklib's own record path.
PINNED_SPLUNKLIB = "2.1.1"
MAX_CHUNK_BYTES = 1 << 31


class ByteExactRecordWriter(RecordWriterV2):
    """splunklib's v2 writer, with two changes pinned to splunklib 2.1.1:

    - it encodes with surrogateescape, so input bytes that are not UTF-8 (decoded the
      same way by `_read_chunk`) go back to splunkd exactly as they came;
    - `write_body` takes a reply body that ChunkProcessor already wrote as CSV.
    """

    @classmethod
    def replacing(cls, writer: RecordWriterV2) -> "ByteExactRecordWriter":
        replacement = cls(writer.ofile, writer._maxresultrows)
        replacement._inspector.update(writer._inspector)
        return replacement

    def write_body(self, text: str, record_count: int) -> None:
        self._buffer.write(text)
        self._pending_record_count += record_count

    def _write_chunk(self, metadata, body):
        encoded_metadata = b""
        if metadata:
            settings = {name: value for name, value in metadata if value is not None}
            encoded_metadata = "".join(self._iterencode_json(settings, 0)).encode("utf-8")
        encoded_body = body.encode("utf-8", "surrogateescape")
        if not (encoded_metadata or encoded_body):
            return
        self.write(f"chunked 1.0,{len(encoded_metadata)},{len(encoded_body)}\n".encode("ascii"))
        self.write(encoded_metadata)
        self.write(encoded_body)
        self._ofile.flush()
        self._flushed = True


@Configuration()
class CloudSecretsCommand(StreamingCommand):
    """Adds platform, principal, account_type, secret_operation, secret, action and the
    CIM Change fields to every event (see default/searchbnf.conf)."""

    _engine = None
    _processor = None
    # How chunk bodies are decoded: splunklib's stock writer can only write back what
    # decodes as UTF-8; ByteExactRecordWriter can write back any byte.
    _body_errors = "replace"

    def prepare(self):
        if self.fieldnames:
            self.write_error("cloudsecrets takes no arguments; it found: {}",
                             " ".join(self.fieldnames))
            sys.exit(1)
        self._log = logs.configure(Path(BIN), self.logger.level or logging.INFO)
        try:
            self._engine = Engine.load(Path(APP_DIR))
        except RulesError as error:
            self._log.error("unusable shipped account rule: %s", error)
            self.write_error("cloudsecrets: {}", error)
            sys.exit(1)
        for warning in self._engine.rule_warnings:
            self._log.warning("account rule skipped: %s", warning)
            self.write_warning("cloudsecrets: {}", warning)
        self._log.debug("loaded %d account rules", len(self._engine.rules))
        self.configuration.required_fields = list(required_fields())
        if splunklib.__version__ == PINNED_SPLUNKLIB:
            self._processor = ChunkProcessor(self._engine)
            self._record_writer = ByteExactRecordWriter.replacing(self._record_writer)
            self._body_errors = "surrogateescape"

    def stream(self, records):
        """splunklib's own per-record path, used when its version is not the pinned one."""
        for record in records:
            result = self._engine.normalize_record(record)
            for name, value in zip(OUTPUT_FIELDS, result):
                if isinstance(value, tuple):
                    value = list(value) if len(value) > 1 else (value[0] if value else "")
                record[name] = value
            yield record

    def _execute_chunk_v2(self, process, chunk):
        if self._processor is None:
            return super()._execute_chunk_v2(process, chunk)
        _metadata, body = chunk
        text, count = self._processor.process(body)
        self._record_writer.write_body(text, count)
        if self._finished:
            self._report()
        return None

    def _report(self):
        """Per-search counts at debug level; a warning when records could not be read."""
        processor, engine = self._processor, self._engine
        counts = " ".join(f"{platform}={n}" for platform, n in sorted(processor.platforms.items()))
        self._log.debug("search %s: %d records %s", self._metadata.searchinfo.sid,
                        processor.records, counts)
        if engine.failures or processor.unreadable_bodies:
            self._log.warning("%d records passed through as Unknown after a fault (last: %s); "
                              "%d bodies were not CSV", engine.failures, engine.last_failure,
                              processor.unreadable_bodies)
            self.write_warning("cloudsecrets: {} records could not be normalized and were "
                               "passed through unchanged; see cloud_secrets_detection.log",
                               engine.failures + processor.unreadable_bodies)

    def _read_chunk(self, istream):
        """splunklib's chunk reader (a static method there), made strict:

        a stream that ends inside a chunk is an error rather than a shorter chunk, and
        with the pinned splunklib the body is decoded with surrogateescape, so that no
        input byte is altered on its way back.
        """
        header = istream.readline()
        if not header:
            return None
        match = SearchCommand._header.match(header.decode("utf-8", "replace"))
        if match is None:
            self._broken_stream(f"Failed to parse transport header: {header[:80]!r}")
        metadata_length, body_length = (int(n) for n in match.groups())
        if metadata_length > MAX_CHUNK_BYTES or body_length > MAX_CHUNK_BYTES:
            self._broken_stream(f"Chunk too large: {metadata_length} + {body_length} bytes")
        metadata = istream.read(metadata_length)
        if len(metadata) != metadata_length:
            self._broken_stream("Input ended inside a chunk's metadata")
        try:
            metadata = MetadataDecoder().decode(metadata.decode("utf-8"))
        except ValueError as error:
            self._broken_stream(f"Chunk metadata is not JSON: {error}")
        body = istream.read(body_length) if body_length else b""
        if len(body) != body_length:
            self._broken_stream(f"Input ended inside a chunk: {len(body)} of {body_length} bytes")
        return metadata, body.decode("utf-8", self._body_errors)

    def _broken_stream(self, message):
        """Stop on a broken stream, answering with the error if splunkd still listens.

        splunklib answers an error with a final chunk only when the current exchange has
        not been answered yet; after a complete exchange it would only log the error.
        """
        writer = getattr(self, "_record_writer", None)
        if writer is not None:
            writer.is_flushed = False
        raise RuntimeError(message)

dispatch(CloudSecretsCommand, sys.argv, sys.stdin, sys.stdout, __name__)
