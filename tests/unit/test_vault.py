"""HashiCorp Vault audit log normalization, row by row of the contract's tables."""

from __future__ import annotations

import pytest


def audit(path="secret/data/apps/web/db", operation="read", kind="response", display="approle",
          policies=("default", "web"), mount_type="kv", error=None, **request):
    entry = {
        "time": "2025-01-01T00:00:00Z", "type": kind,
        "auth": {"display_name": display, "policies": list(policies),
                 "entity_id": "e-123", "token_type": "service",
                 "client_token": "hmac-sha256:abc"},
        "request": {"id": "r-1", "operation": operation, "mount_type": mount_type, "path": path,
                    "namespace": {"id": "root"}, "remote_address": "10.1.2.3", **request},
    }
    if display is None:
        del entry["auth"]["display_name"]
    if error:
        entry["error"] = error
    return entry


OPERATIONS = [
    # (path, operation, type, mount_type, secret_operation, secret, store)
    ("secret/data/apps/web/db", "read", "response", "kv", "read", ("apps/web/db",),
     "vault:secret"),
    ("secret/data/apps/web/db", "read", "request", "kv", "none", ("apps/web/db",),
     "vault:secret"),
    ("secret/metadata/apps/", "list", "response", "kv", "list", ("apps",), "vault:secret"),
    ("secret/metadata/apps/web/db", "read", "response", "kv", "list", ("apps/web/db",),
     "vault:secret"),
    ("kv1/team/token", "read", "response", "kv", "read", ("team/token",), "vault:kv1"),
    ("database/creds/readonly", "read", "response", "database", "read", ("readonly",),
     "vault:database"),
    ("secret/data/apps/web/db", "create", "response", "kv", "write", ("apps/web/db",),
     "vault:secret"),
    ("secret/data/apps/web/db", "update", "response", "kv", "write", ("apps/web/db",),
     "vault:secret"),
    ("secret/data/apps/web/db", "delete", "response", "kv", "delete", ("apps/web/db",),
     "vault:secret"),
    ("secret/data/apps/web/db", "help", "response", "kv", "none", ("apps/web/db",),
     "vault:secret"),
    ("sys/capabilities-self", "update", "response", "system", "none", (), ""),
    ("auth/approle/login", "update", "response", "approle", "none", (), ""),
    ("identity/entity/id/e-1", "read", "response", "identity", "none", (), ""),
]


@pytest.mark.parametrize(("path", "verb", "kind", "mount_type", "operation", "secret", "store"),
                         OPERATIONS, ids=[f"{o[2]}-{o[1]}-{o[0]}" for o in OPERATIONS])
def test_operations_and_secret_paths(normalize, path, verb, kind, mount_type, operation, secret,
                                     store):
    result = normalize(audit(path, verb, kind, mount_type=mount_type))
    assert (result.platform, result.vendor_product) == ("Vault", "HashiCorp Vault")
    assert (result.secret_operation, result.secret, result.secret_store) == (
        operation, secret, store)
    assert result.command == verb


@pytest.mark.parametrize(("path", "verb", "mount_point", "mount_type"), [
    # Vault logs the auth mount as the mount point of its own API: the path decides.
    ("auth/approle/login", "update", "auth/approle/", "approle"),
    ("auth/token/lookup-self", "read", "auth/token/", "token"),
    ("auth/kubernetes/login", "update", "auth/kubernetes/", "kubernetes"),
    ("sys/mounts", "read", "sys/", "system"),
    ("identity/entity/id/e-1", "read", "identity/", "identity"),
    ("/auth/token/lookup-self", "read", "", ""),
])
def test_vault_api_paths_are_none_whatever_the_mount_point(normalize, path, verb, mount_point,
                                                           mount_type):
    result = normalize(audit(path, verb, mount_type=mount_type, mount_point=mount_point))
    assert (result.secret_operation, result.secret, result.secret_store) == ("none", (), "")
    assert result.object_category == ""


@pytest.mark.parametrize(("path", "mount_point", "mount_type", "secret", "store", "operation"), [
    ("kv/data/auth/x", "kv/", "kv", ("auth/x",), "vault:kv", "read"),
    ("auth-kv/app", "auth-kv/", "kv", ("app",), "vault:auth-kv", "read"),
    ("secret/data/apps/db", "secret/", "", ("apps/db",), "vault:secret", "read"),
    ("secret/metadata/apps/db", "secret/", "kv", ("apps/db",), "vault:secret", "list"),
    ("pki/issue/web", "pki/", "pki", ("web",), "vault:pki", "read"),
    ("kv2/data/app", "other/", "kv", ("app",), "vault:kv2", "read"),
    ("", "", "kv", (), "", "none"),
])
def test_secret_engine_paths(normalize, path, mount_point, mount_type, secret, store,
                             operation):
    result = normalize(audit(path, "read", mount_type=mount_type, mount_point=mount_point))
    assert (result.secret, result.secret_store, result.secret_operation) == (
        secret, store, operation)


