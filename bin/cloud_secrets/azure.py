"""Azure Key Vault: AuditEvent resource logs and Activity log records.

Input shapes handled (names as Splunk extracts them; the engine strips Event Hub `body.`):
- Key Vault resource logs (`category` AuditEvent): `operationName` such as SecretGet or
  SecretList; caller claims under `identity.claim.` with short names (`upn`, `oid`,
  `appid`, `tid`) or URI names
  (`http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn`, ...); the object in
  `properties.id` or `properties.requestUri`
  (`https://<vault>.vault.azure.net/secrets/<name>/<version>`, any Azure cloud's
  domain); `properties.httpStatusCode`, `properties.clientInfo`, `callerIpAddress`;
- Activity log records for Key Vault: `operationName` such as
  `MICROSOFT.KEYVAULT/VAULTS/SECRETS/GETSECRET/ACTION` in any case, claims under
  `identity.claims.`, `caller` (a UPN, else an application's object id), the object in
  `resourceId` (`.../vaults/<vault>/secrets/<name>`);
- any other Azure record (`operationName` with `category` or `resourceId`): a readable
  `vendor_product` from its resource provider and `secret_operation` none.

Callers: the UPN lowercased (a user); without one, the object id (an application:
service principal or managed identity) with the app id in `principal_session`.
"""

from __future__ import annotations

import re
from typing import Tuple

from .fields import EventFields, FieldRegistry
from .schema import Normalized, observed

PLATFORM = "Azure"
KEY_VAULT = "Azure Key Vault"

_URI_UPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
_URI_OID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
_URI_TID = "http://schemas.microsoft.com/identity/claims/tenantid"
_URI_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"

fields = FieldRegistry()
OPERATION_NAME = fields("operationName")
CATEGORY = fields("category")
RESOURCE_ID = fields("resourceId")
RESULT_TYPE = fields("resultType")
CALLER_IP = fields("callerIpAddress")
CALLER = fields("caller")
TENANT_ID = fields("tenantId")
LOCATION = fields("location")
OBJECT_ID = fields("properties.id")
REQUEST_URI = fields("properties.requestUri")
HTTP_STATUS = fields("properties.httpStatusCode")
STATUS_CODE = fields("properties.statusCode")
CLIENT_INFO = fields("properties.clientInfo")


def _claims(*names: str) -> Tuple[str, ...]:
    """Register a claim under both resource-log (claim.) and Activity-log (claims.) paths."""
    groups = ("claim", "claims")
    return tuple(fields(f"identity.{group}.{name}") for name in names for group in groups)


UPN_CLAIMS = _claims("upn", _URI_UPN, "unique_name", _URI_NAME)
OID_CLAIMS = _claims("oid", _URI_OID)
APPID_CLAIMS = _claims("appid", "azp")
TENANT_CLAIMS = _claims("tid", _URI_TID)

# AuditEvent operationName -> operation, for secrets and the vault itself.
AUDIT_OPERATIONS = {
    "SecretGet": "read",
    "SecretBackup": "read",
    "SecretGetDeleted": "read",
    "SecretList": "list",
    "SecretListVersions": "list",
    "SecretListDeleted": "list",
    "SecretSet": "write",
    "SecretUpdate": "write",
    "SecretRestore": "write",
    "SecretRecover": "write",
    "SecretDelete": "delete",
    "SecretPurge": "delete",
    "VaultGet": "describe",
    "VaultList": "describe",
    "VaultPut": "write",
    "VaultPatch": "write",
    "VaultRecover": "write",
    "VaultDelete": "delete",
    "VaultPurge": "delete",
}
# Key and certificate operations: reads describe, cryptography with a key is none.
_CRYPTO = re.compile(r"^Key(Decrypt|Encrypt|Sign|Verify|Wrap|Unwrap|Release)")
_KEY_OR_CERTIFICATE = re.compile(r"^(Key|Certificate)(\w*)$")

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
_ACTIVITY_OPERATION = re.compile(
    r"^MICROSOFT\.KEYVAULT/(?:VAULTS|DELETEDVAULTS)(?:/([A-Z]+))?/(.+)$")

_OBJECT_URL = re.compile(
    r"^https://([^./]+)\.[^/]+/(secrets|keys|certificates)(?:/([^/?]+))?", re.IGNORECASE
)
_RESOURCE_VAULT = re.compile(
    r"/providers/microsoft\.keyvault/vaults/([^/]+)(?:/secrets/([^/]+))?", re.IGNORECASE
)
_RESOURCE_PROVIDER = re.compile(r"/providers/([^/]+)/", re.IGNORECASE)
_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
_SUCCESS_RESULTS = ("", "success", "succeeded", "start", "started", "accept", "accepted")


