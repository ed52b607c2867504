"""A working copy of an app in which the replay and `build.py search` run SPL.

Searches write state (`outputlookup` to CSV lookups and KV store collections), and the
source tree must never change, so every run works on a copy:
- the app folder (`default/`, `local/`, `bin/`, `lookups/`, ...) is copied to a temporary
  folder, where the engine reads its conf files (default overlaid by local) and runs its
  packaged `cloudsecrets` command;
- lookups and KV store collections live in a state folder: `<state>/lookups/` (seeded
  from the app's `lookups/` with the files it does not hold yet) and `<state>/kvstore/`.
  The state folder is the `--state DIR` the user gives, kept between invocations, or a
  folder inside the temporary copy, removed at the end;
- `--lookup NAME=FILE` seeds the lookup definition NAME of transforms.conf (a CSV
  lookup or a KV store lookup) from a CSV file, before the first search.

The folder given (`--app`) is only ever read. `state_digest` fingerprints every lookup
and KV store file (what a run can read or write); `fork` makes a second state folder,
a copy of this one, over the same copy of the app (the replay's tick-by-tick check).
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from devkit.spl import AppConf, Engine, SplError

# Where the app's own files are never read from: local state of a Splunk instance that
# a user may have unpacked the app into is copied with the rest; caches are not.
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


class WorkspaceError(ValueError):
    """A usage problem with the app folder, the state folder or a seed (names the file)."""


def read_csv_rows(path: Path) -> List[Dict[str, str]]:
    """The rows of a CSV file with a header, as dicts; WorkspaceError names the problem."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            if not reader.fieldnames:
                raise WorkspaceError(f"{path}: empty CSV file (a header row is needed)")
    except OSError as error:
        raise WorkspaceError(f"cannot read {path}: {error.strerror}") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise WorkspaceError(f"{path}: not a UTF-8 CSV file ({error})") from None
    for number, row in enumerate(rows, start=2):
        if None in row:
            raise WorkspaceError(f"{path}, line {number}: more cells than the header has")
    return rows


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Workspace:
    """The copy of an app, its state folder and the engine that runs SPL in them."""

    def __init__(self, app_dir: Path, state_dir: Optional[Path] = None, tz: str = "UTC"
                 ) -> None:
        app_dir = Path(app_dir)
        if not (app_dir / "default").is_dir():
            raise WorkspaceError(f"{app_dir} is not an app folder (it has no default/)")
        root = Path(tempfile.mkdtemp(prefix="cloud_secrets_replay_"))
        # Removed by close(), or when the workspace is garbage collected.
        self._cleanup = weakref.finalize(self, shutil.rmtree, root, ignore_errors=True)
        self.root = root
        self.app_dir = root / app_dir.name
        try:
            shutil.copytree(app_dir, self.app_dir, ignore=_IGNORED)
        except (OSError, shutil.Error) as error:
            self.close()
            raise WorkspaceError(f"cannot copy the app folder {app_dir}: {error}") from None
        self.tz = tz
        self._open_state(Path(state_dir) if state_dir else root / "state")
        try:
            self.app = AppConf.load(self.app_dir)
        except SplError as error:
            raise WorkspaceError(str(error)) from None
        self._make_engine()

    def _open_state(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._file_digests: Optional[Dict[Path, str]] = None
        self.lookups_dir = self.state_dir / "lookups"
        self.kvstore_dir = self.state_dir / "kvstore"
        try:
            self.kvstore_dir.mkdir(parents=True, exist_ok=True)
            self.lookups_dir.mkdir(parents=True, exist_ok=True)
            for shipped in sorted((self.app_dir / "lookups").glob("*")):
                if shipped.is_file() and not (self.lookups_dir / shipped.name).exists():
                    shutil.copyfile(shipped, self.lookups_dir / shipped.name)
        except OSError as error:
            raise WorkspaceError(f"cannot use the state folder {self.state_dir}: "
                                 f"{error.strerror}") from None

    def _make_engine(self) -> None:
        try:
            self.engine = Engine(self.app, app_dir=self.app_dir, lookups_dir=self.lookups_dir,
                                 kvstore_dir=self.kvstore_dir, tz=self.tz)
        except SplError as error:  # an unreadable .conf file, an unknown time zone
            raise WorkspaceError(str(error)) from None

    def close(self) -> None:
        self._cleanup()

    def fork(self) -> Workspace:
        """A workspace over the same app copy with a copy of this state folder and an
        engine that shares this one's `cloudsecrets` replies (close it before this one)."""
        twin = object.__new__(Workspace)
        twin.root = Path(tempfile.mkdtemp(prefix="cloud_secrets_replay_"))
        twin._cleanup = weakref.finalize(twin, shutil.rmtree, twin.root, ignore_errors=True)
        twin.app_dir, twin.app, twin.tz = self.app_dir, self.app, self.tz
        shutil.copytree(self.state_dir, twin.root / "state",
                        ignore=shutil.ignore_patterns("replayed-days.json"))
        twin._open_state(twin.root / "state")
        twin._make_engine()
        twin.engine.command_runner = self.engine.command_runner
        return twin

    def state_files(self) -> List[Path]:
        """Every lookup and KV store file of the state folder, in name order."""
        return sorted(p for folder in (self.lookups_dir, self.kvstore_dir)
                      for p in folder.rglob("*") if p.is_file())

    def state_digest(self) -> str:
        """A fingerprint of what runs can read and write: every lookup and KV store file
        (name and bytes). Files are hashed once, then again only when the engine has
        written them since (`Lookups.written`): runs change tables through it alone."""
        written = self.engine.lookups.written
        if self._file_digests is None:
            self._file_digests = {p: _file_digest(p) for p in self.state_files()}
        else:
            for path in written:
                if path.is_file():
                    self._file_digests[path] = _file_digest(path)
                else:
                    self._file_digests.pop(path, None)
        written.clear()
        digest = hashlib.sha256()
        for path in sorted(self._file_digests):
            digest.update(f"{path.relative_to(self.state_dir)}\0{self._file_digests[path]}\0"
                          .encode())
        return digest.hexdigest()

    def macro_definitions(self) -> Dict[str, str]:
        """{macro stanza: definition} of macros.conf, default overlaid by local."""
        return {name: settings.get("definition", "")
                for name, settings in self.app.conf("macros").items()}

    def lookup_definition(self, name: str) -> Mapping[str, str]:
        definitions = self.app.conf("transforms")
        if name not in definitions or name == "default":
            known = ", ".join(sorted(n for n in definitions if n != "default"))
            raise WorkspaceError(f"no lookup definition named {name!r} in transforms.conf "
                                 f"(known: {known})")
        return definitions[name]

    def seed(self, name: str, source: Path) -> None:
        """Replace the content of lookup definition `name` with the rows of a CSV file."""
        self.lookup_definition(name)
        rows = read_csv_rows(Path(source))
        try:
            self.engine.write_lookup(name, rows)  # as `| outputlookup name` writes it
        except SplError as error:
            raise WorkspaceError(f"cannot seed {name} from {source}: {error}") from None

    def lookup_rows(self, name: str) -> List[Dict[str, object]]:
        """The current content of a lookup definition (CSV or KV store), as `inputlookup`
        returns it."""
        self.lookup_definition(name)
        return self.engine.read_lookup(name)
