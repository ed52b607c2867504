"""Azure Key Vault: AuditEvent resource logs and Activity log records, in either shape.

Input shapes handled (names as Splunk extracts them; the engine strips Event Hub `body.`):
- Key Vault resource logs (`category` AuditEvent): `operationName` such as SecretGet or
  SecretList; caller claims under `identity.claim.` with short names (`upn`, `oid`,
  `appid`, `tid`) or URI names
  (`http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn`, ...); the object in
  `properties.id` or `properties.requestUri`
  (`https://<vault>.vault.azure.net/<kind>/<name>/<version>`, kind `secrets`, `keys`,
  `certificates` or `deleted...` of each, any Azure cloud's domain);
  `properties.httpStatusCode`, `properties.clientInfo`, `callerIpAddress`;
- Activity log records for Key Vault in the diagnostic-settings shape: flat
  `operationName` such as `MICROSOFT.KEYVAULT/VAULTS/SECRETS/GETSECRET/ACTION` in any
  case, `category`, `resultType`, claims under `identity.claims.`, `caller`,
  `callerIpAddress`, the object in `resourceId` (`.../vaults/<vault>/<kind>/<name>`, kind
  `secrets`, `keys`, `certificates` or a deleted one);
- the same Activity log records in the event schema of the Activity Log REST API and its
  exports: `operationName.value`, `category.value`, `status.value`, claims under
  `claims.`, `caller`, `httpRequest.clientIpAddress`. Each field the normalizer reads is
  declared once with its spellings in both shapes (OPERATION_NAME, CATEGORY, ...), so
  both shapes go through one recognition path and one normalization;
- Managed HSM resource logs, which write `TenantId`, `requestUri`, `httpStatusCode` and
  `clientInfo` at the top level and `identity` as JSON text whose claims' URI names are
  spelled with underscores (`http_schemas_xmlsoap_org_ws_2005_05_identity` > `claims` >
  `upn`): the text is parsed for the caller's claims;
- any other Azure record (an operation name with a category or `resourceId`): a readable
  `vendor_product` from its resource provider and `secret_operation` none.

Changes to who may read a vault's secrets are `permission`, on the vault's store:
Activity log `MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE` (any case, either shape);
resource-log `VaultPut`/`VaultPatch` whose properties name an added or removed access
policy (`addedAccessPolicy`, `removedAccessPolicy`, as Azure Monitor's Key Vault tables
show them); and `MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE` whose scope (`resourceId`,
else `authorization.scope`, less the trailing `/providers/Microsoft.Authorization/
roleAssignments/<id>`) is a vault or an object in one. A role assignment on any other
scope (a storage account, a resource group) stays none.

Deleting or purging a whole vault (`.../VAULTS/DELETE`, `MICROSOFT.KEYVAULT/LOCATIONS/
DELETEDVAULTS/PURGE/ACTION`) is `delete` of the vault named in `resourceId`
(`.../vaults/<v>` or `.../locations/<l>/deletedVaults/<v>`), with no secret; a Managed
HSM's `HSMGet` is `describe` of the HSM (`.../managedHSMs/<hsm>`).

Outcome: `resultType` (or `status.value`) `Failure`/`Failed` in any case, or an HTTP
status of 400 and up, is a failure; every other value (`Success`, `Succeeded`, `Started`,
`Accepted`, `Active`, `Resolved`, ...) is not.

Callers: the UPN lowercased (a user); without one, the object id (an application:
service principal or managed identity) with the app id in `principal_session`; the
Activity log's `caller` (a UPN when it holds an "@", else an application).
"""

from __future__ import annotations

import re
from typing import Dict, Optional, Tuple

from .fields import EventFields, FieldRegistry, fields_from_record, parse_json_object
from .schema import Normalized, observed

PLATFORM = "Azure"
KEY_VAULT = "Azure Key Vault"

_URI_UPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
_URI_OID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
_URI_TID = "http://schemas.microsoft.com/identity/claims/tenantid"
_URI_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"

fields = FieldRegistry()