APPROLE_CLIENTS = [
    # (display name, auth.metadata, principal, principal type)
    ("approle", {"role_name": "Billing-API"}, "approle:billing-api", "service_account"),
    ("approle", {"role_name": "web"}, "approle:web", "service_account"),
    ("approle", {}, "approle", "service_account"),
    ("kubernetes", {"role_name": "payments"}, "kubernetes:payments", "service_account"),
    ("jwt", {"role_name": "ci"}, "jwt:ci", "service_account"),
    ("kubernetes-payments-api", {"role_name": "payments"}, "kubernetes-payments-api",
     "service_account"),
    ("oidc-alice", {"role_name": "default"}, "oidc-alice", "user"),
]


@pytest.mark.parametrize(("display", "metadata", "principal", "kind"), APPROLE_CLIENTS,
                         ids=[f"{c[0]}-{c[2]}" for c in APPROLE_CLIENTS])
def test_machine_auth_clients_are_distinct_principals(normalize, display, metadata, principal,
                                                      kind):
    record = audit(display=display)
    record["auth"]["metadata"] = metadata
    result = normalize(record)
    assert (result.principal, result.principal_type) == (principal, kind)


def test_two_approle_clients_are_two_principals(normalize):
    first, second = audit(), audit()
    first["auth"]["metadata"] = {"role_name": "web"}
    second["auth"]["metadata"] = {"role_name": "batch"}
    assert normalize(first).principal != normalize(second).principal


def test_an_approle_client_with_the_root_policy_is_root(normalize):
    record = audit(policies=("root",))
    record["auth"]["metadata"] = {"role_name": "web"}
    assert (normalize(record).principal, normalize(record).principal_type) == (
        "approle:web", "root")


def test_token_policies_holding_root_make_root(normalize):
    record = audit(policies=())
    record["auth"]["token_policies"] = ["default", "root"]
    assert normalize(record).principal_type == "root"


def test_mount_point_when_vault_logs_it(normalize):
    record = audit("team/kv/data/app/key", mount_point="team/kv/")
    result = normalize(record)
    assert (result.secret, result.secret_store) == (("app/key",), "vault:team/kv")


PRINCIPALS = [
    ("root policy", "root", ("root",), "root", "root"),
    ("plain token", "token", ("default",), "token", "token"),
    ("token with accessor", "token-375f9cb3-runner", ("app",), "token-375f9cb3-runner", "token"),
    ("approle", "approle", ("web",), "approle", "service_account"),
    ("kubernetes", "kubernetes-payments-api", ("k8s",), "kubernetes-payments-api",
     "service_account"),
    ("aws iam", "aws-deployer", ("ci",), "aws-deployer", "service_account"),
    ("jwt", "jwt-github", ("ci",), "jwt-github", "service_account"),
    ("oidc person lowercased", "OIDC-Alice", ("default",), "oidc-alice", "user"),
    ("userpass person", "userpass-bob", ("default",), "userpass-bob", "user"),
    ("entity id when no display name", None, ("default",), "e-123", "user"),
]


@pytest.mark.parametrize(("display", "policies", "principal", "kind"),
                         [p[1:] for p in PRINCIPALS], ids=[p[0] for p in PRINCIPALS])
def test_principals(normalize, display, policies, principal, kind):
    result = normalize(audit(display=display, policies=policies))
    assert (result.principal, result.principal_type) == (principal, kind)
    assert (result.principal_session, result.principal_account) == ("e-123", "root")


@pytest.mark.parametrize(("error", "action"), [
    ("permission denied", "failure"), ("1 error occurred:\n\t* permission denied\n\n", "failure"),
    (None, "success")])
def test_outcome_from_error(normalize, error, action):
    assert normalize(audit(error=error)).action == action


def test_source_and_namespace_path(normalize):
    record = audit()
    record["request"]["namespace"] = {"id": "Xy12", "path": "team-a/"}
    result = normalize(record)
    assert (result.src, result.principal_account, result.vendor_account) == (
        "10.1.2.3", "team-a", "team-a")


def test_hmac_values_are_never_output(normalize):
    result = normalize(audit())
    assert not any("hmac-sha256" in str(value) for value in result)


@pytest.mark.parametrize(("record", "platform"), [
    ({"type": "response", "request": {"path": "secret/data/x", "operation": "read"}}, "Vault"),
    ({"type": "request", "request": {"path": "secret/data/x", "operation": "read"}}, "Vault"),
    ({"auth": {"display_name": "approle"}, "request": {"path": "secret/x"}}, "Vault"),
    ({"auth": {"entity_id": "e-1"}, "request": {"path": "secret/x"}}, "Vault"),
    ({"auth": {"token_type": "service"}, "request": {"path": "secret/x"}}, "Vault"),
    ({"type": "other", "request": {"path": "secret/x"}}, "Unknown"),
    ({"type": "response", "request": {"operation": "read"}}, "Unknown"),
])
def test_what_marks_a_vault_audit_entry(normalize, record, platform):
    assert normalize(record).platform == platform


