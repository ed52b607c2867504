"""A second set of real public records, checked field by field through the packaged command.

tests/data/real_logs.json holds records published by others (detection projects' test
data, attack-simulation captures and vendors' documentation pages), mostly near misses
of the secret stores: other services' policy and permission calls, service events,
cross-account calls, partial identities, denied calls, Managed HSM and Activity log
records in both of Azure's shapes, Vault's own API. Each entry names where the record
comes from (`source`: repository, commit, path and test or line, or the documentation
page) and its licence; records under the Elastic License keep only the fields the
command reads.

`expect` was written from the contract and the record alone, never from the command's
output. It lists every output field the contract decides whose value is not empty;
a field it does not list is expected empty (`secret` an empty list). `platform`,
`principal_type`, `secret_operation` are always listed, `action` whenever the platform
is known. `account_type` is listed only where the shipped rules clearly decide it, and
`account_type_rule` is not checked here (its spelling belongs to the rules files).

Each record goes through the command as splunkd extracts it at the root, and again in
every other shape a Splunk add-on delivers for its platform: only `_raw`, under `data.`
(Google Pub/Sub input) and under `body.` (Azure Event Hub input), in selected-fields
mode, so a field the command does not announce is not sent to it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devkit.splunkd import run_command, splunk_event

RECORDS = Path(__file__).resolve().parents[1] / "data" / "real_logs.json"
DECIDED = ("platform", "vendor_product", "principal", "principal_type", "principal_role",
           "principal_session", "principal_account", "cross_account", "secret_operation",
           "secret_store", "action", "src", "command", "vendor_account", "vendor_region",
           "user_agent")
ALWAYS_LISTED = ("platform", "principal_type", "secret_operation")
SHAPES = {"AWS": ("root", "_raw"), "GCP": ("root", "data.", "_raw"),
          "Azure": ("root", "body.", "_raw"), "Vault": ("root", "_raw"),
          "Unknown": ("root", "_raw")}


def entries():
    with RECORDS.open() as handle:
        return json.load(handle)


ENTRIES = entries()
CASES = [(entry, shape) for entry in ENTRIES for shape in SHAPES[entry["expect"]["platform"]]]


def delivered(record, shape):
    """The event splunkd holds for `record` in `shape` (its extraction, not the command's)."""
    if shape == "_raw":
        return {"_raw": json.dumps(record)}
    if shape == "root":
        return splunk_event(json.dumps(record))
    return splunk_event(json.dumps({shape[:-1]: record}))


def as_list(value):
    if isinstance(value, list):
        return value
    return [value] if value else []


@pytest.fixture(scope="module")
def results(shared, command):
    """Every record in every shape, in one search; keyed by (id, shape)."""
    events = [delivered(entry["record"], shape) for entry, shape in CASES]
    result = run_command(command, [events])
    assert result.returncode == 0 and result.errors == []
    assert len(result.records) == len(CASES)
    return {(entry["id"], shape): record
            for (entry, shape), record in zip(CASES, result.records)}


def test_every_entry_names_its_source_and_decides_the_fields_it_must():
    ids = [entry["id"] for entry in ENTRIES]
    assert len(ids) == len(set(ids))
    for entry in ENTRIES:
        assert entry["source"] and entry["licence"], entry["id"]
        expect = entry["expect"]
        assert all(field in expect for field in ALWAYS_LISTED), entry["id"]
        assert set(expect) <= set(DECIDED) | {"secret", "account_type"}, entry["id"]
        if expect["platform"] != "Unknown":
            assert "action" in expect, entry["id"]


@pytest.mark.shared
@pytest.mark.parametrize(("entry", "shape"), CASES,
                         ids=[f"{entry['id']}-{shape}" for entry, shape in CASES])
def test_real_record(results, entry, shape):
    actual = results[(entry["id"], shape)]
    expect = entry["expect"]
    assert {field: actual[field] for field in DECIDED} == {
        field: expect.get(field, "") for field in DECIDED}
    assert as_list(actual["secret"]) == expect.get("secret", [])
    if "account_type" in expect:
        assert actual["account_type"] == expect["account_type"]