# Each logical field with its spellings, in order of preference: the diagnostic-settings
# shape first, then the Activity Log event schema's.
OPERATION_NAME = tuple(map(fields, ("operationName", "operationName.value")))
CATEGORY = tuple(map(fields, ("category", "category.value")))
RESULT_TYPE = tuple(map(fields, ("resultType", "status.value")))
CALLER_IP = tuple(map(fields, ("callerIpAddress", "httpRequest.clientIpAddress")))
# Other spellings, so that splunkd sends them too (the lookup itself ignores case).
for _spelling in ("CallerIpAddress", "callerIPAddress", "CallerIPAddress"):
    fields(_spelling)
RESOURCE_ID = (fields("resourceId"),)
CALLER = (fields("caller"),)
# Managed HSM resource logs write `TenantId`, and `requestUri`, `httpStatusCode` and
# `clientInfo` at the top level rather than under `properties.` (the Managed HSM logging
# page's example entry); splunkd sends a field only under the name it is asked for.
TENANT_ID = tuple(map(fields, ("tenantId", "TenantId")))
LOCATION = (fields("location"),)
OBJECT_URL = tuple(map(fields, ("properties.id", "properties.requestUri", "requestUri")))
HTTP_STATUS = tuple(map(fields, ("properties.httpStatusCode", "properties.statusCode",
                                 "httpStatusCode")))
CLIENT_INFO = tuple(map(fields, ("properties.clientInfo", "clientInfo")))
# Managed HSM logs write `identity` as JSON text, with the claims' URI names spelled with
# underscores and split at `claims`:
# {"claim": {"http_schemas_xmlsoap_org_ws_2005_05_identity": {"claims": {"upn": ...}}}}.
IDENTITY_TEXT = fields("identity")
_UNDERSCORED_XMLSOAP = "http_schemas_xmlsoap_org_ws_2005_05_identity.claims."
_UNDERSCORED_MICROSOFT = "http_schemas_microsoft_com_identity.claims."
AUTHORIZATION_SCOPE = (fields("authorization.scope"),)
# Access-policy changes that Key Vault writes into a VaultPut/VaultPatch resource log
# (Azure Monitor shows them as addedAccessPolicy_ObjectId and so on): every access policy
# entry has an object id. Read directly under `properties.` and under the vault's
# `properties.properties.`, in both key cases.
ACCESS_POLICY_CHANGES = tuple(
    fields(f"properties.{where}{change}.{key}")
    for where in ("", "properties.")
    for change in ("addedAccessPolicy", "removedAccessPolicy")
    for key in ("ObjectId", "objectId"))

# Claims: under resource logs' `identity.claim.`, Activity logs' `identity.claims.`
# (diagnostic settings) and `claims.` (event schema); short and URI names alike.
_CLAIM_GROUPS = ("identity.claim.", "identity.claims.", "claims.")
UPN_CLAIMS = tuple(fields(group + name) for name in (
    "upn", _URI_UPN, _UNDERSCORED_XMLSOAP + "upn", "unique_name", _URI_NAME)
    for group in _CLAIM_GROUPS)
OID_CLAIMS = tuple(fields(group + name) for name in (
    "oid", _URI_OID, _UNDERSCORED_MICROSOFT + "objectidentifier") for group in _CLAIM_GROUPS)
APPID_CLAIMS = tuple(fields(group + name) for name in ("appid", "azp")
                     for group in _CLAIM_GROUPS)
TENANT_CLAIMS = tuple(fields(group + name) for name in (
    "tid", _URI_TID, _UNDERSCORED_MICROSOFT + "tenantid") for group in _CLAIM_GROUPS)

