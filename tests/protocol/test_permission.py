"""Grants, credential reads and whole-vault deletes through the packaged command.

The attacker of the Secret Access Granted Then Read rule gives themselves access and then
reads; what they control is how they make the grant (which API, which API version, which
endpoint, which scope, which key case the client sends). Each way must still come out as
`permission` on the store whose access changed, and the read that follows as `read` of
that store, in every shape a Splunk add-on delivers: fields extracted at the root, under
`data.` (Pub/Sub) or `body.` (Event Hub), or only `_raw`. The records go through the
splunkd emulator in selected-fields mode, so a field the command does not announce in
`required_fields` is not sent, as on a real search head.

Expected values come from the contract's Secret operations, Secret names and Outcome and
source sections; the records follow the vendors' documented shapes (CloudTrail record
contents; Cloud Audit Logs AuditLog; Key Vault logging and the Activity Log event schema;
the Vault audit device).
"""

from __future__ import annotations

import json

import pytest

from devkit.splunkd import run_command, splunk_event

ACCOUNT, OTHER = "111122223333", "444455556666"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-AbCdEf"
MALLORY_AWS = {"type": "IAMUser", "accountId": ACCOUNT, "userName": "mallory",
               "arn": f"arn:aws:iam::{ACCOUNT}:user/mallory"}
VAULT_ID = "/subscriptions/abc/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/SecVault"
ASSIGNMENT = "/providers/Microsoft.Authorization/roleAssignments/7a1b-44"


def cloudtrail(event_name, parameters, identity=MALLORY_AWS, **extra):
    return {"eventVersion": "1.09", "eventSource": "secretsmanager.amazonaws.com",
            "eventName": event_name, "awsRegion": "eu-west-1", "eventType": "AwsApiCall",
            "recipientAccountId": ACCOUNT, "sourceIPAddress": "203.0.113.7",
            "userIdentity": identity, "requestParameters": parameters, **extra}


def gcp(method, resource, ip_key="callerIp", **payload):
    return {"protoPayload": {
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
        "serviceName": "secretmanager.googleapis.com", "methodName": method,
        "resourceName": resource,
        "authenticationInfo": {"principalEmail": "mallory@example.com"},
        "requestMetadata": {ip_key: "203.0.113.8"}, **payload},
        "resource": {"type": "secretmanager.googleapis.com/Secret",
                     "labels": {"project_id": "prod-1"}}}


def activity(operation, resource_id, **extra):
    """An Activity log record in the diagnostic-settings shape."""
    return {"time": "2025-06-01T10:00:00Z", "operationName": operation,
            "category": "Administrative", "resultType": "Success", "resourceId": resource_id,
            "callerIpAddress": "203.0.113.9",
            "identity": {"claims": {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":
                                    "mallory@contoso.com"}}, **extra}


def activity_schema(operation, resource_id, status="Succeeded"):
    """An Activity log record in the event schema of the REST API and exports."""
    return {"caller": "mallory@contoso.com", "eventTimestamp": "2025-06-01T10:00:00Z",
            "authorization": {"action": operation, "scope": resource_id},
            "category": {"value": "Administrative"}, "resourceId": resource_id,
            "operationName": {"value": operation}, "status": {"value": status},
            "httpRequest": {"clientIpAddress": "203.0.113.9"}}


def audit_event(operation, properties, ip_key="callerIpAddress"):
    """A Key Vault AuditEvent resource log."""
    return {"time": "2025-06-01T10:00:00Z", "category": "AuditEvent",
            "operationName": operation, "resultType": "Success", ip_key: "203.0.113.9",
            "resourceId": VAULT_ID.upper(),
            "identity": {"claim": {"upn": "mallory@contoso.com", "oid": "OID-M"}},
            "properties": {"id": "https://secvault.vault.azure.net/", "httpStatusCode": 200,
                           **properties}}


def vault(path, operation="update", mount_type="system", kind="response"):
    return {"time": "2025-06-01T10:00:00Z", "type": kind,
            "auth": {"display_name": "oidc-mallory", "policies": ["default"],
                     "entity_id": "e-1", "token_type": "service"},
            "request": {"id": "r-1", "operation": operation, "mount_type": mount_type,
                        "path": path, "namespace": {"id": "root"},
                        "remote_address": "203.0.113.10"}}