def recognizes(event: EventFields) -> bool:
    return bool(event.get(OPERATION_NAME)) and bool(event.get(CATEGORY) or event.get(RESOURCE_ID))


def _first(event: EventFields, keys: Tuple[str, ...]) -> str:
    for key in keys:
        value = event.get(key)
        if value:
            return value
    return ""


def _caller(event: EventFields) -> Tuple[str, str, str]:
    """Return (principal, principal_type, principal_session)."""
    upn = _first(event, UPN_CLAIMS)
    if upn:
        return upn.lower(), "user", ""
    app_id = _first(event, APPID_CLAIMS)
    object_id = _first(event, OID_CLAIMS)
    if object_id:
        return object_id.lower(), "application", app_id.lower()
    caller = event.get(CALLER)
    if "@" in caller:
        return caller.lower(), "user", ""
    if caller or app_id:
        return (caller or app_id).lower(), "application", app_id.lower()
    return "", "unknown", ""


def _audit_operation(name: str) -> str:
    operation = AUDIT_OPERATIONS.get(name)
    if operation:
        return operation
    if _CRYPTO.match(name):
        return "none"
    match = _KEY_OR_CERTIFICATE.match(name)
    if not match:
        return "none"
    verb = match.group(2)
    if "Delete" in verb or "Purge" in verb:
        return "delete"
    if verb.startswith(("Get", "List", "Backup")) or verb.endswith(("Get", "List")):
        return "describe"  # the contract counts key and certificate reads as describe
    return "write"


def _activity_operation(name: str) -> str:
    match = _ACTIVITY_OPERATION.match(name.upper())
    if not match:
        return "none"
    kind, rest = match.groups()
    if kind == "SECRETS":
        return ACTIVITY_SECRET_OPERATIONS.get(rest, "none")
    # Keys, certificates, access policies and the vault itself: READ, WRITE, DELETE,
    # or an action such as KEYS/RECOVER/ACTION.
    verb = rest.partition("/")[0]
    if verb in ("DELETE", "PURGE"):
        return "delete"
    return "describe" if verb == "READ" else "write"


def _service(event: EventFields, operation_name: str) -> str:
    provider = operation_name.partition("/")[0] if "/" in operation_name else ""
    if not provider:
        match = _RESOURCE_PROVIDER.search(event.get(RESOURCE_ID))
        provider = match.group(1) if match else ""
    return provider.lower()


def normalize(event: EventFields) -> Normalized:
    name = event.get(OPERATION_NAME)
    resource_id = event.get(RESOURCE_ID)
    provider = _service(event, name)
    if "/" in name:  # Activity log: MICROSOFT.KEYVAULT/VAULTS/...
        operation = _activity_operation(name) if provider == "microsoft.keyvault" else "none"
    else:
        operation = _audit_operation(name)
        if provider and provider != "microsoft.keyvault":
            operation = "none"
    key_vault = provider == "microsoft.keyvault" or (not provider and operation != "none")
    vendor_product = KEY_VAULT if key_vault else (
        "Azure " + provider.partition(".")[2].capitalize() if "." in provider else "Azure")

    vault = secret = ""
    url = _OBJECT_URL.match(event.get(OBJECT_ID)) or _OBJECT_URL.match(event.get(REQUEST_URI))
    if url:
        vault = url.group(1)
        if url.group(2).lower() == "secrets":
            secret = url.group(3) or ""
    resource = _RESOURCE_VAULT.search(resource_id)
    if resource:
        vault = vault or resource.group(1)
        secret = secret or (resource.group(2) or "")

    principal, principal_type, session = _caller(event)
    status = event.get(HTTP_STATUS) or event.get(STATUS_CODE)
    failed = event.get(RESULT_TYPE).lower() not in _SUCCESS_RESULTS or (
        status.isdigit() and int(status) >= 400)
    subscription = _SUBSCRIPTION.match(resource_id)
    return observed(
        platform=PLATFORM,
        vendor_product=vendor_product,
        principal=principal,
        principal_type=principal_type,
        principal_session=session,
        principal_account=(_first(event, TENANT_CLAIMS) or event.get(TENANT_ID)).lower(),
        secret_operation=operation,
        secret=(secret,) if secret and key_vault else (),
        secret_store=f"azure:{vault.lower()}" if vault and key_vault else "",
        action="failure" if failed else "success",
        src=event.get(CALLER_IP),
        command=name,
        vendor_account=subscription.group(1).lower() if subscription else "",
        vendor_region=event.get(LOCATION),
        user_agent=event.get(CLIENT_INFO),
    )
