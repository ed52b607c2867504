"""Lookup tables: CSV files in a working `lookups_dir`, KV store collections in a
`kvstore_dir` (one JSON file per collection), as transforms.conf and collections.conf
define them.

Follows transforms.conf.spec (`filename`, `external_type = kvstore`, `collection`,
`fields_list`, `case_sensitive_match` (default true), `match_type = WILDCARD(field)`),
the Knowledge Manager Manual's "Add field matching rules to your lookup configuration"
(`max_matches` default 100, in file order; `min_matches` default 0: nothing is output
when nothing matches; `default_match`), collections.conf.spec
(`field.<name>` types with `enforceTypes`) and the Search Reference pages "lookup",
"inputlookup" and "outputlookup".

Storage: a CSV file is read with its header; an empty cell is a missing value, a cell
holding line breaks is a multivalue field (outputlookup writes multivalue fields that
way). A KV store collection is `<kvstore_dir>/<collection>.json`, a JSON list of
records, each with its `_key`; a missing file is an empty collection. Tables are cached
by file size and modification time, so hundreds of runs read each file once. Every file
written or deleted is noted in `Lookups.written`, for a caller that fingerprints the
tables between runs (the replay) and need not read back the others.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .conf import AppConf
from .errors import SplError, SplUnsupported
from .values import Value, format_value, to_number, to_text, values_of

Row = Dict[str, Value]


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str                       # "csv" or "kvstore"
    filename: Optional[str]         # csv
    collection: Optional[str]       # kvstore
    fields_list: Optional[Tuple[str, ...]]
    case_sensitive: bool
    max_matches: int
    min_matches: int
    default_match: Optional[str]
    wildcard_fields: Tuple[str, ...]


def _truthy(value: str, default: bool) -> bool:
    text = (value or "").strip().lower()
    if not text:
        return default
    return text in ("1", "true", "t", "yes", "y")


class Lookups:
    """The lookups of one app, with their storage folders."""

    def __init__(self, app: AppConf, lookups_dir: Path, kvstore_dir: Path) -> None:
        self.app = app
        self.lookups_dir = Path(lookups_dir)
        self.kvstore_dir = Path(kvstore_dir)
        self._cache: Dict[Path, Tuple[Tuple[int, int], List[Row], List[str]]] = {}
        self.written: set = set()  # paths written or deleted (callers clear it)

    # -- definitions -------------------------------------------------------------------

    def definition(self, name: str) -> Definition:
        """The lookup `name`: a transforms.conf stanza, or a `.csv` file name."""
        stanza = self.app.transforms.get(name)
        if stanza is None:
            if name.endswith(".csv") or name.endswith(".csv.gz"):
                if name.endswith(".gz"):
                    raise SplUnsupported(f"unsupported gzipped lookup file '{name}'")
                return Definition(name, "csv", name, None, None, True, 100, 0, None, ())
            raise SplError(f"lookup '{name}' is not defined (no transforms.conf stanza "
                           f"and not a .csv file name)")
        external = stanza.get("external_type", "").strip().lower()
        fields_list = tuple(f.strip() for f in stanza.get("fields_list", "").split(",")
                            if f.strip()) or None
        match_type = stanza.get("match_type", "")
        wildcard = tuple(re.findall(r"WILDCARD\(\s*([^)\s]+)\s*\)", match_type))
        if re.sub(r"WILDCARD\([^)]*\)|[\s,]", "", match_type):
            raise SplUnsupported(f"unsupported match_type '{match_type}' of lookup '{name}'")
        common = dict(
            case_sensitive=_truthy(stanza.get("case_sensitive_match", ""), True),
            max_matches=int(to_number(stanza.get("max_matches", "")) or 100),
            min_matches=int(to_number(stanza.get("min_matches", "")) or 0),
            default_match=stanza.get("default_match") or None,
            wildcard_fields=wildcard,
        )
        if external == "kvstore":
            collection = stanza.get("collection", "").strip()
            if not collection:
                raise SplError(f"KV store lookup '{name}' names no collection")
            return Definition(name, "kvstore", None, collection, fields_list, **common)
        if external or stanza.get("external_cmd"):
            raise SplUnsupported(f"unsupported external lookup '{name}' "
                                 f"(external_type = {external or 'python'})")
        if stanza.get("time_field"):
            raise SplUnsupported(f"unsupported temporal lookup '{name}' (time_field)")
        filename = stanza.get("filename", "").strip()
        if not filename:
            raise SplError(f"lookup '{name}' has neither filename nor external_type")
        return Definition(name, "csv", filename, None, fields_list, **common)

    def csv_path(self, definition: Definition) -> Path:
        filename = definition.filename or ""
        if "/" in filename or "\\" in filename or filename.startswith("."):
            raise SplError(f"lookup '{definition.name}': unsafe file name {filename!r}")
        return self.lookups_dir / filename

    def collection_path(self, definition: Definition) -> Path:
        collection = definition.collection or ""
        if collections := self.app.collections:
            if collection not in collections:
                raise SplError(f"KV store lookup '{definition.name}': collection "
                               f"'{collection}' is not defined in collections.conf")
        elif not re.fullmatch(r"[A-Za-z0-9_.-]+", collection):
            raise SplError(f"KV store lookup '{definition.name}': bad collection name")
        return self.kvstore_dir / f"{collection}.json"

    # -- reading -----------------------------------------------------------------------

    def exists(self, definition: Definition) -> bool:
        if definition.kind == "kvstore":
            return True
        return self.csv_path(definition).is_file()

    def read(self, definition: Definition) -> Tuple[List[Row], List[str]]:
        """The table's rows (shared: copy before changing them) and its columns.

        A missing CSV file raises SplError; a missing collection file is empty."""
        if definition.kind == "kvstore":
            path = self.collection_path(definition)
            rows, columns = self._cached(path, self._read_collection, missing_ok=True)
            if definition.fields_list:
                wanted = [f for f in definition.fields_list]
                keep = set(wanted) | {"_key"}
                rows = [{k: v for k, v in row.items() if k in keep} for row in rows]
                columns = ["_key", *[c for c in wanted if c != "_key"]]
            return rows, columns
        path = self.csv_path(definition)
        return self._cached(path, self._read_csv, missing_ok=False,
                            name=definition.name)

    def _cached(self, path: Path, reader, missing_ok: bool, name: str = ""):
        try:
            stat = path.stat()
        except FileNotFoundError:
            if missing_ok:
                return [], []
            raise SplError(f"the lookup table file '{path.name}' of lookup '{name}' does "
                           f"not exist") from None
        stamp = (stat.st_size, stat.st_mtime_ns)
        cached = self._cache.get(path)
        if cached is None or cached[0] != stamp:
            rows, columns = reader(path)
            cached = (stamp, rows, columns)
            self._cache[path] = cached
        return cached[1], cached[2]

    @staticmethod
    def _read_csv(path: Path) -> Tuple[List[Row], List[str]]:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        if not text.strip():
            return [], []
        reader = csv.reader(io.StringIO(text))
        header = next(reader, [])
        rows: List[Row] = []
        for line_number, cells in enumerate(reader, start=2):
            if not any(cells):
                continue
            if len(cells) > len(header):
                raise SplError(f"{path.name}: row {line_number} has more cells than the "
                               f"header")
            row: Row = {}
            for column, cell in zip(header, cells):
                if cell == "":
                    continue
                row[column] = cell.split("\n") if "\n" in cell else cell
            rows.append(row)
        return rows, list(header)

    @staticmethod
    def _read_collection(path: Path) -> Tuple[List[Row], List[str]]:
        try:
            records = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as error:
            raise SplError(f"KV store file {path.name} cannot be read: {error}") from None
        if not isinstance(records, list):
            raise SplError(f"KV store file {path.name} must hold a JSON list of records")
        rows: List[Row] = []
        columns: Dict[str, None] = {"_key": None}
        for record in records:
            row: Row = {}
            for key, value in record.items():
                if value is None or value == "" or value == []:
                    continue
                if isinstance(value, list):
                    row[key] = [v if isinstance(v, str) else float(v) for v in value]
                elif isinstance(value, bool):
                    row[key] = "true" if value else "false"
                elif isinstance(value, (int, float)):
                    row[key] = float(value)
                else:
                    row[key] = str(value)
                columns[key] = None
            rows.append(row)
        return rows, list(columns)

    # -- writing -----------------------------------------------------------------------

    def delete(self, definition: Definition) -> None:
        if definition.kind == "kvstore":
            self.write_collection(definition, [])
            return
        path = self.csv_path(definition)
        if path.exists():
            path.unlink()
        self._cache.pop(path, None)
        self.written.add(path)

    def write_csv(self, definition: Definition, rows: List[Row], append: bool
                  ) -> None:
        path = self.csv_path(definition)
        columns = output_columns(rows)
        existing: List[Row] = []
        if append and path.is_file():
            existing, header = self._read_csv(path)
            if header:
                columns = header
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if columns or existing:
            writer.writerow(columns)
        for row in [*existing, *rows]:
            writer.writerow([format_value(row.get(c)) for c in columns])
        _atomic_write(path, out.getvalue())
        self._cache.pop(path, None)
        self.written.add(path)

    def write_empty_csv(self, definition: Definition) -> None:
        path = self.csv_path(definition)
        _atomic_write(path, "")
        self._cache.pop(path, None)
        self.written.add(path)

    def load_collection(self, definition: Definition) -> List[Row]:
        rows, _ = self._cached(self.collection_path(definition), self._read_collection,
                               missing_ok=True)
        return [dict(row) for row in rows]

    def write_collection(self, definition: Definition, rows: List[Row]) -> None:
        path = self.collection_path(definition)
        types = self._field_types(definition)
        records = []
        for row in rows:
            record = {}
            for key, value in row.items():
                if value is None:
                    continue
                record[key] = _typed(value, types.get(key))
            records.append(record)
        path.parent.mkdir(parents=True, exist_ok=True)
        # One record a line: readable, and written by json's C encoder (indent is not).
        _atomic_write(path, "[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n"
                      if records else "[]\n")
        self._cache.pop(path, None)
        self.written.add(path)

    def _field_types(self, definition: Definition) -> Dict[str, str]:
        stanza = self.app.collections.get(definition.collection or "", {})
        if not _truthy(stanza.get("enforceTypes", ""), False):
            return {}
        return {key[6:]: value.strip().lower() for key, value in stanza.items()
                if key.startswith("field.")}


def _typed(value: Value, kind: Optional[str]):
    if isinstance(value, list):
        return [_typed(v, kind) for v in value]
    if kind == "number":
        number = to_number(value)
        return number if number is not None else to_text(value)
    if kind == "bool":
        return to_text(value).lower() in ("1", "true", "t", "yes")
    if isinstance(value, float):
        return value if kind in (None, "number", "time") else to_text(value)
    return value


def new_key() -> str:
    """A KV store `_key` for a record that has none (24 hex digits, like an ObjectId)."""
    return uuid.uuid4().hex[:24]


def output_columns(rows: List[Row]) -> List[str]:
    """The columns outputlookup writes: every field in order of first appearance,
    internal fields (`_...`) left out except `_time`."""
    columns: Dict[str, None] = {}
    for row in rows:
        for name in row:
            if not name.startswith("_") or name == "_time":
                columns[name] = None
    return list(columns)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


class MatchIndex:
    """Rows of a table indexed by their match fields, honouring case sensitivity and
    WILDCARD match types."""

    def __init__(self, rows: List[Row], fields: List[str], definition: Definition) -> None:
        self.fields = fields
        self.case_sensitive = definition.case_sensitive
        self.wildcards = [f in definition.wildcard_fields for f in fields]
        self.exact: Dict[Tuple[str, ...], List[int]] = {}
        self.patterns: List[Tuple[int, List[Optional[re.Pattern[str]]]]] = []
        self.rows = rows
        for index, row in enumerate(rows):
            keys = []
            wild = False
            for field, is_wild in zip(fields, self.wildcards):
                values = values_of(row.get(field))
                if not values:
                    break
                text = self._fold(to_text(values[0]))
                if is_wild and "*" in text:
                    wild = True
                keys.append(text)
            else:
                if wild:
                    regexes = [re.compile(".*".join(re.escape(p) for p in k.split("*")) +
                                          r"\Z", re.DOTALL) if w else None
                               for k, w in zip(keys, self.wildcards)]
                    self.patterns.append((index, [r if r else k for r, k in
                                                  zip(regexes, keys)]))
                else:
                    self.exact.setdefault(tuple(keys), []).append(index)

    def _fold(self, text: str) -> str:
        return text if self.case_sensitive else text.lower()

    def matches(self, keys: Tuple[str, ...]) -> List[int]:
        folded = tuple(self._fold(k) for k in keys)
        found = list(self.exact.get(folded, []))
        for index, patterns in self.patterns:
            if all(p.match(k) if hasattr(p, "match") else p == k
                   for p, k in zip(patterns, folded)):
                found.append(index)
        return sorted(set(found))
