"""Splunk .conf files read as splunkd reads them, without Splunk: parse, layer, apply [default].

Input shape: the text of one .conf file (UTF-8, with or without a byte-order mark, with
LF or CRLF line ends). What is understood (Splunk Enterprise Admin Manual, "Configuration
file structure" and "Configuration file precedence", and the GLOBAL SETTINGS section that
opens every .conf.spec file, such as inputs.conf.spec):
- a stanza header `[name]` opens a stanza; the name is everything between the first `[`
  and the last `]` on the line, kept as written (stanza names are case-sensitive);
- `key = value` sets a key of the current stanza; the key and the value are trimmed and
  the key is case-sensitive; a key set twice keeps the last value;
- a stanza named twice is one stanza, its keys combined (the later value wins);
- a line whose first non-blank character is `#` is a comment; `#` later in a line is part
  of the value (Splunk has no end-of-line comments);
- a line ending in a backslash continues on the next line: the backslash is dropped and
  the line break kept, as splunkd keeps it in the multi-line values it writes itself;
- keys before the first stanza belong to the `[default]` stanza, and the `[default]`
  stanza's keys apply to every stanza that does not set them (`with_defaults`).
Any other line (text without `=`, a key holding a space, a header without `]`) makes
the file unusable: `parse` raises ConfSyntaxError with the line number, never the text,
so that a value from the file cannot reach a message.

Layering (`overlay`): an app's local/ file overrides its default/ file stanza by stanza
and key by key, so a local/ stanza naming one key changes that key only.

Reading (`read`): only a regular file (or a symbolic link to one) of at most `limit`
bytes is read. A FIFO would block the reader until something writes to it, a device
such as /dev/zero never ends, and a file of many megabytes costs every search that
reads it: each is refused with NotRegularFile or TooLarge (OSError, raised before
anything is read past the limit), so that a reader never hangs.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Dict, Optional

DEFAULT_STANZA = "default"
# Opened without blocking, so that a FIFO in place of the file cannot stop the reader
# before fstat shows what it is (POSIX; Windows has no FIFO files to open).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)

Stanzas = Dict[str, Dict[str, str]]


class NotRegularFile(OSError):
    """The path names a FIFO, a device, a socket or a folder, not a file."""

    def __init__(self) -> None:
        super().__init__(errno.EINVAL, "not a regular file")


class TooLarge(OSError):
    """The file is longer than the reader accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__(errno.EFBIG, f"larger than {limit // (1024 * 1024)} MB")
        self.limit = limit


class ConfSyntaxError(ValueError):
    """A line that is not conf syntax; the message gives its number, never its text."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line


def _logical_lines(text: str):
    """Yield (first physical line number, logical line), joining backslash continuations."""
    pending = None
    for number, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if pending is None:
            start, pending = number, ""
        if line.endswith("\\"):
            pending += line[:-1] + "\n"
            continue
        yield start, pending + line
        pending = None
    if pending:  # the file ended on a continuation: what was continued still counts
        yield start, pending


def parse(text: str) -> Stanzas:
    """The stanzas of one file, in file order, as {name: {key: value}}.

    Keys before the first header go to DEFAULT_STANZA. Raises ConfSyntaxError.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    stanzas: Stanzas = {}
    current: Optional[Dict[str, str]] = None
    for number, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            end = stripped.rfind("]")
            if end < 0:
                raise ConfSyntaxError(number, "a stanza header without its closing ]")
            name = stripped[1:end]
            if not name:
                raise ConfSyntaxError(number, "a stanza header without a name")
            current = stanzas.setdefault(name, {})
            continue
        key, equals, value = stripped.partition("=")
        key = key.strip()
        if not equals:
            raise ConfSyntaxError(number, "neither a stanza header, a key = value line "
                                          "nor a comment")
        if not key or any(character.isspace() for character in key):
            raise ConfSyntaxError(number, "a key must be one word before the =")
        if current is None:
            current = stanzas.setdefault(DEFAULT_STANZA, {})
        current[key] = value.strip()
    return stanzas


def read(path: Path, limit: int) -> Optional[Stanzas]:
    """parse() of a file of at most `limit` bytes; None when it does not exist.

    Raises ConfSyntaxError, UnicodeDecodeError (not UTF-8) or OSError: unreadable,
    NotRegularFile (a FIFO, a device, a folder) or TooLarge (over `limit` bytes).
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise NotRegularFile()
        data = handle.read(limit + 1)  # a file that grows while read is still capped
    if len(data) > limit:
        raise TooLarge(limit)
    return parse(data.decode("utf-8"))


def overlay(lower: Stanzas, upper: Stanzas) -> Stanzas:
    """`upper` layered over `lower`, stanza by stanza and key by key."""
    merged = {name: dict(keys) for name, keys in lower.items()}
    for name, keys in upper.items():
        merged.setdefault(name, {}).update(keys)
    return merged


def with_defaults(stanzas: Stanzas) -> Stanzas:
    """Every stanza but [default], with the [default] keys it does not set itself."""
    defaults = stanzas.get(DEFAULT_STANZA, {})
    return {name: {**defaults, **keys} for name, keys in stanzas.items()
            if name != DEFAULT_STANZA}