# AuditEvent operationName -> secret operation. Exact names from the Key Vault logging
# reference: a name is looked up whole, never tested by substring (KeyListDeleted is a
# listing although it contains "Delete"). Any name not listed is none.
_SECRET_OPERATIONS = {
    "SecretGet": "read", "SecretBackup": "read", "SecretGetDeleted": "read",
    "SecretList": "list", "SecretListVersions": "list", "SecretListDeleted": "list",
    "SecretSet": "write", "SecretUpdate": "write", "SecretRestore": "write",
    "SecretRecover": "write",
    "SecretDelete": "delete", "SecretPurge": "delete",
}
_VAULT_OPERATIONS = {
    "VaultGet": "describe", "VaultList": "describe", "VaultGetDeleted": "describe",
    "VaultListDeleted": "describe",
    "VaultPut": "write", "VaultPatch": "write", "VaultRecover": "write",
    "VaultDelete": "delete", "VaultPurge": "delete",
    "HSMGet": "describe",  # a Managed HSM, described like a vault
}
# Vault writes that may change its access policies (see ACCESS_POLICY_CHANGES).
VAULT_CHANGES = ("VaultPut", "VaultPatch")
# Keys: reads, listings and backups describe; cryptography with a key is none.
_KEY_OPERATIONS = {
    "KeyGet": "describe", "KeyList": "describe", "KeyListVersions": "describe",
    "KeyBackup": "describe", "KeyGetDeleted": "describe", "KeyListDeleted": "describe",
    "KeyRotationPolicyGet": "describe", "KeyGetRotationPolicy": "describe",
    "KeyCreate": "write", "KeyImport": "write", "KeyUpdate": "write", "KeyRestore": "write",
    "KeyRecover": "write", "KeyRotate": "write", "KeyRotateIfDue": "write",
    "KeyRotationPolicySet": "write", "KeyUpdateRotationPolicy": "write",
    "KeyDelete": "delete", "KeyPurge": "delete",
    "KeyEncrypt": "none", "KeyDecrypt": "none", "KeyWrap": "none", "KeyUnwrap": "none",
    "KeySign": "none", "KeyVerify": "none", "KeyRelease": "none",
}
# Certificates, their policies, issuers, contacts and pending requests.
_CERTIFICATE_OPERATIONS = {
    "CertificateGet": "describe", "CertificateList": "describe",
    "CertificateListVersions": "describe", "CertificateBackup": "describe",
    "CertificateGetDeleted": "describe", "CertificateListDeleted": "describe",
    "CertificatePolicyGet": "describe", "CertificateIssuerGet": "describe",
    "CertificateIssuersList": "describe", "CertificateIssuerList": "describe",
    "CertificateContactsGet": "describe", "CertificatePendingGet": "describe",
    "CertificateCreate": "write", "CertificateImport": "write", "CertificateUpdate": "write",
    "CertificateRestore": "write", "CertificateRecover": "write",
    "CertificatePolicyUpdate": "write", "CertificatePolicySet": "write",
    "CertificateIssuerSet": "write", "CertificateIssuerUpdate": "write",
    "CertificateContactsSet": "write", "CertificatePendingMerge": "write",
    "CertificatePendingUpdate": "write",
    "CertificateDelete": "delete", "CertificatePurge": "delete",
    "CertificateIssuerDelete": "delete", "CertificateContactsDelete": "delete",
    "CertificatePendingDelete": "delete",
}
AUDIT_OPERATIONS: Dict[str, str] = {
    **_SECRET_OPERATIONS, **_VAULT_OPERATIONS, **_KEY_OPERATIONS, **_CERTIFICATE_OPERATIONS}

# Activity log: the part after .../VAULTS/SECRETS/ -> operation.
ACTIVITY_SECRET_OPERATIONS = {
    "GETSECRET/ACTION": "read",
    "BACKUP/ACTION": "read",
    "READ": "describe",
    "READMETADATA/ACTION": "describe",
    "WRITE": "write",
    "SETSECRET/ACTION": "write",
    "UPDATE/ACTION": "write",
    "RESTORE/ACTION": "write",
    "RECOVER/ACTION": "write",
    "DELETE": "delete",
    "PURGE/ACTION": "delete",
}
# Activity log, anything else of a vault (keys, certificates, the vault itself): the first
# word after the resource type decides.
ACTIVITY_VERBS = {"READ": "describe", "DELETE": "delete", "PURGE": "delete"}
# Activity log, a vault's access policies: only their write exists, and it is a grant.
ACTIVITY_ACCESS_POLICY_OPERATIONS = {"WRITE": "permission"}
# Activity log, soft-deleted vaults (`LOCATIONS/DELETEDVAULTS/...` for the purge):
# purging one deletes the whole vault for good.
ACTIVITY_DELETED_VAULT_OPERATIONS = {"PURGE/ACTION": "delete", "READ": "describe"}
_ACTIVITY_OPERATION = re.compile(r"^MICROSOFT\.KEYVAULT/VAULTS(?:/([A-Z]+))?/(.+)$")
_ACTIVITY_DELETED_VAULT = re.compile(r"^MICROSOFT\.KEYVAULT/(?:LOCATIONS/)?DELETEDVAULTS/(.+)$")
ROLE_ASSIGNMENT_WRITE = "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"

