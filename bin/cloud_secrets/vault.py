"""HashiCorp Vault audit device entries (JSON lines, `type` request or response).

Input shapes handled (names as Splunk extracts the JSON, `auth.policies{}` multivalue):
- entries recognised by `request.path` together with `type` or an `auth.` field, from
  file, socket or syslog audit devices;
- every call is logged twice, as a request line and a response line: only response
  lines carry a secret operation, request lines are none, so each call counts once;
- `request.operation` read, list, create, update and delete on secret engines; paths
  under sys/, auth/ and identity/ are Vault's own API, not secrets (none, logins and
  writes included). The first segment of `request.path` decides this, whatever
  `request.mount_point` says: Vault logs `auth/approle/` as the mount point of an
  AppRole login;
- ACL policy writes (create or update of `sys/policy/<name>` or
  `sys/policies/acl/<name>`) change who may read secrets: operation permission, store
  `vault:sys` (the policy's paths are in its HMAC'd body, so no mount can be named);
- KV version 2 paths `<mount>/data/<path>` (reads) and `<mount>/metadata/<path>`
  (listing); the mount comes from `request.mount_point` when Vault logs it, else from
  the first path segment; a listed folder is named without its trailing `/` (the
  mount's root names no secret);
- calls that hand out a credential are reads of the role they name: dynamic secrets
  `<mount>/creds/<role>` (not on KV mounts, where `creds` is a folder), PKI
  `<mount>/issue/<role>` and `<mount>/sign/<role>` (SSH `sign` too, not Transit's,
  which signs data), AWS `<mount>/sts/<role>`;
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

from typing import NamedTuple, Tuple

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
# ACL policy endpoints (old and new API), and the store a policy change is reported on.
POLICY_PATHS = ("sys/policy/", "sys/policies/acl/")
POLICY_STORE = "sys"
POLICY_WRITES = ("create", "update")
# `<mount>/<section>/<role>` hands out a credential on these mount types ("" when Vault
# did not log the type: the path alone decides). None: any type but the KV-like ones.
CREDENTIAL_SECTIONS = {"creds": None, "issue": ("pki", ""), "sign": ("pki", "ssh", ""),
                       "sts": ("aws", "")}
KV_MOUNT_TYPES = ("kv", "cubbyhole")
# Verbs by which a credential is handed out (GET or POST, depending on the engine).
CREDENTIAL_VERBS = ("read", "create", "update")
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


class _Target(NamedTuple):
    """What a request path names: the mount, the secret inside it, and how it is used."""

    mount: str = ""
    secret: str = ""
    kind: str = "plain"  # or "metadata" (KV v2), "credential", "policy"


def _names_a_policy(path: str) -> bool:
    """Whether `path` is one ACL policy's endpoint (not the listing of them all)."""
    return any(path.startswith(prefix) and path[len(prefix):].rstrip("/")
               for prefix in POLICY_PATHS)


def _locate(event: EventFields, verb: str) -> _Target:
    """Split the request path into its mount, the secret inside it and its kind.

    Vault's own API (sys/, auth/, identity/) has no mount and no secret: its first path
    segment decides, not the mount point (an AppRole login's is `auth/approle/`). ACL
    policy writes are the exception: they are reported on the `sys` store.
    """
    path = event.get(PATH).lstrip("/")
    if path.partition("/")[0] in VAULT_API_MOUNTS:
        if verb in POLICY_WRITES and _names_a_policy(path):
            return _Target(POLICY_STORE, "", "policy")
        return _Target()
    mount_point = event.get(MOUNT_POINT).strip("/")
    if mount_point and path.startswith(mount_point + "/"):
        mount, inner = mount_point, path[len(mount_point) + 1:]
    else:
        mount, _, inner = path.partition("/")
    mount_type = event.get(MOUNT_TYPE)
    section, _, rest = inner.partition("/")
    rest = rest.rstrip("/")
    if mount_type in ("kv", "") and section in ("data", "metadata"):
        return _Target(mount, rest, "metadata" if section == "metadata" else "plain")
    if section in CREDENTIAL_SECTIONS and rest:
        types = CREDENTIAL_SECTIONS[section]
        if (mount_type in types) if types else (mount_type not in KV_MOUNT_TYPES):
            return _Target(mount, rest, "credential")
    return _Target(mount, inner.rstrip("/"))


def normalize(event: EventFields) -> Normalized:
    principal, principal_type = _caller(event)
    verb = event.get(OPERATION).lower()
    target = _locate(event, verb)
    if not target.mount or event.get(ENTRY_TYPE) == "request":
        operation = "none"  # Vault's own API; request lines (the response line counts)
    elif target.kind == "policy":
        operation = "permission"
    elif target.kind == "credential" and verb in CREDENTIAL_VERBS:
        operation = "read"
    else:
        operation = OPERATIONS.get(verb, "none")
        if operation == "read" and target.kind == "metadata":
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
        secret=(target.secret,) if target.secret else (),
        secret_store=f"vault:{target.mount}" if target.mount else "",
        action="failure" if event.get(ERROR) else "success",
        src=event.get(REMOTE_ADDRESS),
        command=verb,
        vendor_account=namespace,
        user_agent=event.get(USER_AGENT),
    )
