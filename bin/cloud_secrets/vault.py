"""HashiCorp Vault audit device entries (JSON lines, `type` request or response).

Input shapes handled (names as Splunk extracts the JSON, `auth.policies{}` multivalue):
- entries recognised by `request.path` together with `type` or an `auth.` field, from
  file, socket or syslog audit devices;
- every call is logged twice, as a request line and a response line: only response
  lines carry a secret operation, request lines are none, so each call counts once;
- `request.operation` read, list, create, update and delete on secret engines; paths
  under sys/, auth/ and identity/ are Vault's own API, not secrets (none). The first
  segment of `request.path` decides this, whatever `request.mount_point` says: Vault
  logs `auth/approle/` as the mount point of an AppRole login;
- KV version 2 paths `<mount>/data/<path>` (reads) and `<mount>/metadata/<path>`
  (listing), dynamic credentials such as `database/creds/<role>`; the mount comes from
  `request.mount_point` when Vault logs it, else from the first path segment;
- callers by `auth.display_name` (`token`, `token-<accessor>`, `approle`,
  `kubernetes-<ns>-<sa>`, `oidc-<sub>`, ...) or `auth.entity_id`; a display name that is
  only a machine auth method's name (every AppRole login shows `approle`) is completed
  with `auth.metadata.role_name`, as `approle:<role>`, so that two clients are two
  principals; string values that Vault HMACs (`client_token`, request and response
  data) are never read.

KV version 1 and 2 mounts look alike in the audit log; a KV mount (or one whose type
is not logged) whose second path segment is `data` or `metadata` is taken as version 2.
"""

from __future__ import annotations

from typing import Tuple

from .fields import EventFields, FieldRegistry
from .schema import Normalized, observed

PLATFORM = "Vault"
VENDOR_PRODUCT = "HashiCorp Vault"

fields = FieldRegistry()
ENTRY_TYPE = fields("type")
ERROR = fields("error")
PATH = fields("request.path")
OPERATION = fields("request.operation")
MOUNT_TYPE = fields("request.mount_type")
MOUNT_POINT = fields("request.mount_point")
NAMESPACE_ID = fields("request.namespace.id")
NAMESPACE_PATH = fields("request.namespace.path")
REMOTE_ADDRESS = fields("request.remote_address")
USER_AGENT = fields("request.headers.user-agent{}")
DISPLAY_NAME = fields("auth.display_name")
ENTITY_ID = fields("auth.entity_id")
POLICIES = fields("auth.policies{}")
TOKEN_POLICIES = fields("auth.token_policies{}")
TOKEN_TYPE = fields("auth.token_type")
ROLE_NAME = fields("auth.metadata.role_name")

OPERATIONS = {"read": "read", "list": "list", "create": "write", "update": "write",
              "delete": "delete"}
VAULT_API_MOUNTS = ("sys", "auth", "identity")
# Display-name prefixes of machine auth methods (principal_type service_account).
MACHINE_AUTH_PREFIXES = ("approle", "kubernetes", "aws-", "gcp-", "azure-", "cert-", "jwt-")
# Display names that name only the machine auth method, not the client that logged in.
MACHINE_AUTH_METHODS = ("approle", "kubernetes", "aws", "gcp", "azure", "cert", "jwt")


def recognizes(event: EventFields) -> bool:
    if not event.get(PATH):
        return False
    return event.get(ENTRY_TYPE) in ("request", "response") or bool(
        event.get(DISPLAY_NAME) or event.get(ENTITY_ID) or event.get(TOKEN_TYPE)
    )


def _caller(event: EventFields) -> Tuple[str, str]:
    """Return (principal, principal_type)."""
    display_name = event.get(DISPLAY_NAME).lower()
    principal = display_name or event.get(ENTITY_ID)
    role = event.get(ROLE_NAME).lower()
    if role and display_name in MACHINE_AUTH_METHODS:
        principal = f"{display_name}:{role}"
    if not principal:
        return "", "unknown"
    if "root" in event.values(POLICIES) or "root" in event.values(TOKEN_POLICIES):
        return principal, "root"
    if display_name == "token" or display_name.startswith("token-"):
        return principal, "token"
    if display_name in MACHINE_AUTH_METHODS or display_name.startswith(MACHINE_AUTH_PREFIXES):
        return principal, "service_account"
    return principal, "user"


def _locate(event: EventFields) -> Tuple[str, str, bool]:
    """Split the request path into (mount, path inside the mount, is KV v2 metadata).

    Vault's own API (sys/, auth/, identity/) has no mount and no secret: its first path
    segment decides, not the mount point (an AppRole login's is `auth/approle/`).
    """
    path = event.get(PATH).lstrip("/")
    if path.partition("/")[0] in VAULT_API_MOUNTS:
        return "", "", False
    mount_point = event.get(MOUNT_POINT).strip("/")
    if mount_point and path.startswith(mount_point + "/"):
        mount, inner = mount_point, path[len(mount_point) + 1:]
    else:
        mount, _, inner = path.partition("/")
    metadata = False
    if event.get(MOUNT_TYPE) in ("kv", ""):
        section, _, rest = inner.partition("/")
        if section in ("data", "metadata"):
            inner, metadata = rest, section == "metadata"
    return mount, inner.rstrip("/"), metadata


def normalize(event: EventFields) -> Normalized:
    principal, principal_type = _caller(event)
    mount, inner, metadata = _locate(event)
    verb = event.get(OPERATION).lower()
    operation = OPERATIONS.get(verb, "none")
    if not mount or event.get(ENTRY_TYPE) == "request":
        operation = "none"
    elif operation == "read" and metadata:
        operation = "list"
    namespace = event.get(NAMESPACE_PATH).strip("/") or event.get(NAMESPACE_ID)
    return observed(
        platform=PLATFORM,
        vendor_product=VENDOR_PRODUCT,
        principal=principal,
        principal_type=principal_type,
        principal_session=event.get(ENTITY_ID),
        principal_account=namespace,
        secret_operation=operation,
        secret=(inner,) if inner else (),
        secret_store=f"vault:{mount}" if mount else "",
        action="failure" if event.get(ERROR) else "success",
        src=event.get(REMOTE_ADDRESS),
        command=verb,
        vendor_account=namespace,
        user_agent=event.get(USER_AGENT),
    )
