"""Raw vendor records for scenarios: what each platform writes when a principal acts.

Each function returns the record(s) one call leaves in that platform's audit log, in the
vendor's own JSON shape, at a given epoch time: CloudTrail records (Secrets Manager,
Parameter Store), Cloud Audit Log entries (Secret Manager), Key Vault AuditEvent
records, and Vault audit request and response lines. The tests of the analytics'
behaviour table and the sample files under samples/ are built from them.

`ACTORS` holds one principal per platform and account type (Standard-User,
Service-Account, High-Privilege) with the records its reads, listings and denied reads
leave; `write_logs` writes records the way each platform's pipeline delivers them;
`conf_stanza` writes the .conf text that tests put in an app's `local/`.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

DAY = 86400
START = 1780390800  # 2026-06-02T09:00:00Z, a Tuesday morning
ACCOUNT = "111122223333"
REGION = "eu-west-1"


def conf_stanza(name: str, **values: str) -> str:
    """`[name]` and one `key = value` line per value: a stanza of a .conf file."""
    return f"[{name}]\n" + "".join(f"{key} = {value}\n" for key, value in values.items())


def iso(epoch: float, nanoseconds: bool = False) -> str:
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))
    if nanoseconds:
        return f"{text}.{int(epoch % 1 * 1e9):09d}Z"
    return text + "Z"


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts))))


# -- AWS CloudTrail --------------------------------------------------------------------


def aws_user(name: str, account: str = ACCOUNT) -> dict:
    return {"type": "IAMUser", "principalId": "AIDA" + _uuid(name)[:16].upper().replace("-", "X"),
            "arn": f"arn:aws:iam::{account}:user/{name}", "accountId": account,
            "accessKeyId": "AKIA" + _uuid("key", name)[:16].upper().replace("-", "X"),
            "userName": name}


def aws_role(role: str, session: str, account: str = ACCOUNT, path: str = "") -> dict:
    role_id = "AROA" + _uuid(role)[:17].upper().replace("-", "X")
    return {"type": "AssumedRole", "principalId": f"{role_id}:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}", "accountId": account,
            "accessKeyId": "ASIA" + _uuid("key", role, session)[:16].upper().replace("-", "X"),
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": role_id, "accountId": account,
                                  "arn": f"arn:aws:iam::{account}:role/{path}{role}",
                                  "userName": role},
                "attributes": {"creationDate": "2026-06-02T08:00:00Z",
                               "mfaAuthenticated": "false"}}}


def aws_federated(name: str, account: str = ACCOUNT) -> dict:
    """The caller after `aws sts get-federation-token --name <name>`: a name the holder
    of the issuing user's keys picks (CloudTrail's FederatedUser identity)."""
    return {"type": "FederatedUser", "principalId": f"{account}:{name}",
            "arn": f"arn:aws:sts::{account}:federated-user/{name}", "accountId": account,
            "accessKeyId": "ASIAFEDERATED0000001",
            "sessionContext": {"sessionIssuer": {
                "type": "IAMUser", "principalId": "AIDAISSUER000000001",
                "arn": f"arn:aws:iam::{account}:user/issuer", "accountId": account,
                "userName": "issuer"}}}


def aws_sso(permission_set: str, person: str, account: str = ACCOUNT) -> dict:
    role = f"AWSReservedSSO_{permission_set}_{_uuid(permission_set)[:16].replace('-', '')}"
    return aws_role(role, person, account, path=f"aws-reserved/sso.amazonaws.com/{REGION}/")


def aws_call(at: float, identity: dict, event_name: str, parameters: Optional[dict] = None,
             source: str = "secretsmanager.amazonaws.com", error: Optional[str] = None,
             ip: str = "203.0.113.10", agent: str = "aws-cli/2.17.0 Python/3.12.4",
             region: str = REGION, recipient: str = ACCOUNT) -> dict:
    record = {
        "eventVersion": "1.10", "userIdentity": identity, "eventTime": iso(at),
        "eventSource": source, "eventName": event_name, "awsRegion": region,
        "sourceIPAddress": ip, "userAgent": agent, "requestParameters": parameters,
        "responseElements": None, "requestID": _uuid("req", at, event_name, repr(parameters)),
        "eventID": _uuid("evt", at, event_name, repr(parameters), repr(identity)),
        "readOnly": event_name.startswith(("Get", "List", "Describe", "BatchGet")),
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": recipient,
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}"
                                                   ".amazonaws.com"},
    }
    if error:
        record["errorCode"] = error
        record["errorMessage"] = f"User is not authorized to perform: {event_name}"
    return record


def secret_arn(name: str, account: str = ACCOUNT, region: str = REGION) -> str:
    suffix = _uuid("suffix", name).replace("-", "")[:6]
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-{suffix}"


def aws_get_secret(at: float, identity: dict, name: str, **options) -> dict:
    return aws_call(at, identity, "GetSecretValue", {"secretId": secret_arn(name)}, **options)


def aws_batch_get(at: float, identity: dict, names: Sequence[str], **options) -> List[dict]:
    """BatchGetSecretValue, and the GetSecretValue entry AWS writes for each secret."""
    batch = aws_call(at, identity, "BatchGetSecretValue",
                     {"secretIdList": [secret_arn(n) for n in names]}, **options)
    return [batch, *(aws_get_secret(at, identity, n, **options) for n in names)]


# -- GCP Cloud Audit Logs --------------------------------------------------------------

SECRET_MANAGER = "google.cloud.secretmanager.v1.SecretManagerService"


def gcp_call(at: float, principal: str, method: str, resource: str, status: int = 0,
             ip: str = "198.51.100.20",
             agent: str = "google-api-go-client/0.5 grpc-go/1.64.0,gzip(gfe)") -> dict:
    project = resource.split("/")[1]
    entry = {
        "insertId": _uuid("gcp", at, method, resource)[:12],
        "logName": f"projects/{project}/logs/cloudaudit.googleapis.com%2Fdata_access",
        "protoPayload": {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "authenticationInfo": {"principalEmail": principal},
            "authorizationInfo": [{"granted": status == 0, "resource": resource,
                                   "permission": "secretmanager.versions.access"}],
            "methodName": f"{SECRET_MANAGER}.{method}", "resourceName": resource,
            "requestMetadata": {"callerIp": ip, "callerSuppliedUserAgent": agent},
            "serviceName": "secretmanager.googleapis.com", "status": {},
        },
        "receiveTimestamp": iso(at + 0.3, nanoseconds=True),
        "resource": {"type": "audited_resource",
                     "labels": {"project_id": project, "service": "secretmanager.googleapis.com",
                                "method": f"{SECRET_MANAGER}.{method}"}},
        "severity": "INFO" if status == 0 else "ERROR",
        "timestamp": iso(at, nanoseconds=True),
    }
    if status:
        entry["protoPayload"]["status"] = {"code": status, "message": "PERMISSION_DENIED"}
    return entry


def gcp_access(at: float, principal: str, project: str, secret: str, **options) -> dict:
    return gcp_call(at, principal, "AccessSecretVersion",
                    f"projects/{project}/secrets/{secret}/versions/latest", **options)


def gcp_list(at: float, principal: str, project: str, **options) -> dict:
    return gcp_call(at, principal, "ListSecrets", f"projects/{project}", **options)


# -- Azure Key Vault AuditEvent --------------------------------------------------------


def azure_call(at: float, claims: Dict[str, str], operation: str, vault: str,
               secret: str = "", status: int = 200, ip: str = "192.0.2.30",
               agent: str = "azsdk-python-keyvault-secrets/4.8.0 Python/3.11.9") -> dict:
    object_id = f"https://{vault}.vault.azure.net/secrets" + (f"/{secret}" if secret else "")
    return {
        "time": iso(at, nanoseconds=True),
        "resourceId": "/SUBSCRIPTIONS/0F0E0D0C-1111-2222-3333-444455556666/RESOURCEGROUPS/"
                      f"RG-SECRETS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault.upper()}",
        "operationName": operation, "operationVersion": "7.4", "category": "AuditEvent",
        "resultType": "Success", "resultSignature": {200: "OK", 401: "Unauthorized",
                                                     403: "Forbidden"}.get(status, str(status)),
        "resultDescription": "", "durationMs": "21", "callerIpAddress": ip,
        "correlationId": _uuid("azure", at, operation, secret),
        "identity": {"claim": claims},
        "properties": {"id": object_id, "clientInfo": agent, "httpStatusCode": status,
                       "requestUri": f"{object_id}?api-version=7.4",
                       "isAccessPolicyMatch": status < 400, "tlsVersion": "TLS1_2"},
    }


def azure_app(object_id: str, app_id: str, tenant: str = "72f988bf-0000-4000-8000-2d7cd011db47"
              ) -> Dict[str, str]:
    return {"oid": object_id, "appid": app_id, "tid": tenant}


def azure_person(upn: str, object_id: str,
                 tenant: str = "72f988bf-0000-4000-8000-2d7cd011db47") -> Dict[str, str]:
    return {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": upn,
            "http://schemas.microsoft.com/identity/claims/objectidentifier": object_id,
            "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "tid": tenant}


# -- HashiCorp Vault audit device ------------------------------------------------------


def vault_call(at: float, display_name: str, operation: str, path: str,
               policies: Sequence[str] = ("default",), error: Optional[str] = None,
               mount_type: str = "kv", ip: str = "10.20.0.15",
               entity: Optional[str] = None) -> Tuple[dict, dict]:
    """The request line and the response line Vault writes for one call."""
    token = "hmac-sha256:" + _uuid("token", display_name).replace("-", "") * 2
    auth = {"client_token": token, "accessor": "hmac-sha256:" + _uuid("acc", display_name)
            .replace("-", "") * 2, "display_name": display_name, "policies": list(policies),
            "token_policies": list(policies), "metadata": {"role": display_name},
            "entity_id": entity or _uuid("entity", display_name), "token_type": "service",
            "token_ttl": 3600}
    request = {"id": _uuid("vault", at, path, operation), "operation": operation,
               "mount_type": mount_type, "mount_point": path.split("/")[0] + "/",
               "client_token": token, "client_token_accessor": auth["accessor"],
               "namespace": {"id": "root"}, "path": path, "remote_address": ip}
    request_line = {"time": iso(at, nanoseconds=True), "type": "request", "auth": auth,
                    "request": request}
    response_line = {"time": iso(at + 0.004, nanoseconds=True), "type": "response",
                     "auth": auth, "request": request,
                     "response": {"mount_type": mount_type, "data": {
                         "data": {"value": "hmac-sha256:" + _uuid("v", path).replace("-", "")}}}}
    if error:
        request_line["error"] = "permission denied"
        response_line["error"] = "1 error occurred:\n\t* permission denied\n\n"
        response_line["response"] = {"mount_type": mount_type}
    return request_line, response_line


# -- Grants: changes to who may read a secret store ------------------------------------
#
# The first half of "grant, then read" (the command's secret_operation=permission), each in
# the shape its vendor documents: a CloudTrail PutResourcePolicy / DeleteResourcePolicy
# record, a Cloud Audit Logs Admin Activity entry for SetIamPolicy on a secret, Azure
# Activity log records (the diagnostic-settings shape, as Event Hub delivers them) for an
# access-policy write or a role assignment scoped to a vault, a Key Vault AuditEvent
# VaultPatch that adds an access policy, and the audit lines of a Vault ACL policy write.

AZURE_SUBSCRIPTION = "0F0E0D0C-1111-2222-3333-444455556666"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"  # built-in role id


def azure_vault_id(vault: str) -> str:
    """A vault's resource id, upper-cased as Azure's exports write it."""
    return (f"/SUBSCRIPTIONS/{AZURE_SUBSCRIPTION}/RESOURCEGROUPS/RG-SECRETS/PROVIDERS/"
            f"MICROSOFT.KEYVAULT/VAULTS/{vault.upper()}")


def aws_resource_policy(at: float, identity: dict, name: str, reader_arn: str = "",
                        delete: bool = False, **options) -> dict:
    """PutResourcePolicy on secret `name` allowing `reader_arn` to read it (or, with
    `delete`, DeleteResourcePolicy, which CloudTrail logs with the secret id only)."""
    if delete:
        return aws_call(at, identity, "DeleteResourcePolicy", {"secretId": secret_arn(name)},
                        **options)
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": reader_arn},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    return aws_call(at, identity, "PutResourcePolicy",
                    {"secretId": secret_arn(name), "resourcePolicy": json.dumps(policy),
                     "blockPublicPolicy": True}, **options)


def gcp_set_iam_policy(at: float, principal: str, project: str, secret: str, member: str,
                       role: str = "roles/secretmanager.secretAccessor", **options) -> dict:
    """SetIamPolicy on one secret, binding `member` to `role`: an Admin Activity entry."""
    resource = f"projects/{project}/secrets/{secret}"
    entry = gcp_call(at, principal, "SetIamPolicy", resource, **options)
    payload = entry["protoPayload"]
    payload["authorizationInfo"] = [{"granted": True, "resource": resource,
                                     "permission": "secretmanager.secrets.setIamPolicy",
                                     "resourceAttributes": {}}]
    payload["request"] = {"@type": "type.googleapis.com/google.iam.v1.SetIamPolicyRequest",
                          "resource": resource,
                          "policy": {"bindings": [{"role": role, "members": [member]}]}}
    payload["serviceData"] = {
        "@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
        "policyDelta": {"bindingDeltas": [{"action": "ADD", "role": role, "member": member}]}}
    entry["logName"] = f"projects/{project}/logs/cloudaudit.googleapis.com%2Factivity"
    entry["severity"] = "NOTICE"
    return entry


def azure_activity(at: float, claims: Dict[str, str], operation: str, resource_id: str,
                   result: str = "Success", ip: str = "192.0.2.30") -> dict:
    """An Activity log record as diagnostic settings export it (flat operationName,
    category, resultType, callerIpAddress; the caller's claims under identity.claims)."""
    return {
        "time": iso(at, nanoseconds=True), "resourceId": resource_id,
        "operationName": operation.upper(), "category": "Administrative",
        "resultType": result,
        "resultSignature": {"Start": "Started.", "Success": "Succeeded.OK"}.get(result, result),
        "durationMs": "0" if result == "Start" else "1874", "callerIpAddress": ip,
        "correlationId": _uuid("activity", at, operation, resource_id), "level": "Information",
        "identity": {"authorization": {"scope": resource_id, "action": operation,
                                       "evidence": {"role": "Owner", "roleAssignmentScope":
                                                    f"/subscriptions/{AZURE_SUBSCRIPTION}",
                                                    "principalType": "User"}},
                     "claims": claims},
        "properties": {"statusCode": "Created" if result == "Success" else "",
                       "eventCategory": "Administrative", "entity": resource_id,
                       "message": operation,
                       "hierarchy": f"72f988bf-0000-4000-8000-2d7cd011db47/{AZURE_SUBSCRIPTION}"},
    }


def azure_access_policy_write(at: float, claims: Dict[str, str], vault: str,
                              **options) -> List[dict]:
    """An access-policy write on a vault: the Activity log's Start and Success records."""
    operation = "Microsoft.KeyVault/vaults/accessPolicies/write"
    resource = azure_vault_id(vault) + "/ACCESSPOLICIES/ADD"
    return [azure_activity(at, claims, operation, resource, "Start", **options),
            azure_activity(at + 2, claims, operation, resource, "Success", **options)]


def azure_role_assignment(at: float, claims: Dict[str, str], vault: str, secret: str = "",
                          **options) -> List[dict]:
    """A role assignment whose scope is the vault (or one of its secrets): Start, Success."""
    scope = azure_vault_id(vault) + (f"/SECRETS/{secret.upper()}" if secret else "")
    resource = (scope + "/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/"
                + _uuid("assignment", at, vault, secret).upper())
    operation = "Microsoft.Authorization/roleAssignments/write"
    return [azure_activity(at, claims, operation, resource, "Start", **options),
            azure_activity(at + 2, claims, operation, resource, "Success", **options)]


def azure_vault_patch(at: float, claims: Dict[str, str], vault: str, object_id: str,
                      secrets: Sequence[str] = ("get", "list"), **options) -> dict:
    """A Key Vault AuditEvent VaultPatch whose properties add an access policy."""
    record = azure_call(at, claims, "VaultPatch", vault, **options)
    record["operationVersion"] = "2023-07-01"
    record["properties"].update({
        "id": f"https://{vault}.vault.azure.net/",
        "requestUri": f"https://management.azure.com{azure_vault_id(vault).lower()}"
                      "?api-version=2023-07-01",
        "addedAccessPolicy": {"ObjectId": object_id,
                              "TenantId": "72f988bf-0000-4000-8000-2d7cd011db47",
                              "Permissions": {"keys": [], "secrets": list(secrets),
                                              "certificates": []}}})
    return record


def vault_policy_write(at: float, display_name: str, policy: str, **options) -> List[dict]:
    """An ACL policy write (`vault policy write`): request and response lines; a policy
    write returns no data."""
    lines = vault_call(at, display_name, "update", f"sys/policies/acl/{policy}",
                       mount_type="system", **options)
    lines[1]["response"] = {"mount_type": "system"}
    return list(lines)


# -- Actors: one principal per platform and account type --------------------------------


@dataclass(frozen=True)
class Actor:
    """One principal on one platform, and the records its calls leave."""

    platform: str
    principal: str
    read: Callable[[float, str], List[dict]]
    listing: Callable[[float], List[dict]]
    denied: Callable[[float, str], List[dict]]


def aws_actor(identity: dict, principal: str) -> Actor:
    return Actor("AWS", principal,
                 lambda t, s: [aws_get_secret(t, identity, f"prod/{s}")],
                 lambda t: [aws_call(t, identity, "ListSecrets", {"maxResults": 100})],
                 lambda t, s: [aws_get_secret(t, identity, f"prod/{s}", error="AccessDenied")])


def gcp_actor(email: str) -> Actor:
    return Actor("GCP", email,
                 lambda t, s: [gcp_access(t, email, "prod-7", s)],
                 lambda t: [gcp_list(t, email, "prod-7")],
                 lambda t, s: [gcp_access(t, email, "prod-7", s, status=7)])


def azure_actor(claims: Dict[str, str], principal: str) -> Actor:
    return Actor("Azure", principal,
                 lambda t, s: [azure_call(t, claims, "SecretGet", "kv-prod", s)],
                 lambda t: [azure_call(t, claims, "SecretList", "kv-prod")],
                 lambda t, s: [azure_call(t, claims, "SecretGet", "kv-prod", s, status=403)])


def vault_actor(name: str, policies=("default",)) -> Actor:
    return Actor("Vault", name,
                 lambda t, s: list(vault_call(t, name, "read", f"secret/data/app/{s}", policies)),
                 lambda t: list(vault_call(t, name, "list", "secret/metadata/app/", policies)),
                 lambda t, s: list(vault_call(t, name, "read", f"secret/data/app/{s}", policies,
                                              error="permission denied")))


ACTORS = {
    # (platform, account type) -> actor
    ("AWS", "Standard-User"): aws_actor(aws_user("dana"), f"arn:aws:iam::{ACCOUNT}:user/dana"),
    ("AWS", "Service-Account"): aws_actor(aws_role("billing-app", "i-0a1b2c3d4e5f6071"),
                                          f"arn:aws:iam::{ACCOUNT}:role/billing-app"),
    ("AWS", "High-Privilege"): aws_actor(
        aws_role("OrganizationAccountAccessRole", "ops-dana"),
        f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"),
    ("GCP", "Standard-User"): gcp_actor("dana@example.com"),
    ("GCP", "Service-Account"): gcp_actor("billing@prod-7.iam.gserviceaccount.com"),
    ("GCP", "High-Privilege"): gcp_actor("admin-dana@example.com"),
    ("Azure", "Standard-User"): azure_actor(
        azure_person("Dana@Contoso.com", "0b9c1d2e-0000-4000-8000-00000000d4a4"),
        "dana@contoso.com"),
    ("Azure", "Service-Account"): azure_actor(
        azure_app("5e6f7a8b-0000-4000-8000-0000000000a1", "9a8b7c6d-0000-4000-8000-1"),
        "5e6f7a8b-0000-4000-8000-0000000000a1"),
    ("Azure", "High-Privilege"): azure_actor(
        azure_person("admin@contoso.com", "1c2d3e4f-0000-4000-8000-00000000ad01"),
        "admin@contoso.com"),
    ("Vault", "Standard-User"): vault_actor("oidc-dana"),
    ("Vault", "Service-Account"): vault_actor("kubernetes-billing-api"),
    ("Vault", "High-Privilege"): vault_actor("root", ("root",)),
}
PLATFORMS = ("AWS", "GCP", "Azure", "Vault")


def write_logs(folder: Path, platform: str, records: List[dict]) -> Path:
    """Write records the way the platform's log pipeline delivers them."""
    if platform == "AWS":
        path = folder / "cloudtrail.json"
        path.write_text(json.dumps({"Records": records}))
    elif platform == "Azure":
        path = folder / "keyvault.json"
        path.write_text(json.dumps({"records": records}))
    else:
        path = folder / f"{platform.lower()}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def reads(actor: Actor, count: int, start: float, every: float, prefix: str = "secret") -> list:
    """`count` reads of distinct secrets `<prefix>-00`, ... every `every` seconds."""
    return [r for i in range(count) for r in actor.read(start + i * every, f"{prefix}-{i:02d}")]


def steady_reads(actor: Actor, count: int, start: float, span: float,
                 prefix: str = "secret") -> list:
    """`count` reads of distinct secrets spread evenly over `span` seconds from `start`
    (whole seconds apart): 100 over an hour is one every 36 seconds, at most 17 in any
    10 minutes, below the enumeration rule's burst of 20."""
    return reads(actor, count, start, max(1, int(span // count)), prefix)


def daily_reads(actor: Actor, first: float, days: int, per_day: int,
                skip: Sequence[int] = (), prefix: str = "daily") -> list:
    """A routine: on each of `days` days from `first` (the same time every day), the
    actor reads the same `per_day` secrets a minute apart; days whose index is in `skip`
    are left out (for a scenario to put its own day there)."""
    return [r for day in range(days) if day not in skip
            for r in reads(actor, per_day, first + day * DAY, 60, prefix)]


# -- Actors by name: whose reads name each secret exactly as given ------------------------


def _named_actor(platform: str, principal: str, read: Callable[[float, str, bool], List[dict]],
                 listing: Callable[[float], List[dict]]) -> Actor:
    return Actor(platform, principal, lambda t, s: read(t, s, False), listing,
                 lambda t, s: read(t, s, True))


def machine_actor(platform: str, name: str) -> Actor:
    """A machine principal called `name`: an AWS role used from an EC2 instance, a GCP
    service account, an Azure application (service principal) or a Vault Kubernetes role.
    Its reads of secret `s` are logged as `s` itself (no path prefix)."""
    if platform == "AWS":
        identity = aws_role(name, "i-0a1b2c3d4e5f60718")
        return _named_actor(
            "AWS", f"arn:aws:iam::{ACCOUNT}:role/{name}",
            lambda t, s, deny: [aws_get_secret(t, identity, s,
                                               error="AccessDenied" if deny else None)],
            lambda t: [aws_call(t, identity, "ListSecrets", {"maxResults": 100})])
    if platform == "GCP":
        return _gcp_named("GCP", f"{name}@prod-7.iam.gserviceaccount.com")
    if platform == "Azure":
        claims = azure_app(_uuid("oid", name), _uuid("app", name))
        return _azure_named(claims, claims["oid"])
    return vault_named_actor(f"kubernetes-{name}")


def person_actor(platform: str, email: str) -> Actor:
    """A person signed in as `email`, as typed (the command lowercases it): an AWS IAM
    Identity Center session, a GCP user, an Azure user with that UPN, or a Vault user whose
    display name is `email` (use any name for Vault people)."""
    if platform == "AWS":
        identity = aws_sso("ReadOnlyAccess", email)
        return _named_actor(
            "AWS", email.lower(),
            lambda t, s, deny: [aws_get_secret(t, identity, s,
                                               error="AccessDenied" if deny else None)],
            lambda t: [aws_call(t, identity, "ListSecrets", {"maxResults": 100})])
    if platform == "GCP":
        return _gcp_named("GCP", email)
    if platform == "Azure":
        return _azure_named(azure_person(email, _uuid("oid", email)), email.lower())
    return vault_named_actor(email)


def _gcp_named(platform: str, email: str) -> Actor:
    return _named_actor(
        platform, email.lower(),
        lambda t, s, deny: [gcp_access(t, email, "prod-7", s, status=7 if deny else 0)],
        lambda t: [gcp_list(t, email, "prod-7")])


def _azure_named(claims: Dict[str, str], principal: str) -> Actor:
    return _named_actor(
        "Azure", principal,
        lambda t, s, deny: [azure_call(t, claims, "SecretGet", "kv-prod", s,
                                       status=403 if deny else 200)],
        lambda t: [azure_call(t, claims, "SecretList", "kv-prod")])


def vault_named_actor(display_name: str) -> Actor:
    """A Vault token with this display name (`approle`, `kubernetes-<role>`, `alice`); the
    command takes the auth method from the name's prefix."""
    return _named_actor(
        "Vault", display_name.lower(),
        lambda t, s, deny: list(vault_call(t, display_name, "read", f"secret/data/{s}",
                                           error="permission denied" if deny else None)),
        lambda t: list(vault_call(t, display_name, "list", "secret/metadata/")))
