"""Property-based tests: arbitrary input never breaks the core or leaves the schema.

Records are generated in the shape of each platform's real records (so the normalizers'
deep paths run), with any leaf or branch replaced by arbitrary JSON. The rules engine,
with its dictionary and trigram indexes, is compared with a plain first-match loop.
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloud_secrets import rules, wildcard
from cloud_secrets.chunk import ChunkProcessor
from cloud_secrets.engine import Engine
from cloud_secrets.fields import EventFields, lowercase_keys
from cloud_secrets.schema import (
    ACCOUNT_TYPES,
    ACTIONS,
    MULTIVALUE_FIELDS,
    OUTPUT_FIELDS,
    PLATFORMS,
    PRINCIPAL_TYPES,
    SECRET_OPERATIONS,
    UNKNOWN,
)
from devkit.splunkd import extract_json

PROPERTY_SETTINGS = settings(max_examples=250, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])
TELLING = ["", "*", "$", "$$;$", "\n", "\x00", '"', ",", "root", "read", "list", "response",
           "request", "token", "approle", "IAMUser", "AssumedRole", "Root", "AWSService",
           "AWSAccount", "FederatedUser", "IdentityCenterUser", "GetSecretValue",
           "BatchGetSecretValue", "ListSecrets", "GetParameters", "true", "AwsServiceEvent",
           "arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_1/Ann",
           "arn:aws:secretsmanager:us-east-1:1:secret:-AbCdEf", "arn:aws:iam::1:root",
           "projects/p/secrets/s/versions/1", "secretmanager.googleapis.com",
           "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion",
           "SecretGet", "SecretList", "MICROSOFT.KEYVAULT/VAULTS/SECRETS/GETSECRET/ACTION",
           "https://v.vault.azure.net/secrets/x/1", "/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/V",
           "secret/data/a/b", "sys/x", "kv", "403", "7", "0",
           # values that make a permission change, a credential read or a vault delete
           "PutResourcePolicy", "SetIamPolicy", "VaultPatch", "HSMGet", "false", "Failed",
           "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE",
           "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE",
           "MICROSOFT.KEYVAULT/LOCATIONS/DELETEDVAULTS/PURGE/ACTION",
           "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v/providers/"
           "Microsoft.Authorization/roleAssignments/a",
           "sys/policies/acl/p", "sys/policy/p", "pki/issue/r", "database/creds/r", "pki"]
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                   st.text(max_size=30), st.sampled_from(TELLING))
any_json = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=16)


def shaped_like(template):
    """Records with the template's structure, any part of which may be replaced."""
    if isinstance(template, dict):
        shaped = st.fixed_dictionaries(
            {}, optional={key: shaped_like(value) for key, value in template.items()})
        return st.one_of(shaped, any_json) if template else any_json
    if isinstance(template, list):
        return st.one_of(st.lists(shaped_like(template[0]), max_size=3), any_json)
    return st.one_of(st.just(template), leaves)


TEMPLATES = {
    "AWS": {"eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue",
            "eventType": "AwsApiCall", "awsRegion": "us-east-1", "recipientAccountId": "1",
            "errorCode": "AccessDenied", "sourceIPAddress": "1.2.3.4", "userAgent": "ua",
            "sourceIpAddress": "1.2.3.4",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/r/s",
                             "accountId": "1", "principalId": "A:s", "userName": "u",
                             "invokedBy": "lambda.amazonaws.com",
                             "onBehalfOf": {"userId": "x"},
                             "sessionContext": {"sessionIssuer": {
                                 "arn": "arn:aws:iam::1:role/r", "userName": "r"}}},
            "requestParameters": {"secretId": "prod/db", "secretIdList": ["a"], "name": "/p",
                                  "names": ["/p"], "path": "/", "withDecryption": True,
                                  "resourceType": "Parameter"}},
    "GCP": {"protoPayload": {
        "serviceName": "secretmanager.googleapis.com",
        "methodName": "google.cloud.secretmanager.v1.SecretManagerService.ListSecrets",
        "authenticationInfo": {"principalEmail": "a@p.iam.gserviceaccount.com",
                               "principalSubject": "principal://x/projects/1/y",
                               "serviceAccountDelegationInfo": [
                                   {"firstPartyPrincipal": {"principalEmail": "b@c.d"}}]},
        "resourceName": "projects/p/secrets/s", "request": {"name": "n", "parent": "p"},
        "status": {"code": 7}, "requestMetadata": {"callerIp": "1.2.3.4", "callerIP": "5.6.7.8"},
        "authorizationInfo": [{"permission": "secretmanager.secrets.setIamPolicy",
                               "granted": False}]},
        "resource": {"labels": {"project_id": "p", "location": "l"}},
        "logName": "projects/p/logs/x"},
    "Azure": {"operationName": "SecretGet", "category": "AuditEvent", "resultType": "Success",
              "resourceId": "/SUBSCRIPTIONS/S/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/V/secrets/s",
              "callerIpAddress": "1.2.3.4", "caller": "a@b.c", "tenantId": "t",
              "identity": {"claim": {"upn": "u@x.y", "oid": "o", "appid": "a"},
                           "claims": {"appid": "a"}},
              "authorization": {"scope": "/subscriptions/s/resourceGroups/g/providers/"
                                         "Microsoft.KeyVault/vaults/v/providers/"
                                         "Microsoft.Authorization/roleAssignments/a"},
              "properties": {"id": "https://v.vault.azure.net/secrets/s",
                             "httpStatusCode": 403, "requestUri": "https://v.x/secrets/s",
                             "addedAccessPolicy": {"ObjectId": "o"},
                             "properties": {"removedAccessPolicy": {"objectId": "o"}}}},
    "Vault": {"type": "response", "error": "permission denied",
              "auth": {"display_name": "approle", "entity_id": "e", "policies": ["root"],
                       "token_policies": ["default"], "token_type": "service"},
              "request": {"path": "secret/data/a", "operation": "read", "mount_type": "kv",
                          "mount_point": "secret/", "namespace": {"id": "root", "path": "n/"},
                          "remote_address": "1.2.3.4"}},
}