def test_no_display_name_and_no_entity_is_no_principal(normalize):
    record = audit(display=None)
    del record["auth"]["entity_id"]
    result = normalize(record)
    assert (result.principal, result.principal_type, result.account_type) == ("", "unknown", "")


@pytest.mark.parametrize(("path", "mount_point", "mount_type", "secret", "store"), [
    ("X-team/app", "", "kv", ("app",), "vault:X-team"),
    ("team/X/app", "team/X/", "kv", ("app",), "vault:team/X"),
    ("database/data/x", "", "database", ("data/x",), "vault:database"),
    ("secret/data/apps/boX", "", "kv", ("apps/boX",), "vault:secret"),
    ("secret/data/apps/dir/", "", "kv", ("apps/dir",), "vault:secret"),
    ("kv1/boX", "", "kv", ("boX",), "vault:kv1"),
    ("kv1/dir/", "", "kv", ("dir",), "vault:kv1"),
])
def test_paths_are_split_at_slashes_only(normalize, path, mount_point, mount_type, secret, store):
    result = normalize(audit(path, mount_type=mount_type, mount_point=mount_point))
    assert (result.secret, result.secret_store) == (secret, store)


def test_namespace_path_and_user_agent(normalize):
    record = audit()
    record["request"]["namespace"] = {"id": "n1", "path": "X-team/"}
    record["request"]["headers"] = {"user-agent": ["vault-cli/1.15"]}
    result = normalize(record)
    assert (result.principal_account, result.user_agent) == ("X-team", "vault-cli/1.15")


# -- permission: ACL policy writes ---------------------------------------------------------
# Entries follow the Vault audit device page (request: operation, mount_type, mount_point,
# path, data HMAC'd, remote_address) for the ACL policy endpoints of the sys/policy and
# sys/policies/acl API pages (create or update the named policy).
def policy_write(path="sys/policies/acl/app-admin", operation="update", kind="response"):
    entry = audit(path, operation, kind, display="oidc-mallory", mount_type="system",
                  mount_point="sys/")
    entry["request"]["data"] = {"policy": "hmac-sha256:5f0c"}
    return entry


@pytest.mark.parametrize("shape", ["root", "_raw"])
@pytest.mark.parametrize("path", ["sys/policies/acl/app-admin", "sys/policy/app-admin",
                                  "/sys/policy/app-admin", "sys/policy/X"])
@pytest.mark.parametrize("operation", ["create", "update"])
def test_an_acl_policy_write_is_permission_on_vault_sys(normalize_as, path, operation, shape):
    result = normalize_as(policy_write(path, operation), shape)
    assert (result.platform, result.secret_operation, result.secret_store) == (
        "Vault", "permission", "vault:sys")
    assert (result.secret, result.principal, result.command, result.object_category) == (
        (), "oidc-mallory", operation, "secret")


def test_the_request_line_of_a_policy_write_does_not_count_twice(normalize):
    result = normalize(policy_write(kind="request"))
    assert (result.secret_operation, result.secret_store) == ("none", "vault:sys")


# Near misses: other verbs on policies, other policy kinds, other sys/ writes.
@pytest.mark.parametrize(("path", "operation"), [
    ("sys/policies/acl/app-admin", "delete"),
    ("sys/policies/acl/app-admin", "read"),
    ("sys/policies/acl", "list"),
    ("sys/policies/acl/", "update"),
    ("sys/policy", "update"),
    ("sys/policy/", "update"),
    ("sys/policy//", "update"),  # no name, however many slashes
    ("sys/policies/password/strong", "update"),
    ("sys/policies/egp/business-hours", "update"),
    ("sys/policies/rgp/team", "update"),
    ("sys/mounts/newkv", "update"),
    ("sys/auth/userpass", "update"),
    ("sys/capabilities-self", "update"),
])
def test_other_sys_calls_are_not_permission(normalize, path, operation):
    result = normalize(policy_write(path, operation))
    assert (result.secret_operation, result.secret, result.secret_store) == ("none", (), "")