CASES = [
    # (case, record, shapes, secret_operation, secret, secret_store, action, src)
    ("aws resource policy by secret arn",
     cloudtrail("PutResourcePolicy", {"secretId": SECRET_ARN, "resourcePolicy": "{}"}),
     ("root", "_raw"), "permission", "prod/db", f"aws:{ACCOUNT}:us-east-1", "success",
     "203.0.113.7"),
    ("aws resource policy deleted (a Deny goes too)",
     cloudtrail("DeleteResourcePolicy", {"secretId": "prod/db"}),
     ("root", "_raw"), "permission", "prod/db", f"aws:{ACCOUNT}:eu-west-1", "success",
     "203.0.113.7"),
    ("aws cross-account read after the grant",
     cloudtrail("GetSecretValue", {"secretId": SECRET_ARN}, identity={
         "type": "AssumedRole", "accountId": OTHER,
         "arn": f"arn:aws:sts::{OTHER}:assumed-role/reader/s1"}),
     ("root", "_raw"), "read", "prod/db", f"aws:{ACCOUNT}:us-east-1", "success",
     "203.0.113.7"),
    ("gcp set iam policy, beta api, callerIP spelling",
     gcp("google.cloud.secretmanager.v1beta1.SecretManagerService.SetIamPolicy",
         "projects/prod-1/secrets/db-password", ip_key="callerIP"),
     ("root", "data.", "_raw"), "permission", "db-password", "gcp:prod-1", "success",
     "203.0.113.8"),
    ("gcp set iam policy under the iam interface",
     gcp("google.iam.v1.IAMPolicy.SetIamPolicy", "projects/prod-1/secrets/db-password"),
     ("root", "data.", "_raw"), "permission", "db-password", "gcp:prod-1", "success",
     "203.0.113.8"),
    ("gcp read denied by authorizationInfo",
     gcp("google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion",
         "projects/prod-1/secrets/db-password/versions/latest",
         authorizationInfo=[{"permission": "secretmanager.versions.access",
                             "granted": False}]),
     ("root", "data.", "_raw"), "read", "db-password", "gcp:prod-1", "failure", "203.0.113.8"),
    ("azure access policy write, lower case",
     activity("microsoft.keyvault/vaults/accesspolicies/write", VAULT_ID + "/accessPolicies/add"),
     ("root", "body.", "_raw"), "permission", "", "azure:secvault", "success", "203.0.113.9"),
    ("azure access policy write, event schema",
     activity_schema("Microsoft.KeyVault/vaults/accessPolicies/write", VAULT_ID),
     ("root", "body.", "_raw"), "permission", "", "azure:secvault", "success", "203.0.113.9"),
    ("azure vault patch adding an access policy, lower-case key",
     audit_event("VaultPatch", {"addedAccessPolicy": {"objectId": "OID-M",
                                                      "Permissions": {"secrets": ["Get"]}}}),
     ("root", "body.", "_raw"), "permission", "", "azure:secvault", "success", "203.0.113.9"),
    ("azure vault put, access policy in the vault's properties, CallerIpAddress spelling",
     audit_event("VaultPut", {"properties": {"addedAccessPolicy": {"ObjectId": "OID-M"}}},
                 ip_key="CallerIpAddress"),
     ("root", "body.", "_raw"), "permission", "", "azure:secvault", "success", "203.0.113.9"),
    ("azure role assignment on one secret",
     activity("Microsoft.Authorization/roleAssignments/write",
              VAULT_ID + "/secrets/db-pass" + ASSIGNMENT),
     ("root", "body.", "_raw"), "permission", "db-pass", "azure:secvault", "success",
     "203.0.113.9"),
    ("azure role assignment on the vault, event schema, only the scope names it",
     {**activity_schema("MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", VAULT_ID + ASSIGNMENT,
                        status="Started"), "resourceId": ""},
     ("root", "body.", "_raw"), "permission", "", "azure:secvault", "success", "203.0.113.9"),
    ("azure purge of a whole vault",
     activity("MICROSOFT.KEYVAULT/LOCATIONS/DELETEDVAULTS/PURGE/ACTION",
              "/subscriptions/abc/providers/Microsoft.KeyVault/locations/westeurope/"
              "deletedVaults/SecVault"),
     ("root", "body.", "_raw"), "delete", "", "azure:secvault", "success", "203.0.113.9"),
    ("azure failed vault delete",
     activity_schema("Microsoft.KeyVault/vaults/delete", VAULT_ID, status="Failed"),
     ("root", "body.", "_raw"), "delete", "", "azure:secvault", "failure", "203.0.113.9"),
    ("vault acl policy by the old endpoint",
     vault("/sys/policy/app-admin"), ("root", "_raw"), "permission", "", "vault:sys", "success",
     "203.0.113.10"),
    ("vault acl policy created",
     vault("sys/policies/acl/app-admin", "create"), ("root", "_raw"), "permission", "",
     "vault:sys", "success", "203.0.113.10"),
    ("vault dynamic credential",
     vault("database/creds/readonly", "read", "database"), ("root", "_raw"), "read",
     "readonly", "vault:database", "success", "203.0.113.10"),
    ("vault certificate issued",
     vault("pki/issue/web", "update", "pki"), ("root", "_raw"), "read", "web", "vault:pki",
     "success", "203.0.113.10"),
]


def delivered(record, shape):
    """The event splunkd holds for `record` in `shape` (its extraction, not the command's)."""
    if shape == "_raw":
        return {"_raw": json.dumps(record), "sourcetype": "no_extraction"}
    return splunk_event(json.dumps(record if shape == "root" else {shape[:-1]: record}))


@pytest.fixture(scope="module")
def results(command):
    """Every case in every shape it applies to, through the command in one search."""
    keys = [(case[0], shape) for case in CASES for shape in case[2]]
    events = [delivered(case[1], shape) for case in CASES for shape in case[2]]
    result = run_command(command, [events])
    assert result.returncode == 0 and result.errors == [], result.stderr[-2000:]
    return dict(zip(keys, result.records))


@pytest.mark.parametrize(
    ("case", "shapes", "operation", "secret", "store", "action", "src"),
    [(c[0], *c[2:]) for c in CASES], ids=[c[0] for c in CASES])
def test_through_the_packaged_command_in_every_shape(results, case, shapes, operation, secret,
                                                     store, action, src):
    for shape in shapes:
        got = results[(case, shape)]
        assert (got["secret_operation"], got["secret"], got["secret_store"]) == (
            operation, secret, store), shape
        assert (got["action"], got["src"], got["object_category"]) == (
            action, src, "secret"), shape