def assert_documented(result) -> None:
    assert result._fields == OUTPUT_FIELDS
    for name, value in zip(OUTPUT_FIELDS, result):
        if name in MULTIVALUE_FIELDS:
            assert isinstance(value, tuple) and all(isinstance(v, str) and v for v in value)
        else:
            assert isinstance(value, str), name
    assert result.platform in PLATFORMS
    assert result.principal_type in PRINCIPAL_TYPES
    assert result.secret_operation in SECRET_OPERATIONS
    assert result.action in (ACTIONS if result.platform != "Unknown" else ("",))
    assert result.account_type in (ACCOUNT_TYPES if result.principal else ("",))
    assert result.cross_account in (("true", "false", "") if result.platform == "AWS" else ("",))
    assert result.object_category == ("secret" if result.secret_operation != "none" else "")
    assert (result.user, result.user_type, result.object, result.status) == (
        result.principal, result.account_type, result.secret, result.action)
    assert result.principal_type == "unknown" or result.principal
    if result.platform == "Unknown":
        assert result == UNKNOWN


def check_record(engine, record, prefix=""):
    extracted = extract_json(json.dumps(record))  # splunkd's extraction, not the command's
    fields = lowercase_keys({prefix + k: v for k, v in extracted.items()})
    observed = Engine.observe(EventFields(fields))  # the normalizers, without a safety net
    assert_documented(engine.classify(observed) if observed else UNKNOWN)
    assert_documented(engine.normalize({"_raw": json.dumps(record)}))
    assert engine.failures == 0


@PROPERTY_SETTINGS
@given(record=shaped_like(TEMPLATES["AWS"]))
def test_aws_shaped_records(engine, record):
    check_record(engine, record)


@PROPERTY_SETTINGS
@given(record=shaped_like(TEMPLATES["GCP"]), prefix=st.sampled_from(["", "data."]))
def test_gcp_shaped_records(engine, record, prefix):
    check_record(engine, record, prefix)


@PROPERTY_SETTINGS
@given(record=shaped_like(TEMPLATES["Azure"]), prefix=st.sampled_from(["", "body."]))
def test_azure_shaped_records(engine, record, prefix):
    check_record(engine, record, prefix)


@PROPERTY_SETTINGS
@given(record=shaped_like(TEMPLATES["Vault"]))
def test_vault_shaped_records(engine, record):
    check_record(engine, record)


@PROPERTY_SETTINGS
@given(record=any_json)
def test_arbitrary_json_and_raw_text(engine, record):
    check_record(engine, record if isinstance(record, dict) else {"value": record})
    assert_documented(engine.normalize({"_raw": json.dumps(record)[:-1]}))


@PROPERTY_SETTINGS
@given(fields=st.dictionaries(st.sampled_from(
    [n.lower() for t in ("eventsource", "useridentity.type", "request.path", "operationname",
                         "category", "protopayload.methodname", "_raw") for n in (t,)]),
    st.one_of(st.text(max_size=20), st.lists(st.text(max_size=10), max_size=3),
              st.sampled_from(TELLING))))
def test_flat_fields_of_any_type(engine, fields):
    assert_documented(engine.normalize(fields))


# -- the rules engine -------------------------------------------------------------------

rule_values = st.text(alphabet="abc-/:", max_size=10)
wildcards = st.text(alphabet="abc-*", min_size=1, max_size=8)
safe_regexes = st.sampled_from(["a", "ab", "^a", "b$", "a|c", "c-", "^$", "[ab]c", "b-*a"])


@st.composite
def rule_lists(draw):
    count = draw(st.integers(min_value=0, max_value=60))
    made = []
    for index in range(count):
        regex = draw(st.booleans()) and draw(st.integers(0, 4)) == 0
        made.append(rules.Rule(
            source=f"r:{index}", platform=draw(st.sampled_from(["*", "AWS", "GCP"])),
            principal_type=draw(st.sampled_from(["*", "user", "role", "token"])),
            match_field=draw(st.sampled_from(rules.MATCH_FIELDS)),
            match="regex" if regex else "wildcard",
            pattern=draw(safe_regexes if regex else wildcards),
            account_type=draw(st.sampled_from(ACCOUNT_TYPES)), description=""))
    return made


