"""Where the command logs: Splunk's own log folder when there is one, else stderr.

Splunk runs the command from `$SPLUNK_HOME/etc/apps/<app>/bin` on search heads and from
`$SPLUNK_HOME/var/run/searchpeers/<bundle>/apps/<app>/bin` on indexers, so the log
folder is found by walking up from this file to the first ancestor that holds
`var/log/splunk` (no SPLUNK_HOME needed). Outside Splunk, and when that folder cannot
be written, records go to stderr, which splunkd copies into search.log.

What is logged: counts, rule-file problems and the type and code location of
unexpected faults. Never field values, which can hold secrets, tokens or keys.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path
from typing import Optional

LOGGER_NAME = "cloud_secrets"
LOG_FILE = "cloud_secrets_detection.log"
MAX_LOG_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 3
_MAX_ANCESTORS = 8
_FORMAT = "%(asctime)s %(levelname)s pid=%(process)d %(name)s - %(message)s"


def splunk_log_dir(start: Path) -> Optional[Path]:
    """The nearest `<ancestor>/var/log/splunk` above `start`, or None."""
    for ancestor in list(start.resolve().parents)[:_MAX_ANCESTORS]:
        candidate = ancestor / "var" / "log" / "splunk"
        if candidate.is_dir():
            return candidate
    return None


def configure(start: Path, level: int = logging.INFO) -> logging.Logger:
    """Return the command's logger, attaching its handler once per process."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if logger.handlers:
        return logger
    handler: logging.Handler
    log_dir = splunk_log_dir(start)
    try:
        if log_dir is None:
            raise OSError("no Splunk log folder")
        handler = logging.handlers.RotatingFileHandler(
            log_dir / LOG_FILE, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, delay=True)
    except OSError:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(handler)
    logger.propagate = False  # splunklib's root handler would print every record twice
    return logger
