"""The customer's account rules, as the Account rules tab lists and saves them.

The rules live in one place only: lookups/cloud_secrets_account_rules_local.csv, the file
the cloudsecrets command reads first. The page lists that file, whoever wrote it, and
saves by rewriting it whole. Each rule is checked by the command's own validator
(cloud_secrets.rules.validate_row) before anything is written, and the new file is
loaded by the command's own loader before it replaces the old one, so a rule the
command would refuse cannot be saved.

The page needs a name for each rule (its table and its edit and delete calls use one),
so the file written here carries an extra `name` column, which the command ignores.
A file without that column (written by hand) lists its rules as row_<N>, N being the
row number a spreadsheet shows; saving from the page then writes those names. A rule's
`position` (1 = tried first) is its order in the file, not a column. A missing file
counts as empty, as it does for the command.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

from cloud_secrets import rules

FILE_NAME = rules.LOCAL_RULES
NAME = "name"
POSITION = "position"
HEADER = (NAME, *rules.COLUMNS)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class RuleProblem(ValueError):
    """A request the page must refuse; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def lookups_dir() -> Path:
    """The app's lookups/ folder, found from this file (bin/cloud_secrets_setup/)."""
    return Path(__file__).resolve().parents[2] / "lookups"


class RulesFile:
    """Read and rewrite one local rules file. Rules are dicts of HEADER columns."""

    def __init__(self, path: Optional[Path] = None) -> None:
        self.path = path or lookups_dir() / FILE_NAME

    def read(self) -> List[Dict[str, str]]:
        """The rules in file order; raise RuleProblem if the command could not use the file."""
        try:
            rules.load_file(self.path, required=False)
        except rules.RulesError as error:
            raise RuleProblem(
                f"The rules file cannot be used, so the page cannot change it: {error}. "
                f"Correct that row in lookups/{FILE_NAME}, or delete the file to start "
                f"again.") from None
        if not self.path.exists():
            return []
        rows = list(csv.reader(self.path.read_text(encoding="utf-8-sig").splitlines()))
        header = [column.strip().lower() for column in rows[0]]
        found = []
        for number, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            cells = {column: row[header.index(column)].strip() for column in rules.COLUMNS}
            cells[NAME] = (row[header.index(NAME)].strip() if NAME in header else "") or (
                f"row_{number}")
            found.append(cells)
        return found

    def write(self, found: List[Dict[str, str]]) -> None:
        """Replace the file with `found`, once the command's loader accepts the new file."""
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(HEADER)
        for rule in found:
            writer.writerow([rule.get(column, "") for column in HEADER])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(prefix=f".{FILE_NAME}.", dir=str(self.path.parent))
        staged = Path(staging)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(text.getvalue())
            os.chmod(staging, 0o644)
            try:
                rules.load_file(staged, required=True)
            except rules.RulesError as error:  # every row was checked: this is a defect
                raise RuleProblem(f"The new rules file was refused: {error}", 500) from None
            os.replace(staging, self.path)
        finally:
            if staged.exists():
                staged.unlink()


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.match(name):
        raise RuleProblem(
            "Name: use 1 to 100 letters, digits, dots, dashes or underscores, starting "
            "with a letter or a digit.")
    return name


def check_rule(values: Dict[str, str]) -> Dict[str, str]:
    """The rule's columns as the command would read them, or RuleProblem saying why not."""
    try:
        canonical = rules.validate_row({column: values.get(column, "") for column in rules.COLUMNS})
    except ValueError as error:
        raise RuleProblem(f"The cloudsecrets command would refuse this rule: {error}.") from None
    if "\n" in canonical["description"] or "\r" in canonical["description"]:
        raise RuleProblem("Description: write it on one line.")
    return canonical


def check_position(value: str, count: int) -> int:
    """A 1-based position among `count` rules (count + 1 appends); empty means last."""
    value = (value or "").strip()
    if not value:
        return count - 1
    if not value.isdigit() or not 1 <= int(value) <= max(count, 1):
        raise RuleProblem(
            f"Position must be a whole number from 1 (tried first) to {max(count, 1)} "
            f"(tried last).")
    return int(value) - 1


def with_positions(found: List[Dict[str, str]]) -> List[Dict[str, str]]:
    """The rules as the page lists them: the columns plus their 1-based position."""
    return [{**rule, POSITION: str(index)} for index, rule in enumerate(found, start=1)]


def create(store: RulesFile, name: str, values: Dict[str, str]) -> Dict[str, str]:
    """Insert a new rule at its position (default: last) and save; return it as listed."""
    name = check_name(name)
    found = store.read()
    if any(rule[NAME] == name for rule in found):
        raise RuleProblem(f'A rule named "{name}" already exists: choose another name.', 409)
    rule = {**check_rule(values), NAME: name}
    index = check_position(values.get(POSITION, ""), len(found) + 1)
    found.insert(index, rule)
    store.write(found)
    return with_positions(found)[index]


def edit(store: RulesFile, name: str, values: Dict[str, str]) -> Dict[str, str]:
    """Change a rule (and move it when its position changes) and save; return it as listed."""
    found = store.read()
    index = _index_of(found, name)
    merged = {**found[index], **{k: v for k, v in values.items() if k in rules.COLUMNS}}
    rule = {**check_rule(merged), NAME: name}
    del found[index]
    position = values.get(POSITION, "") or str(index + 1)
    index = check_position(position, len(found) + 1)
    found.insert(index, rule)
    store.write(found)
    return with_positions(found)[index]


def remove(store: RulesFile, name: str) -> None:
    found = store.read()
    del found[_index_of(found, name)]
    store.write(found)


def _index_of(found: List[Dict[str, str]], name: str) -> int:
    for index, rule in enumerate(found):
        if rule[NAME] == name:
            return index
    raise RuleProblem(f'There is no rule named "{name}".', 404)