def caller_named(platform, kind, principal):
    """adversaries.md: AWS federated users, Vault tokens, GCP workload identity subjects."""
    return ((platform, kind) in (("AWS", "federated_user"), ("Vault", "token"))
            or (platform == "GCP" and principal.lower().startswith(("principal://",
                                                                     "principalset://"))))


def first_match(rule_list, platform, kind, values):
    """The contract's semantics, one rule after another; a High-Privilege rule is passed
    over for a principal whose name its holder picks."""
    passed_over = caller_named(platform, kind, values[0])
    for rule in rule_list:
        if not rule.applies_to(platform, kind):
            continue
        if passed_over and rule.account_type == "High-Privilege":
            continue
        value = values[rules.MATCH_FIELDS.index(rule.match_field)]
        if rule.match == "regex":
            hit = re.search(rule.pattern, value[:rules.MAX_REGEX_INPUT], re.IGNORECASE)
        else:
            hit = re.fullmatch(".*".join(map(re.escape, rule.pattern.lower().split("*"))),
                               value.lower(), re.DOTALL)
        if hit:
            return rule.account_type, rule.source
    return "Standard-User", "default"


principals = st.one_of(rule_values, st.builds("{}{}".format, st.sampled_from(
    ["principal://", "PrincipalSet://"]), rule_values))
KINDS = ["user", "role", "token", "federated_user"]


@settings(max_examples=400, deadline=None)
@given(rule_list=rule_lists(), platform=st.sampled_from(["AWS", "GCP", "Vault"]),
       kind=st.sampled_from(KINDS),
       values=st.tuples(principals, rule_values, rule_values, rule_values))
def test_indexed_rules_decide_like_first_match_in_order(rule_list, platform, kind, values):
    assert RulesEquivalence(rule_list).classify(platform, kind, values) == first_match(
        rule_list, platform, kind, values)


class RulesEquivalence:
    """A RuleSet, also with its trigram index forced on, to compare both with the loop."""

    def __init__(self, rule_list):
        self.indexed = rules.RuleSet(rule_list)
        self.trigram = rules.RuleSet(rule_list)
        for bucket_key in {(p, t, c) for p in ("AWS", "GCP", "Vault") for t in KINDS
                           for c in (False, True)}:
            self.trigram._buckets[bucket_key] = _bucket(rule_list, *bucket_key)

    def classify(self, platform, kind, values):
        decided = self.indexed.classify(platform, kind, *values)
        assert self.trigram.classify(platform, kind, *values) == decided
        return decided


def _bucket(rule_list, platform, kind, passed_over):
    bucket = {}
    for index, rule in enumerate(rule_list):
        if passed_over and rule.account_type == "High-Privilege":
            continue
        if rule.applies_to(platform, kind):
            bucket.setdefault(rule.match_field, rules._FieldIndex()).add(index, rule)
    for field_index in bucket.values():
        globs, field_index.globs = field_index.globs, []
        for index, pattern in globs:  # file every general wildcard by trigram, if it can be
            longest = max(wildcard.split(pattern), key=len)
            matches = wildcard.matcher(pattern)
            if len(longest) >= 3:
                field_index.trigrams.setdefault(longest[:3], []).append((index, matches))
            else:
                field_index.others.append((index, lambda _, lowered, m=matches: m(lowered)))
        field_index.others.sort(key=lambda entry: entry[0])
    return bucket


@settings(max_examples=500, deadline=None)
@given(pattern=st.text(alphabet="ab*.", max_size=8), value=st.text(alphabet="ab.", max_size=10))
def test_wildcard_matcher_equals_the_regex_it_stands_for(pattern, value):
    expected = re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), value, re.DOTALL)
    assert wildcard.matcher(pattern)(value) == bool(expected)


# -- the chunk processor ----------------------------------------------------------------

cell_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(records=st.lists(st.dictionaries(
    st.sampled_from(["_raw", "eventSource", "host", "user", "userIdentity.type", "x y", "a,b"]),
    st.one_of(cell_text, st.lists(cell_text, min_size=2, max_size=3)), min_size=1), max_size=20),
    selected=st.booleans())
def test_chunks_keep_every_record_and_cell(engine, records, selected):
    """(A record needs one field at least: a CSV body without columns holds no rows.)"""
    from devkit import scp

    if selected:
        records = [{**r, "_chunked_idx": str(i)} for i, r in enumerate(records)]
    body = scp.encode_records(records)
    text, count = ChunkProcessor(engine).process(body)
    replies = scp.decode_records(text)
    assert count == len(replies) == len(records)
    for sent, reply in zip(records, replies):
        kept = {k: v for k, v in sent.items() if k not in OUTPUT_FIELDS}
        if selected:
            assert reply["_chunked_idx"] == sent["_chunked_idx"]
        else:
            assert {k: reply.get(k, "") for k in kept} == {
                k: (v if v != [] else "") for k, v in kept.items()}
        assert set(OUTPUT_FIELDS) <= set(reply)