# Object URLs and resource ids: `<kind>/<name>(/<version>)?` for every object kind of a
# vault, deleted ones included (`secrets`, `keys`, `certificates`, `deletedsecrets`, ...).
# The contract takes the name from secrets and, alike, from keys and certificates: all
# three hold credential material. A collection URL (`/keys?api-version=...`) names the
# vault only, and so do `certificates/issuers` and `certificates/contacts`, which are
# settings of the vault and not certificates (a secret or key of that name is still named).
_OBJECT_PATH = (r"/(?:deleted)?(?:secrets|keys|certificates)"
                r"(?:/(?!(?<=certificates/)(?:issuers|contacts)(?:[/?#]|$))([^/?#]+))?")
_OBJECT_URL = re.compile(r"^https://([^./]+)\.[^/]+" + _OBJECT_PATH, re.IGNORECASE)
# A vault, a Managed HSM or a soft-deleted vault (by location) in a resource id.
_VAULT_RESOURCE = (r"/providers/microsoft\.keyvault/"
                   r"(?:vaults|managedhsms|(?:locations/[^/]+/)?deletedvaults)/([^/]+)")
_RESOURCE_VAULT = re.compile(_VAULT_RESOURCE + "(?:" + _OBJECT_PATH + ")?", re.IGNORECASE)
# The scope of a role assignment, when it is a vault or an object in one: the whole
# scope must be the vault's resource id, so that no other scope merely containing it
# (as a resource group's or another resource's name could) counts.
_ROLE_ASSIGNMENT = re.compile(r"^(.*)/providers/microsoft\.authorization/roleassignments/"
                              r"[^/]+/?$", re.IGNORECASE)
_VAULT_SCOPE = re.compile(
    r"^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.keyvault/vaults/"
    r"([^/]+)(?:" + _OBJECT_PATH + r")?/?$", re.IGNORECASE)
_RESOURCE_PROVIDER = re.compile(r"/providers/([^/]+)/", re.IGNORECASE)
_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
_FAILURE_RESULTS = ("failure", "failed")
FAILURE_STATUS = 400  # HTTP statuses from this one up are failures


def _first(event: EventFields, keys: Tuple[str, ...]) -> str:
    """The first non-empty value among a field's spellings."""
    for key in keys:
        value = event.get(key)
        if value:
            return value
    return ""


def recognizes(event: EventFields) -> bool:
    return bool(_first(event, OPERATION_NAME)) and bool(
        _first(event, CATEGORY) or _first(event, RESOURCE_ID))


def _claims(event: EventFields) -> EventFields:
    """Where the caller's claims are read: the event, or its `identity` parsed from JSON text.

    Splunk's JSON extraction leaves a value that is itself JSON text as one string field;
    Managed HSM writes `identity` so. Parsed, its claims get the names they would have had
    as an object (`identity.claim.upn`, ...). Text that is not a JSON object changes
    nothing.
    """
    text = event.get(IDENTITY_TEXT)
    parsed = parse_json_object(text) if text.startswith("{") else None
    return EventFields(fields_from_record({"identity": parsed})) if parsed else event


def _caller(event: EventFields, claims: EventFields) -> Tuple[str, str, str]:
    """Return (principal, principal_type, principal_session)."""
    upn = _first(claims, UPN_CLAIMS)
    if upn:
        return upn.lower(), "user", ""
    app_id = _first(claims, APPID_CLAIMS).lower()
    object_id = _first(claims, OID_CLAIMS)
    if object_id:
        return object_id.lower(), "application", app_id
    caller = _first(event, CALLER).lower()
    if "@" in caller:
        return caller, "user", ""
    if caller or app_id:
        return caller or app_id, "application", app_id
    return "", "unknown", ""


