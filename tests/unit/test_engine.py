"""The engine: where it looks for each platform, the _raw fallback, the full schema."""

from __future__ import annotations

import json

import pytest

from cloud_secrets import engine as engine_module
from cloud_secrets.fields import lowercase_keys
from cloud_secrets.schema import OUTPUT_FIELDS, UNKNOWN
from devkit.splunkd import extract_json

CLOUDTRAIL = {
    "eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue",
    "recipientAccountId": "111122223333", "awsRegion": "us-east-1",
    "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice",
                     "accountId": "111122223333"},
    "requestParameters": {"secretId": "prod/db"},
}
GCP = {"protoPayload": {
    "serviceName": "secretmanager.googleapis.com",
    "methodName": "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion",
    "authenticationInfo": {"principalEmail": "dev@example.com"},
    "resourceName": "projects/p/secrets/s/versions/1"}}
AZURE = {"operationName": "SecretGet", "category": "AuditEvent",
         "resourceId": "/SUBSCRIPTIONS/S/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/V",
         "identity": {"claim": {"upn": "ops@contoso.com"}},
         "properties": {"id": "https://v.vault.azure.net/secrets/k"}}
VAULT = {"type": "response", "auth": {"display_name": "approle"},
         "request": {"operation": "read", "path": "secret/data/x", "mount_type": "kv"}}


def fields_of(record, prefix=""):
    return lowercase_keys({prefix + k: v for k, v in extract_json(json.dumps(record)).items()})


SHAPES = [
    ("aws at the root", fields_of(CLOUDTRAIL), "AWS", "arn:aws:iam::111122223333:user/alice"),
    ("gcp under data.", fields_of(GCP, "data."), "GCP", "dev@example.com"),
    ("gcp at the root", fields_of(GCP), "GCP", "dev@example.com"),
    ("azure under body.", fields_of(AZURE, "body."), "Azure", "ops@contoso.com"),
    ("vault at the root", fields_of(VAULT), "Vault", "approle"),
    ("aws only in _raw", {"_raw": json.dumps(CLOUDTRAIL)}, "AWS",
     "arn:aws:iam::111122223333:user/alice"),
    ("gcp pub/sub message only in _raw", {"_raw": json.dumps({"data": GCP, "attributes": {}})},
     "GCP", "dev@example.com"),
    ("azure event hub only in _raw", {"_raw": json.dumps({"body": AZURE})}, "Azure",
     "ops@contoso.com"),
    ("vault line only in _raw", {"_raw": json.dumps(VAULT)}, "Vault", "approle"),
    ("mixed key case", lowercase_keys({"EventSource": "secretsmanager.amazonaws.com",
                                       "userIdentity.Type": "Root",
                                       "userIdentity.AccountId": "1"}), "AWS",
     "arn:aws:iam::1:root"),
]


@pytest.mark.parametrize(("fields", "platform", "principal"), [s[1:] for s in SHAPES],
                         ids=[s[0] for s in SHAPES])
def test_every_input_shape(engine, fields, platform, principal):
    result = engine.normalize(fields)
    assert (result.platform, result.principal) == (platform, principal)


def test_raw_completes_fields_cut_short_by_extraction(engine):
    """Splunk stops extracting after [kv] extraction_cutoff: _raw holds the rest."""
    cut = {"eventsource": "secretsmanager.amazonaws.com", "eventname": "GetSecretValue",
           "_raw": json.dumps(CLOUDTRAIL)}
    assert engine.normalize(cut).principal == "arn:aws:iam::111122223333:user/alice"


@pytest.mark.parametrize(("records", "platform"), [
    ((VAULT, CLOUDTRAIL), "AWS"), ((GCP, CLOUDTRAIL), "AWS"), ((CLOUDTRAIL, GCP), "AWS"),
    ((AZURE, CLOUDTRAIL), "AWS"), ((AZURE, GCP), "GCP"), ((VAULT, GCP), "GCP"),
    ((VAULT, AZURE), "Azure")], ids=lambda v: v if isinstance(v, str) else "")
def test_first_platform_wins_when_an_event_mixes_two(engine, records, platform):
    """The contract's order: AWS, then GCP, Azure and Vault, whatever the field order."""
    mixed = {k: v for record in records for k, v in fields_of(record).items()}
    assert engine.normalize(mixed).platform == platform


def test_an_earlier_prefix_wins_over_a_later_platform(engine):
    mixed = {**fields_of(CLOUDTRAIL, "body."), **fields_of(GCP)}
    assert engine.normalize(mixed).platform == "GCP"


def test_required_fields_include_both_activity_shapes_and_service_event_details():
    names = engine_module.required_fields()
    for name in ("operationName.value", "body.category.value", "status.value",
                 "httpRequest.clientIpAddress", "additionalEventData.SecretId",
                 "serviceEventDetails.secretId", "auth.metadata.role_name",
                 "claims.http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
                 "errorMessage"):
        assert name in names


@pytest.mark.parametrize("fields", [
    {}, {"_raw": "plain text"}, {"_raw": '{"truncated": '}, {"_raw": "[1,2,3]"},
    {"sourcetype": "syslog", "host": "h"}, {"_raw": json.dumps({"operationName": "x"})},
], ids=["empty", "text", "truncated json", "json array", "no markers", "half a marker"])
def test_unknown_events(engine, fields):
    assert engine.normalize(fields) == UNKNOWN


def test_a_fault_in_a_normalizer_returns_unknown_and_is_counted(engine, monkeypatch):
    def broken(_event):
        raise KeyError("prod/db-password")  # a message that quotes event data

    local = engine_module.Engine(engine.rules)
    monkeypatch.setattr(engine_module.aws, "normalize", broken)
    assert local.normalize(fields_of(CLOUDTRAIL)) == UNKNOWN
    assert local.failures == 1
    assert local.last_failure.startswith("KeyError at test_engine.py:")
    assert "prod/db" not in local.last_failure


@pytest.mark.parametrize("record", [CLOUDTRAIL, GCP, AZURE, VAULT, {}])
def test_results_carry_the_whole_schema_with_documented_values(engine, record):
    result = engine.normalize(fields_of(record))
    assert result._fields == OUTPUT_FIELDS
    assert result.user == result.principal and result.object == result.secret
    assert result.user_type == result.account_type and result.status == result.action
    assert bool(result.account_type) == bool(result.principal)


def test_required_fields_cover_every_prefix_and_raw():
    names = engine_module.required_fields()
    assert names[0] == "_raw" and len(names) == len(set(names))
    for name in ("eventSource", "data.protoPayload.methodName", "body.operationName",
                 "request.path", "userIdentity.aRN",
                 "body.identity.claim.http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"):
        assert name in names
