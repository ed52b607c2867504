"""Every event of ../shared/corpus through the packaged command, against written expectations.

tests/data/corpus_expectations.csv holds, per file and record (1-based, in file order),
the platform, principal, principal type, account type, secret operation, outcome and
secret names (joined with |) that the contract gives for that event. Each event is
checked as splunkd extracts it at the root, and again in every other shape that a Splunk
add-on delivers for its platform: only `_raw` (no search-time extraction), under `data.`
(Google Pub/Sub input) and under `body.` (Azure Event Hub input).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from devkit.splunkd import run_command, splunk_event
from devkit.vendorlogs import read_records

EXPECTATIONS = Path(__file__).resolve().parents[1] / "data" / "corpus_expectations.csv"
CHECKED = ("platform", "principal", "principal_type", "account_type", "secret_operation",
           "action")
OTHER_SHAPES = {"AWS": ("_raw",), "GCP": ("data.", "_raw"), "Azure": ("body.", "_raw"),
                "Vault": ("_raw",)}


def expectations():
    with EXPECTATIONS.open(newline="") as handle:
        return list(csv.DictReader(handle))


def corpus_records(shared):
    """(file, record number, record) for every corpus event, in file order."""
    files = sorted(p for p in (shared / "corpus").iterdir() if p.suffix in (".json", ".jsonl"))
    return [(p.name, str(i), r) for p in files for i, r in enumerate(read_records(p), 1)]


def delivered(record, shape):
    """The event splunkd holds for `record` in `shape` (its extraction, not the command's)."""
    if shape == "_raw":
        return {"_raw": json.dumps(record)}
    return splunk_event(json.dumps({shape[:-1]: record}))


def assert_as_expected(actual, expected):
    assert {k: actual[k] for k in CHECKED} == {k: expected[k] for k in CHECKED}
    secrets = actual["secret"] if isinstance(actual["secret"], list) else (
        [actual["secret"]] if actual["secret"] else [])
    assert "|".join(secrets) == expected["secret"]


@pytest.fixture(scope="module")
def corpus_results(shared, command):
    """Run the whole corpus once, one chunk per file, keyed by (file, record)."""
    files = sorted(p for p in (shared / "corpus").iterdir() if p.suffix in (".json", ".jsonl"))
    # Fields as splunkd extracts them (the emulator's extraction, not the command's).
    batches = [[splunk_event(json.dumps(r), source=p.name) for r in read_records(p)]
               for p in files]
    result = run_command(command, batches)
    assert result.returncode == 0 and result.errors == []
    keys = [(p.name, str(i)) for p, batch in zip(files, batches) for i in range(1, len(batch) + 1)]
    return dict(zip(keys, result.records))


def test_every_corpus_event_has_an_expectation(corpus_results):
    assert len(corpus_results) == 74
    assert {(e["file"], e["record"]) for e in expectations()} == set(corpus_results)


@pytest.mark.shared
@pytest.mark.parametrize("expected", expectations(),
                         ids=[f"{e['file']}#{e['record']}" for e in expectations()])
def test_corpus_event(corpus_results, expected):
    assert_as_expected(corpus_results[(expected["file"], expected["record"])], expected)


@pytest.fixture(scope="module")
def corpus_in_other_shapes(shared, command):
    """The whole corpus once more in one search, each event in its platform's other shapes."""
    platforms = {(e["file"], e["record"]): e["platform"] for e in expectations()}
    keys, events = [], []
    for name, number, record in corpus_records(shared):
        for shape in OTHER_SHAPES[platforms[(name, number)]]:
            keys.append((name, number, shape))
            events.append(delivered(record, shape))
    result = run_command(command, [events])
    assert result.returncode == 0 and result.errors == []
    return dict(zip(keys, result.records))


@pytest.mark.shared
@pytest.mark.parametrize("expected", expectations(),
                         ids=[f"{e['file']}#{e['record']}" for e in expectations()])
def test_corpus_event_in_every_delivered_shape(corpus_in_other_shapes, expected):
    for shape in OTHER_SHAPES[expected["platform"]]:
        actual = corpus_in_other_shapes[(expected["file"], expected["record"], shape)]
        assert_as_expected(actual, expected)
