"""The output schema of the cloudsecrets command: field names, value sets, result type.

Every record the command returns carries all of OUTPUT_FIELDS, in this order, with
an empty string where a field does not apply (splunklib and splunkd take a chunk's
columns from its header, so a field missing from some records would be dropped).

Fields that always hold a value from their documented set, whatever the input:
`platform` (Unknown when no platform is recognised), `principal_type` (unknown when no
principal can be derived) and `secret_operation` (none for anything that is not a
secret operation). `account_type` and `account_type_rule` are empty exactly when
`principal` is; `action` is empty only for platform Unknown; `cross_account` is
`true`/`false` on AWS when both accounts are known, and empty otherwise.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

PLATFORMS = ("AWS", "GCP", "Azure", "Vault", "Unknown")
PRINCIPAL_TYPES = (
    "user",
    "role",
    "service_account",
    "application",
    "root",
    "aws_service",
    "aws_account",
    "federated_user",
    "token",
    "unknown",
)
ACCOUNT_TYPES = ("High-Privilege", "Service-Account", "Standard-User")
DEFAULT_ACCOUNT_TYPE = "Standard-User"
DEFAULT_RULE = "default"
# `permission`: a change to who may read secrets (a resource policy, an IAM policy on a
# secret, a Key Vault access policy or role assignment, a Vault ACL policy).
SECRET_OPERATIONS = ("read", "list", "describe", "write", "delete", "permission", "none")
ACTIONS = ("success", "failure")
OBJECT_CATEGORY = "secret"


class Normalized(NamedTuple):
    """One record's normalized view. Multivalue fields (`secret`, `object`) are tuples."""

    platform: str = "Unknown"
    vendor_product: str = ""
    principal: str = ""
    principal_type: str = "unknown"
    principal_role: str = ""
    principal_session: str = ""
    principal_account: str = ""
    cross_account: str = ""
    account_type: str = ""
    account_type_rule: str = ""
    secret_operation: str = "none"
    secret: Tuple[str, ...] = ()
    secret_store: str = ""
    action: str = ""
    src: str = ""
    # CIM Change data model aliases, derived from the fields above by observed().
    user: str = ""
    user_type: str = ""
    object: Tuple[str, ...] = ()
    object_category: str = ""
    command: str = ""
    status: str = ""
    vendor_account: str = ""
    vendor_region: str = ""
    user_agent: str = ""


OUTPUT_FIELDS: Tuple[str, ...] = Normalized._fields
MULTIVALUE_FIELDS = ("secret", "object")
UNKNOWN = Normalized()


def observed(
    *,
    platform: str,
    vendor_product: str,
    principal: str,
    principal_type: str,
    action: str,
    command: str,
    principal_role: str = "",
    principal_session: str = "",
    principal_account: str = "",
    cross_account: str = "",
    secret_operation: str = "none",
    secret: Tuple[str, ...] = (),
    secret_store: str = "",
    src: str = "",
    vendor_account: str = "",
    vendor_region: str = "",
    user_agent: str = "",
) -> Normalized:
    """Build a result from what a platform normalizer saw, deriving the CIM aliases.

    The account type is filled in later, by the rules (see `classified`).
    """
    return Normalized(  # positional: this runs once per event
        platform, vendor_product, principal, principal_type if principal else "unknown",
        principal_role, principal_session, principal_account, cross_account, "", "",
        secret_operation, secret, secret_store, action, src,
        principal, "", secret, OBJECT_CATEGORY if secret_operation != "none" else "",
        command, action, vendor_account, vendor_region, user_agent)


_ACCOUNT_TYPE = OUTPUT_FIELDS.index("account_type")
_USER_TYPE = OUTPUT_FIELDS.index("user_type")


def classified(result: Normalized, account_type: str, rule: str) -> Normalized:
    """Return `result` with its account type, the rule that decided it and `user_type`.

    Built by slicing rather than `_replace`, which costs twice as much per event.
    """
    return Normalized(*result[:_ACCOUNT_TYPE], account_type, rule,
                      *result[_ACCOUNT_TYPE + 2:_USER_TYPE], account_type,
                      *result[_USER_TYPE + 1:])