# -- the second set of real logs: calls that hand out a credential -------------------------
CREDENTIALS = [
    # (path, operation, mount_type, secret, store)
    ("database/creds/readonly", "read", "database", "readonly", "vault:database"),
    ("aws/creds/deploy", "read", "aws", "deploy", "vault:aws"),
    ("aws/creds/deploy", "update", "aws", "deploy", "vault:aws"),
    ("aws/sts/deploy", "update", "aws", "deploy", "vault:aws"),
    ("aws/sts/deploy", "read", "", "deploy", "vault:aws"),
    ("aws-prod/sts/deploy", "update", "aws", "deploy", "vault:aws-prod"),
    ("internal-ca/issue/internal-server", "update", "pki", "internal-server",
     "vault:internal-ca"),
    ("pki_int/sign/web", "update", "pki", "web", "vault:pki_int"),
    ("pki/issue/web", "create", "", "web", "vault:pki"),
    ("ssh/sign/ops", "update", "ssh", "ops", "vault:ssh"),
    ("ssh/creds/otp", "update", "ssh", "otp", "vault:ssh"),
    ("rabbitmq/creds/app/", "read", "rabbitmq", "app", "vault:rabbitmq"),
    ("database/creds/readonly", "read", "", "readonly", "vault:database"),
]


@pytest.mark.parametrize("shape", ["root", "_raw"])
@pytest.mark.parametrize(("path", "operation", "mount_type", "secret", "store"), CREDENTIALS,
                         ids=[f"{c[1]}-{c[0]}-{c[2] or 'untyped'}" for c in CREDENTIALS])
def test_a_call_that_hands_out_a_credential_is_a_read_of_the_role(
        normalize_as, path, operation, mount_type, secret, store, shape):
    result = normalize_as(audit(path, operation, mount_type=mount_type), shape)
    assert (result.secret_operation, result.secret, result.secret_store) == (
        "read", (secret,), store)


def test_the_request_line_of_a_credential_names_the_role_without_counting(normalize):
    result = normalize(audit("database/creds/readonly", "read", "request",
                             mount_type="database"))
    assert (result.secret_operation, result.secret) == ("none", ("readonly",))


# Near misses: the same words where they hand out nothing.
@pytest.mark.parametrize(("path", "operation", "mount_type", "expected", "secret"), [
    ("transit/sign/my-key", "update", "transit", "write", "sign/my-key"),  # signs data
    ("secret/creds/db", "read", "kv", "read", "creds/db"),  # a KV v1 folder named creds
    ("secret/data/creds/db", "read", "kv", "read", "creds/db"),
    ("kv/sts/deploy", "read", "kv", "read", "sts/deploy"),
    ("database/sts/x", "read", "database", "read", "sts/x"),
    ("pki/issue/", "update", "pki", "write", "issue"),  # no role named
    ("database/roles/readonly", "update", "database", "write", "roles/readonly"),
    ("database/creds/readonly", "delete", "database", "delete", "readonly"),
    ("database/creds/readonly", "help", "database", "none", "readonly"),
])
def test_credential_words_where_they_hand_out_nothing(normalize, path, operation, mount_type,
                                                      expected, secret):
    result = normalize(audit(path, operation, mount_type=mount_type))
    assert (result.secret_operation, result.secret) == (expected, (secret,))


# -- the second set of real logs: Vault's own API and listings -----------------------------

@pytest.mark.parametrize(("path", "operation", "mount_type"), [
    ("auth/userpass/login/bob", "update", "userpass"),
    ("auth/approle/login", "update", "approle"),
    ("auth/userpass/users/bob", "create", "userpass"),
    ("auth/approle/role/web/secret-id", "update", "approle"),
    ("auth/token/create", "update", "token"),
    ("auth/token/revoke-self", "update", "token"),
    ("identity/entity", "update", "identity"),
    ("identity/entity/id/e-1", "delete", "identity"),
    ("sys/mounts/newkv", "create", "system"),
    ("sys/policies/acl/app-admin", "delete", "system"),
    ("sys/leases/revoke", "update", "system"),
])
def test_writes_to_vaults_own_api_are_none(normalize, path, operation, mount_type):
    result = normalize(audit(path, operation, mount_type=mount_type))
    assert (result.secret_operation, result.secret, result.secret_store) == ("none", (), "")


@pytest.mark.parametrize("shape", ["root", "_raw"])
@pytest.mark.parametrize(("path", "mount_type", "secret", "store"), [
    ("secret/metadata/apps/", "kv", ("apps",), "vault:secret"),
    ("secret/metadata/apps/web/", "kv", ("apps/web",), "vault:secret"),
    ("secret/metadata/", "kv", (), "vault:secret"),  # the mount's root names no secret
    ("secret/metadata", "kv", (), "vault:secret"),
    ("kv1/team/", "kv", ("team",), "vault:kv1"),
    ("kv1/", "kv", (), "vault:kv1"),
    ("database/roles/", "database", ("roles",), "vault:database"),
])
def test_a_listing_names_the_folder_without_its_trailing_slash(normalize_as, path, mount_type,
                                                               secret, store, shape):
    result = normalize_as(audit(path, "list", mount_type=mount_type), shape)
    assert (result.secret_operation, result.secret, result.secret_store) == (
        "list", secret, store)