def _activity_operation(name: str) -> str:
    upper = name.upper()
    match = _ACTIVITY_OPERATION.match(upper)
    if not match:
        deleted = _ACTIVITY_DELETED_VAULT.match(upper)
        return ACTIVITY_DELETED_VAULT_OPERATIONS.get(deleted.group(1), "none") if deleted \
            else "none"
    kind, rest = match.groups()
    if kind == "SECRETS":
        return ACTIVITY_SECRET_OPERATIONS.get(rest, "none")
    if kind == "ACCESSPOLICIES":
        return ACTIVITY_ACCESS_POLICY_OPERATIONS.get(rest, "none")
    return ACTIVITY_VERBS.get(rest.partition("/")[0], "write")


def _role_assignment_vault(event: EventFields) -> Optional[re.Match]:
    """The vault scope of a role assignment (a match: vault, object name), or None."""
    for key in RESOURCE_ID + AUTHORIZATION_SCOPE:
        assignment = _ROLE_ASSIGNMENT.match(event.get(key))
        if assignment:
            return _VAULT_SCOPE.match(assignment.group(1))
    return None


def _provider(resource_id: str, operation_name: str) -> str:
    """The resource provider, lowercased: `microsoft.keyvault`, `microsoft.storage`, ..."""
    provider = operation_name.partition("/")[0] if "/" in operation_name else ""
    if not provider:
        match = _RESOURCE_PROVIDER.search(resource_id)
        provider = match.group(1) if match else ""
    return provider.lower()


def _failed(event: EventFields) -> bool:
    status = _first(event, HTTP_STATUS)
    return _first(event, RESULT_TYPE).lower() in _FAILURE_RESULTS or (
        status.isdigit() and int(status) >= FAILURE_STATUS)


def _changes_access_policies(event: EventFields) -> bool:
    return any(event.get(key) for key in ACCESS_POLICY_CHANGES)


def normalize(event: EventFields) -> Normalized:
    name = _first(event, OPERATION_NAME)
    resource_id = _first(event, RESOURCE_ID)
    provider = _provider(resource_id, name)
    vault = secret = ""
    # Activity log names are paths (MICROSOFT.KEYVAULT/VAULTS/...); AuditEvent names are not.
    if "/" in name:
        operation = _activity_operation(name)
    elif name in VAULT_CHANGES and _changes_access_policies(event):
        operation = "permission"
    else:
        operation = AUDIT_OPERATIONS.get(name, "none")
    if provider not in ("", "microsoft.keyvault"):
        # Another provider's operation; of them, only a role assignment on a vault (or an
        # object in one) changes who may read its secrets.
        scope = _role_assignment_vault(event) if name.upper() == ROLE_ASSIGNMENT_WRITE else None
        operation = "permission" if scope else "none"
        if scope:
            vault, secret = scope.group(1), scope.group(2) or ""
    key_vault = provider == "microsoft.keyvault" or operation != "none"
    vendor_product = KEY_VAULT if key_vault else (
        "Azure " + provider.partition(".")[2].capitalize() if "." in provider else "Azure")

    if not vault:
        url = next(filter(None, (_OBJECT_URL.match(event.get(key)) for key in OBJECT_URL)),
                   None)
        if url:
            vault, secret = url.group(1), url.group(2) or ""
        resource = _RESOURCE_VAULT.search(resource_id)
        if resource:
            vault = vault or resource.group(1)
            secret = secret or (resource.group(2) or "")

    claims = _claims(event)
    principal, principal_type, session = _caller(event, claims)
    subscription = _SUBSCRIPTION.match(resource_id)
    return observed(
        platform=PLATFORM,
        vendor_product=vendor_product,
        principal=principal,
        principal_type=principal_type,
        principal_session=session,
        principal_account=(_first(claims, TENANT_CLAIMS) or _first(event, TENANT_ID)).lower(),
        secret_operation=operation,
        secret=(secret,) if secret and key_vault else (),
        secret_store=f"azure:{vault.lower()}" if vault and key_vault else "",
        action="failure" if _failed(event) else "success",
        src=_first(event, CALLER_IP),
        command=name,
        vendor_account=subscription.group(1).lower() if subscription else "",
        vendor_region=_first(event, LOCATION),
        user_agent=_first(event, CLIENT_INFO),
    )
