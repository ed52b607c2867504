"""Azure Key Vault normalization (AuditEvent and Activity log), row by row of the contract."""

from __future__ import annotations

import json

import pytest

RESOURCE = ("/SUBSCRIPTIONS/0F0E0D0C-1111-2222-3333-444455556666/RESOURCEGROUPS/RG/PROVIDERS/"
            "MICROSOFT.KEYVAULT/VAULTS/PRODVAULT")
URI_UPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
URI_OID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
URI_TID = "http://schemas.microsoft.com/identity/claims/tenantid"


def audit_event(operation="SecretGet", claims=None, object_id=None, status=200,
                result_type="Success"):
    return {
        "time": "2025-03-01T10:00:00Z", "resourceId": RESOURCE, "operationName": operation,
        "category": "AuditEvent", "resultType": result_type, "callerIpAddress": "192.0.2.10",
        "identity": {"claim": claims if claims is not None else {"upn": "Ops@Contoso.com",
                                                                  "tid": "TENANT-1"}},
        "properties": {"id": object_id or "https://prodvault.vault.azure.net/secrets/db-pass/abc",
                       "httpStatusCode": status, "clientInfo": "azsdk-python-keyvault/4.8"},
    }


def activity(operation, caller=None, claims=None, resource_suffix="/secrets/api-token"):
    record = {"operationName": operation, "category": "Administrative", "resultType": "Success",
              "resourceId": "/subscriptions/abc/resourceGroups/rg/providers/Microsoft.KeyVault/"
                            "vaults/SecVault" + resource_suffix,
              "callerIpAddress": "198.51.100.4", "location": "westeurope"}
    if caller:
        record["caller"] = caller
    if claims:
        record["identity"] = {"claims": claims}
    return record


AUDIT_OPERATIONS = [
    ("SecretGet", "read"), ("SecretBackup", "read"), ("SecretGetDeleted", "read"),
    ("SecretList", "list"), ("SecretListVersions", "list"), ("SecretListDeleted", "list"),
    ("VaultGet", "describe"), ("KeyGet", "describe"), ("KeyList", "describe"),
    ("CertificateGet", "describe"), ("CertificatePolicyGet", "describe"),
    ("SecretSet", "write"), ("SecretUpdate", "write"), ("SecretRestore", "write"),
    ("SecretRecover", "write"), ("KeyCreate", "write"), ("SecretDelete", "delete"),
    ("SecretPurge", "delete"), ("KeyDelete", "delete"), ("KeyDecrypt", "none"),
    ("KeyUnwrap", "none"), ("KeySign", "none"), ("Authentication", "none"),
    # Names that contain another verb: looked up whole, never by substring.
    ("KeyListDeleted", "describe"), ("KeyGetDeleted", "describe"),
    ("CertificateListDeleted", "describe"), ("CertificateGetDeleted", "describe"),
    ("KeyListVersions", "describe"), ("KeyBackup", "describe"), ("KeyRecover", "write"),
    ("KeyPurge", "delete"), ("KeyRestore", "write"), ("KeyImport", "write"),
    ("KeyUpdate", "write"), ("KeyRotate", "write"), ("KeyEncrypt", "none"),
    ("KeyVerify", "none"), ("KeyWrap", "none"), ("KeyRelease", "none"),
    ("CertificateList", "describe"), ("CertificateListVersions", "describe"),
    ("CertificateBackup", "describe"), ("CertificateIssuerGet", "describe"),
    ("CertificateContactsGet", "describe"), ("CertificatePendingGet", "describe"),
    ("CertificateCreate", "write"), ("CertificateImport", "write"),
    ("CertificateUpdate", "write"), ("CertificateRecover", "write"),
    ("CertificateRestore", "write"), ("CertificatePolicyUpdate", "write"),
    ("CertificateIssuerSet", "write"), ("CertificatePendingMerge", "write"),
    ("CertificateDelete", "delete"), ("CertificatePurge", "delete"),
    ("CertificateIssuerDelete", "delete"), ("CertificatePendingDelete", "delete"),
    ("VaultList", "describe"), ("VaultGetDeleted", "describe"),
    ("VaultListDeleted", "describe"), ("VaultPut", "write"), ("VaultPatch", "write"),
    ("VaultRecover", "write"), ("VaultDelete", "delete"), ("VaultPurge", "delete"),
    ("SecretNearExpiryEventGridNotification", "none"), ("KeyListDeletedSoon", "none"),
    ("secretget", "none"),
]


@pytest.mark.parametrize(("operation", "expected"), AUDIT_OPERATIONS,
                         ids=[o[0] for o in AUDIT_OPERATIONS])
def test_audit_event_operations(normalize, operation, expected):
    result = normalize(audit_event(operation))
    assert (result.platform, result.vendor_product) == ("Azure", "Azure Key Vault")
    assert (result.secret_operation, result.command) == (expected, operation)


ACTIVITY_OPERATIONS = [
    ("MICROSOFT.KEYVAULT/VAULTS/SECRETS/GETSECRET/ACTION", "read"),
    ("Microsoft.KeyVault/vaults/secrets/getSecret/action", "read"),
    ("MICROSOFT.KEYVAULT/VAULTS/SECRETS/BACKUP/ACTION", "read"),
    ("MICROSOFT.KEYVAULT/VAULTS/SECRETS/READ", "describe"),
    ("MICROSOFT.KEYVAULT/VAULTS/SECRETS/WRITE", "write"),
    ("MICROSOFT.KEYVAULT/VAULTS/SECRETS/RECOVER/ACTION", "write"),
    ("MICROSOFT.KEYVAULT/VAULTS/SECRETS/DELETE", "delete"),
    ("MICROSOFT.KEYVAULT/VAULTS/SECRETS/PURGE/ACTION", "delete"),
    ("MICROSOFT.KEYVAULT/VAULTS/KEYS/READ/ACTION", "describe"),
    ("MICROSOFT.KEYVAULT/VAULTS/CERTIFICATES/READ", "describe"),
    ("MICROSOFT.KEYVAULT/VAULTS/KEYS/WRITE", "write"),
    ("MICROSOFT.KEYVAULT/VAULTS/READ", "describe"),
    ("MICROSOFT.KEYVAULT/VAULTS/DELETE", "delete"),
    ("MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE", "permission"),
    ("Microsoft.KeyVault/vaults/accessPolicies/write", "permission"),
    ("MICROSOFT.KEYVAULT/VAULTS/WRITE", "write"),
]


@pytest.mark.parametrize(("operation", "expected"), ACTIVITY_OPERATIONS,
                         ids=[o[0] for o in ACTIVITY_OPERATIONS])
def test_activity_log_operations(normalize, operation, expected):
    result = normalize(activity(operation, caller="admin@contoso.com"))
    assert (result.vendor_product, result.secret_operation) == ("Azure Key Vault", expected)


def test_other_azure_services_are_named_and_not_secret_operations(normalize):
    record = activity("MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION", caller="a@b.c",
                      resource_suffix="")
    record["resourceId"] = "/subscriptions/abc/resourceGroups/rg/providers/Microsoft.Storage/x"
    result = normalize(record)
    assert (result.platform, result.vendor_product, result.secret_operation) == (
        "Azure", "Azure Storage", "none")


CALLERS = [
    ("short upn", {"upn": "Ops@Contoso.com", "tid": "T1"}, "ops@contoso.com", "user", "", "t1"),
    ("uri upn", {URI_UPN: "Ops@Contoso.com", URI_TID: "T2"}, "ops@contoso.com", "user", "", "t2"),
    ("service principal by oid", {"oid": "9F0A", "appid": "APP-1"}, "9f0a", "application",
     "app-1", ""),
    ("managed identity by uri oid", {URI_OID: "AB12", "appid": "APP-2"}, "ab12", "application",
     "app-2", ""),
    ("app id only", {"appid": "APP-3"}, "app-3", "application", "app-3", ""),
    ("no identity", {}, "", "unknown", "", ""),
]


@pytest.mark.parametrize(("claims", "principal", "kind", "session", "tenant"),
                         [c[1:] for c in CALLERS], ids=[c[0] for c in CALLERS])
def test_audit_event_callers(normalize, claims, principal, kind, session, tenant):
    result = normalize(audit_event(claims=claims))
    assert (result.principal, result.principal_type) == (principal, kind)
    assert (result.principal_session, result.principal_account) == (session, tenant)


@pytest.mark.parametrize(("caller", "claims", "principal", "kind"), [
    ("Admin@Contoso.com", None, "admin@contoso.com", "user"),
    ("5c4b3a29-1111-2222-3333-444455556666", None, "5c4b3a29-1111-2222-3333-444455556666",
     "application"),
    (None, {"appid": "12345678-abcd"}, "12345678-abcd", "application"),
])
def test_activity_log_callers(normalize, caller, claims, principal, kind):
    result = normalize(activity("MICROSOFT.KEYVAULT/VAULTS/SECRETS/GETSECRET/ACTION", caller,
                                claims))
    assert (result.principal, result.principal_type) == (principal, kind)


@pytest.mark.parametrize(("object_id", "secrets", "store"), [
    ("https://prodvault.vault.azure.net/secrets/db-pass/0123", ("db-pass",), "azure:prodvault"),
    ("https://ProdVault.vault.azure.net/secrets/db-pass", ("db-pass",), "azure:prodvault"),
    ("https://govvault.vault.usgovcloudapi.net/secrets/s1/v", ("s1",), "azure:govvault"),
    ("https://prodvault.vault.azure.net/secrets", (), "azure:prodvault"),
    ("https://prodvault.vault.azure.net/deletedsecrets/old-pass", ("old-pass",),
     "azure:prodvault"),
    ("https://prodvault.vault.azure.net/deletedsecrets/old-pass/v2?api-version=7.4",
     ("old-pass",), "azure:prodvault"),
    ("https://prodvault.vault.azure.net/deletedsecrets", (), "azure:prodvault"),
    ("https://prodvault.vault.azure.net/SECRETS/Upper/1", ("Upper",), "azure:prodvault"),
    ("http://prodvault.vault.azure.net/secrets/plain", (), "azure:prodvault"),  # resourceId
    ("https://prodvault.vault.azure.net/storage/x", (), "azure:prodvault"),
])
def test_secret_names_and_vault(normalize, object_id, secrets, store):
    result = normalize(audit_event(object_id=object_id))
    assert (result.secret, result.secret_store) == (secrets, store)


# The contract: `<name>` from `https://<vault>.vault.azure.net/(secrets|deletedsecrets)/<name>
# (/<version>)?` "(keys and certificates alike)": keys and certificates are named by the same
# rule, with or without a version, deleted ones included.
@pytest.mark.parametrize(("operation", "object_id", "secrets"), [
    ("KeyGet", "https://prodvault.vault.azure.net/keys/signing", ("signing",)),
    ("KeyGet", "https://prodvault.vault.azure.net/keys/signing/0a1b2c", ("signing",)),
    ("KeyGetDeleted", "https://prodvault.vault.azure.net/deletedkeys/old-key", ("old-key",)),
    ("KeyRecover", "https://prodvault.vault.azure.net/deletedkeys/old-key/9f?api-version=7.4",
     ("old-key",)),
    ("CertificateGet", "https://prodvault.vault.azure.net/certificates/tls", ("tls",)),
    ("CertificateGet", "https://prodvault.vault.azure.net/certificates/tls/7e", ("tls",)),
    ("CertificateGetDeleted", "https://prodvault.vault.azure.net/deletedcertificates/tls",
     ("tls",)),
    ("CertificatePurge", "https://prodvault.vault.azure.net/deletedcertificates/tls/7e",
     ("tls",)),
    ("KeyDecrypt", "https://prodvault.vault.azure.net/keys/wrap/3/decrypt", ("wrap",)),
    # Nothing names an object: the vault itself, and listings of a kind.
    ("VaultGet", "https://prodvault.vault.azure.net/", ()),
    ("KeyList", "https://prodvault.vault.azure.net/keys", ()),
    ("KeyList", "https://prodvault.vault.azure.net/keys?api-version=7.4", ()),
    ("KeyListDeleted", "https://prodvault.vault.azure.net/deletedkeys/?maxresults=25", ()),
    ("CertificateList", "https://prodvault.vault.azure.net/certificates", ()),
    # Issuers and contacts are vault settings under certificates/, not certificates.
    ("CertificateIssuerGet", "https://prodvault.vault.azure.net/certificates/issuers/digi", ()),
    ("CertificateContactsGet", "https://prodvault.vault.azure.net/certificates/contacts", ()),
])
def test_key_and_certificate_names(normalize, operation, object_id, secrets):
    result = normalize(audit_event(operation, object_id=object_id))
    assert (result.secret, result.secret_store) == (secrets, "azure:prodvault")


@pytest.mark.parametrize(("operation", "suffix", "secret_operation", "secrets"), [
    ("MICROSOFT.KEYVAULT/VAULTS/KEYS/READ/ACTION", "/keys/encryption-key", "describe",
     ("encryption-key",)),
    ("MICROSOFT.KEYVAULT/VAULTS/KEYS/WRITE", "/keys/encryption-key/v1", "write",
     ("encryption-key",)),
    ("MICROSOFT.KEYVAULT/VAULTS/CERTIFICATES/READ", "/certificates/ssl-cert", "describe",
     ("ssl-cert",)),
    ("MICROSOFT.KEYVAULT/VAULTS/CERTIFICATES/DELETE", "/deletedcertificates/ssl-cert",
     "delete", ("ssl-cert",)),
    ("MICROSOFT.KEYVAULT/VAULTS/READ", "", "describe", ()),
    ("MICROSOFT.KEYVAULT/VAULTS/KEYS/READ", "/keys", "describe", ()),
])
def test_activity_log_key_and_certificate_from_resource_id(normalize, operation, suffix,
                                                           secret_operation, secrets):
    result = normalize(activity(operation, "a@b.c", resource_suffix=suffix))
    assert (result.secret_operation, result.secret, result.secret_store) == (
        secret_operation, secrets, "azure:secvault")


def test_activity_log_secret_from_resource_id(normalize):
    result = normalize(activity("MICROSOFT.KEYVAULT/VAULTS/SECRETS/GETSECRET/ACTION", "a@b.c"))
    assert (result.secret, result.secret_store) == (("api-token",), "azure:secvault")
    assert (result.vendor_account, result.vendor_region) == ("abc", "westeurope")


@pytest.mark.parametrize(("result_type", "status", "action"), [
    ("Success", 200, "success"), ("Success", 401, "failure"), ("Success", 403, "failure"),
    ("Success", 400, "failure"), ("Success", 399, "success"), ("Success", "OK", "success"),
    ("Started", None, "success"), ("Accept", None, "success"), ("accepted", None, "success"),
    ("Start", None, "success"), ("success", None, "success"), ("", 201, "success"),
    ("Failure", 200, "failure"), ("Failed", None, "failure"), ("Succeeded", None, "success"),
])
def test_outcome(normalize, result_type, status, action):
    assert normalize(audit_event(status=status, result_type=result_type)).action == action


def test_subscription_source_and_agent(normalize):
    result = normalize(audit_event())
    assert result.vendor_account == "0f0e0d0c-1111-2222-3333-444455556666"
    assert (result.src, result.user_agent) == ("192.0.2.10", "azsdk-python-keyvault/4.8")


def test_outcome_from_the_status_code_property(normalize):
    record = audit_event()
    del record["properties"]["httpStatusCode"]
    record["properties"]["statusCode"] = "404"
    assert normalize(record).action == "failure"


def test_a_request_uri_names_the_secret_when_the_id_does_not(normalize):
    record = audit_event(object_id="not-a-url")
    record["properties"]["requestUri"] = ("https://prodvault.vault.azure.net/deletedsecrets/"
                                          "gone?api-version=7.4")
    result = normalize(record)
    assert (result.secret, result.secret_store) == (("gone",), "azure:prodvault")


def activity_event_schema(operation, status="Succeeded", caller="Admin@Contoso.com",
                          claims=None, resource_suffix="/secrets/api-token"):
    """An Activity log record in the event schema (Activity Log REST API, exports)."""
    resource = ("/subscriptions/abc/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/"
                "SecVault" + resource_suffix)
    return {
        "authorization": {"action": operation, "scope": resource},
        "caller": caller, "channels": "Operation",
        "claims": claims if claims is not None else {URI_UPN: caller, "appid": "APP-9",
                                                     URI_TID: "TENANT-9"},
        "correlationId": "c-1", "eventTimestamp": "2025-03-01T10:00:00.1Z",
        "category": {"value": "Administrative", "localizedValue": "Administrative"},
        "httpRequest": {"clientRequestId": "r-1", "clientIpAddress": "203.0.113.9",
                        "method": "POST"},
        "level": "Informational", "resourceGroupName": "rg",
        "resourceProviderName": {"value": "Microsoft.KeyVault"},
        "resourceId": resource,
        "operationName": {"value": operation, "localizedValue": "Get secret"},
        "status": {"value": status, "localizedValue": status},
        "subStatus": {"value": "", "localizedValue": ""},
        "subscriptionId": "abc", "tenantId": "TENANT-9",
    }


def test_activity_event_schema_secret_read(normalize):
    result = normalize(activity_event_schema(
        "Microsoft.KeyVault/vaults/secrets/getSecret/action"))
    assert (result.platform, result.vendor_product, result.secret_operation) == (
        "Azure", "Azure Key Vault", "read")
    assert (result.principal, result.principal_type, result.principal_account) == (
        "admin@contoso.com", "user", "tenant-9")
    assert (result.secret, result.secret_store, result.action) == (
        ("api-token",), "azure:secvault", "success")
    assert (result.src, result.vendor_account, result.command) == (
        "203.0.113.9", "abc", "Microsoft.KeyVault/vaults/secrets/getSecret/action")


@pytest.mark.parametrize(("status", "action"), [
    ("Succeeded", "success"), ("Started", "success"), ("Accepted", "success"),
    ("Failed", "failure")])
def test_activity_event_schema_status(normalize, status, action):
    record = activity_event_schema("MICROSOFT.KEYVAULT/VAULTS/SECRETS/READ", status=status)
    assert normalize(record).action == action


def test_activity_event_schema_application_caller(normalize):
    record = activity_event_schema("MICROSOFT.KEYVAULT/VAULTS/SECRETS/GETSECRET/ACTION",
                                   caller="5C4B3A29-0000", claims={URI_OID: "5C4B3A29-0000",
                                                                   "appid": "APP-9"})
    result = normalize(record)
    assert (result.principal, result.principal_type, result.principal_session) == (
        "5c4b3a29-0000", "application", "app-9")


@pytest.mark.parametrize("operation", [o for o, _ in ACTIVITY_OPERATIONS])
def test_both_activity_shapes_give_the_same_answer(normalize, operation):
    """One recognition path: the flat shape and the event schema agree field by field."""
    flat = activity(operation, claims={URI_UPN: "Admin@Contoso.com", "appid": "APP-9",
                                       URI_TID: "TENANT-9"})
    flat["callerIpAddress"] = "203.0.113.9"
    flat["location"] = ""
    flat["resultType"] = "Succeeded"
    from_flat = normalize(flat)
    from_schema = normalize(activity_event_schema(operation))
    assert from_flat == from_schema


def test_activity_event_schema_under_event_hub_body(engine):
    """The engine strips body. for the event schema as for the flat shape."""
    import json

    from devkit.splunkd import extract_json

    record = {"body": activity_event_schema("MICROSOFT.KEYVAULT/VAULTS/SECRETS/GETSECRET/ACTION")}
    result = engine.normalize_record(extract_json(json.dumps(record)))
    assert (result.platform, result.secret_operation, result.secret) == (
        "Azure", "read", ("api-token",))


def test_activity_event_schema_deleted_secret_resource(normalize):
    record = activity_event_schema("MICROSOFT.KEYVAULT/VAULTS/SECRETS/PURGE/ACTION",
                                   resource_suffix="/deletedsecrets/old")
    result = normalize(record)
    assert (result.secret_operation, result.secret) == ("delete", ("old",))


def test_an_activity_upn_caller_has_no_session(normalize):
    result = normalize(activity("MICROSOFT.KEYVAULT/VAULTS/SECRETS/GETSECRET/ACTION",
                                caller="Admin@Contoso.com"))
    assert (result.principal, result.principal_session) == ("admin@contoso.com", "")


@pytest.mark.parametrize("operation", [
    "MICROSOFT.KEYVAULT/LOCATIONS/OPERATIONRESULTS/READ",
    "MICROSOFT.KEYVAULT/VAULTS/SECRETS/UNKNOWNVERB/ACTION",
    "MICROSOFT.KEYVAULT/REGISTER/ACTION",
])
def test_key_vault_activity_operations_outside_the_tables_are_none(normalize, operation):
    result = normalize(activity(operation, caller="a@b.c"))
    assert (result.vendor_product, result.secret_operation, result.object_category) == (
        "Azure Key Vault", "none", "")


def test_the_operation_names_the_provider_when_there_is_no_resource_id(normalize):
    record = activity("MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION", caller="a@b.c")
    del record["resourceId"]
    result = normalize(record)
    assert (result.vendor_product, result.secret_operation) == ("Azure Storage", "none")


@pytest.mark.parametrize(("operation", "product", "secret_operation", "secrets"), [
    ("SecretGet", "Azure Key Vault", "read", ("db-pass",)),
    ("SomethingElse", "Azure", "none", ()),
])
def test_without_a_provider_a_key_vault_operation_decides(normalize, operation, product,
                                                          secret_operation, secrets):
    record = audit_event(operation)
    record["resourceId"] = "/subscriptions/abc"
    result = normalize(record)
    assert (result.platform, result.vendor_product, result.secret_operation, result.secret) == (
        "Azure", product, secret_operation, secrets)


def test_a_provider_with_two_dots_keeps_its_tail(normalize):
    record = activity("Custom", caller="a@b.c")
    record["resourceId"] = "/subscriptions/abc/providers/Microsoft.Foo.Bar/x"
    assert normalize(record).vendor_product == "Azure Foo.bar"


def test_an_operation_with_a_resource_id_and_no_category_is_azure(normalize):
    record = audit_event()
    del record["category"]
    result = normalize(record)
    assert (result.platform, result.secret_operation) == ("Azure", "read")


@pytest.mark.parametrize(("operation", "resource_id", "object_id", "store", "account"), [
    ("SecretGet", "/subscriptions/abc", "not-a-url", "", "abc"),
    ("SecretGet", "/tenants/t1/x", "not-a-url", "", ""),
    ("MICROSOFT.STORAGE/STORAGEACCOUNTS/READ", "/subscriptions/abc/providers/Microsoft.Storage/x",
     "https://prodvault.vault.azure.net/secrets/x", "", "abc"),
])
def test_no_store_without_a_vault_or_outside_key_vault(normalize, operation, resource_id,
                                                        object_id, store, account):
    record = audit_event(operation, object_id=object_id)
    record["resourceId"] = resource_id
    result = normalize(record)
    assert (result.secret_store, result.vendor_account, result.secret) == (store, account, ())


# -- permission: access policies and role assignments of a vault ---------------------------
# Activity log records follow the "Azure Activity Log event schema" page: the
# diagnostic-settings shape (storage account and Event Hubs) through activity(), the
# REST API and export shape through activity_event_schema(). Resource logs follow the Key
# Vault logging page (AuditEvent fields) with the access-policy change objects that Azure
# Monitor's Key Vault tables show for VaultPatch (addedAccessPolicy_ObjectId_g,
# removedAccessPolicy_Permissions_secrets_s, ...).
ACCESS_POLICY_WRITES = ["MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE",
                        "Microsoft.KeyVault/vaults/accessPolicies/write",
                        "microsoft.keyvault/vaults/accesspolicies/write"]


@pytest.mark.parametrize("suffix", ["", "/accessPolicies/add"])
@pytest.mark.parametrize("operation", ACCESS_POLICY_WRITES)
def test_an_access_policy_write_is_permission_on_the_vault(normalize, operation, suffix):
    for record in (activity(operation, "Mallory@Contoso.com", resource_suffix=suffix),
                   activity_event_schema(operation, caller="Mallory@Contoso.com",
                                         resource_suffix=suffix)):
        result = normalize(record)
        assert (result.platform, result.vendor_product, result.secret_operation) == (
            "Azure", "Azure Key Vault", "permission")
        assert (result.secret, result.secret_store, result.principal, result.action) == (
            (), "azure:secvault", "mallory@contoso.com", "success")


@pytest.mark.parametrize("shape", ["root", "body.", "_raw"])
def test_an_access_policy_write_in_every_delivered_shape(normalize_as, shape):
    for record in (activity(ACCESS_POLICY_WRITES[0], "a@b.c", resource_suffix=""),
                   activity_event_schema(ACCESS_POLICY_WRITES[1], resource_suffix="")):
        result = normalize_as(record, shape)
        assert (result.secret_operation, result.secret_store) == ("permission", "azure:secvault")


def vault_change(operation="VaultPatch", changes=None):
    """A VaultPut/VaultPatch AuditEvent; `changes` go into its properties."""
    record = audit_event(operation, claims={URI_UPN: "Mallory@Contoso.com", URI_OID: "OID-M"},
                         object_id="https://prodvault.vault.azure.net/")
    record["properties"]["requestUri"] = (
        "https://management.azure.com/subscriptions/0f0e/resourceGroups/rg/providers/"
        "Microsoft.KeyVault/vaults/prodvault?api-version=2023-07-01")
    record["properties"].update(changes or {})
    return record


ADDED = {"addedAccessPolicy": {"ObjectId": "OID-M", "TenantId": "T1",
                               "Permissions": {"secrets": ["Get", "List"]}}}
REMOVED = {"removedAccessPolicy": {"ObjectId": "OID-X", "TenantId": "T1",
                                   "Permissions": {"secrets": ["Get"]}}}


@pytest.mark.parametrize("shape", ["root", "body.", "_raw"])
@pytest.mark.parametrize(("operation", "changes"), [
    ("VaultPatch", ADDED), ("VaultPatch", REMOVED), ("VaultPut", ADDED),
    ("VaultPatch", {"properties": ADDED}),  # under the vault's own properties
    ("VaultPatch", {"addedAccessPolicy": {"objectId": "oid-m"}}),  # either key case
])
def test_a_vault_write_that_changes_access_policies_is_permission(normalize_as, operation,
                                                                  changes, shape):
    result = normalize_as(vault_change(operation, changes), shape)
    assert (result.vendor_product, result.secret_operation, result.command) == (
        "Azure Key Vault", "permission", operation)
    assert (result.secret, result.secret_store, result.principal) == (
        (), "azure:prodvault", "mallory@contoso.com")


@pytest.mark.parametrize(("operation", "changes", "expected"), [
    # The real VaultPatch shape of a settings change: sku, network rules, deployment flags.
    ("VaultPatch", {"properties": {"sku": {"Family": "A", "Name": "Standard"},
                                   "networkAcls": {"bypass": "AzureServices"},
                                   "enabledForDeployment": True,
                                   "enableRbacAuthorization": False}}, "write"),
    ("VaultPut", {}, "write"),
    ("VaultPatch", {"addedAccessPolicy": {}}, "write"),  # nothing was added
    # Only a vault write changes access policies; other operations stay what they are.
    ("VaultGet", ADDED, "describe"),
    ("SecretGet", ADDED, "read"),
])
def test_vault_operations_without_an_access_policy_change(normalize, operation, changes,
                                                          expected):
    assert normalize(vault_change(operation, changes)).secret_operation == expected


def role_assignment(scope, operation="MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE",
                    schema=False):
    resource = scope + "/providers/Microsoft.Authorization/roleAssignments/7a1b-44"
    if schema:
        record = activity_event_schema(operation, caller="Mallory@Contoso.com")
        record["resourceProviderName"] = {"value": "Microsoft.Authorization"}
        record["authorization"] = {"action": operation, "scope": resource}
    else:
        record = activity(operation, "Mallory@Contoso.com")
    record["resourceId"] = resource
    return record


VAULT_SCOPE = "/subscriptions/abc/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/SecVault"


@pytest.mark.parametrize("schema", [False, True])
@pytest.mark.parametrize(("scope", "secrets"), [
    (VAULT_SCOPE, ()),
    (VAULT_SCOPE.upper(), ()),
    (VAULT_SCOPE + "/secrets/db-pass", ("db-pass",)),
    (VAULT_SCOPE + "/keys/signing", ("signing",)),
])
def test_a_role_assignment_scoped_to_a_vault_is_permission(normalize, scope, secrets, schema):
    result = normalize(role_assignment(scope, schema=schema))
    assert (result.vendor_product, result.secret_operation) == ("Azure Key Vault", "permission")
    assert (result.secret, result.secret_store, result.principal) == (
        secrets, "azure:secvault", "mallory@contoso.com")
    assert result.command == "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"


@pytest.mark.parametrize("shape", ["root", "body.", "_raw"])
def test_a_role_assignment_on_a_vault_in_every_delivered_shape(normalize_as, shape):
    for schema in (False, True):
        result = normalize_as(role_assignment(VAULT_SCOPE, schema=schema), shape)
        assert (result.secret_operation, result.secret_store) == ("permission", "azure:secvault")


def test_the_event_schemas_authorization_scope_names_the_vault(normalize):
    record = role_assignment(VAULT_SCOPE, "Microsoft.Authorization/roleAssignments/write",
                             schema=True)
    record["resourceId"] = ""
    result = normalize(record)
    assert (result.secret_operation, result.secret_store) == ("permission", "azure:secvault")


# Near misses: role assignments on other scopes, other verbs, other providers' writes.
@pytest.mark.parametrize(("scope", "operation"), [
    ("/subscriptions/abc/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa",
     "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"),
    ("/subscriptions/abc/resourceGroups/rg", "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"),
    ("/subscriptions/abc", "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"),
    # A scope that merely contains a vault's path is not the vault.
    ("/subscriptions/abc/resourceGroups/rg/providers/Microsoft.Web/sites/app/providers/"
     "Microsoft.KeyVault/vaults/SecVault/x", "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"),
    ("/subscriptions/abc/resourceGroups/rg/providers/Microsoft.KeyVault/managedHSMs/h",
     "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"),
    (VAULT_SCOPE, "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/DELETE"),
    (VAULT_SCOPE, "MICROSOFT.AUTHORIZATION/ROLEDEFINITIONS/WRITE"),
    (VAULT_SCOPE, "MICROSOFT.AUTHORIZATION/POLICYASSIGNMENTS/WRITE"),
    (VAULT_SCOPE, "MICROSOFT.AUTHORIZATION/LOCKS/WRITE"),
])
def test_other_authorization_changes_are_not_permission(normalize, scope, operation):
    result = normalize(role_assignment(scope, operation))
    assert (result.vendor_product, result.secret_operation, result.secret_store) == (
        "Azure Authorization", "none", "")


def test_a_role_assignment_id_alone_is_no_vault_scope(normalize):
    record = role_assignment(VAULT_SCOPE)
    record["resourceId"] = VAULT_SCOPE  # the vault itself, not an assignment on it
    assert normalize(record).secret_operation == "none"


# -- the second set of real logs: whole vaults, Managed HSMs, outcomes ---------------------

@pytest.mark.parametrize(("operation", "resource_id"), [
    ("MICROSOFT.KEYVAULT/VAULTS/DELETE", VAULT_SCOPE),
    ("Microsoft.KeyVault/vaults/delete", VAULT_SCOPE),
    ("MICROSOFT.KEYVAULT/LOCATIONS/DELETEDVAULTS/PURGE/ACTION",
     "/subscriptions/abc/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/SecVault"),
    ("Microsoft.KeyVault/locations/deletedVaults/purge/action",
     "/SUBSCRIPTIONS/ABC/PROVIDERS/MICROSOFT.KEYVAULT/LOCATIONS/WESTEUROPE/DELETEDVAULTS/SECVAULT"),
])
@pytest.mark.parametrize("shape", ["root", "body.", "_raw"])
def test_deleting_or_purging_a_whole_vault_is_delete_of_its_store(normalize_as, operation,
                                                                  resource_id, shape):
    for record in (activity(operation, "a@b.c"), activity_event_schema(operation)):
        record["resourceId"] = resource_id
        result = normalize_as(record, shape)
        assert (result.vendor_product, result.secret_operation) == ("Azure Key Vault", "delete")
        assert (result.secret, result.secret_store) == ((), "azure:secvault")


@pytest.mark.parametrize("shape", ["root", "body.", "_raw"])
def test_a_managed_hsm_get_describes_the_hsm(normalize_as, shape):
    record = audit_event("HSMGet", object_id="https://contosomhsm.managedhsm.azure.net/")
    record["resourceId"] = ("/SUBSCRIPTIONS/0F0E/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/"
                            "MANAGEDHSMS/CONTOSOMHSM")
    result = normalize_as(record, shape)
    assert (result.vendor_product, result.secret_operation, result.command) == (
        "Azure Key Vault", "describe", "HSMGet")
    assert (result.secret, result.secret_store) == ((), "azure:contosomhsm")


OUTCOMES = [
    # The contract: only Failure/Failed (any case) or an HTTP status of 400 and up fail.
    ("Success", "success"), ("Succeeded", "success"), ("Started", "success"),
    ("Start", "success"), ("Accepted", "success"), ("Active", "success"),
    ("Resolved", "success"), ("Canceled", "success"), ("", "success"),
    ("Failure", "failure"), ("Failed", "failure"), ("FAILED", "failure"),
    ("failure", "failure"),
]


@pytest.mark.parametrize(("status", "action"), OUTCOMES, ids=[o[0] or "empty" for o in OUTCOMES])
def test_outcome_in_every_record_shape(normalize, status, action):
    flat = activity("MICROSOFT.KEYVAULT/VAULTS/SECRETS/GETSECRET/ACTION", "a@b.c")
    flat["resultType"] = status
    assert normalize(flat).action == action
    assert normalize(activity_event_schema("MICROSOFT.KEYVAULT/VAULTS/SECRETS/READ",
                                           status=status)).action == action
    assert normalize(audit_event(result_type=status, status=200)).action == action


@pytest.mark.parametrize("shape", ["root", "body.", "_raw"])
@pytest.mark.parametrize("key", ["callerIpAddress", "CallerIpAddress", "callerIPAddress"])
def test_the_caller_address_key_in_any_case(normalize_as, key, shape):
    record = audit_event()
    del record["callerIpAddress"]
    record[key] = "198.51.100.30"
    assert normalize_as(record, shape).src == "198.51.100.30"


# Mutation survivors (build.py mutate azure): the other operations of soft-deleted vaults
# and of access policies are no secret operation.
@pytest.mark.parametrize("operation", [
    "MICROSOFT.KEYVAULT/LOCATIONS/DELETEDVAULTS/RECOVER/ACTION",
    "MICROSOFT.KEYVAULT/DELETEDVAULTS/WRITE",
    "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/DELETE",
    "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/READ",
])
def test_other_deleted_vault_and_access_policy_operations_are_none(normalize, operation):
    result = normalize(activity(operation, "a@b.c", resource_suffix=""))
    assert (result.vendor_product, result.secret_operation, result.object_category) == (
        "Azure Key Vault", "none", "")


# -- Managed HSM resource logs (the Managed HSM logging page's example entry) -------------
# Managed HSM writes `TenantId`, `requestUri`, `httpStatusCode` and `clientInfo` at the top
# level, and `identity` as JSON text whose claims' URI names are spelled with underscores.
HSM_RESOURCE = ("/SUBSCRIPTIONS/SUB-1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/"
                "MANAGEDHSMS/CONTOSOMHSM")


def hsm_event(operation="KeyGet", identity=None, status=200,
              uri="https://ContosoMHSM.managedhsm.azure.net/keys/signing-key/1"):
    claims = {"appid": "app-1",
              "http_schemas_microsoft_com_identity": {"claims": {"objectidentifier": "OID-1"}},
              "http_schemas_xmlsoap_org_ws_2005_05_identity": {
                  "claims": {"upn": "Admin@Contoso.com"}}}
    return {"TenantId": "TENANT-9", "time": "2020-08-31T19:52:39.763Z",
            "resourceId": HSM_RESOURCE, "operationName": operation, "category": "AuditEvent",
            "resultType": "Success", "callerIpAddress": "192.0.2.44",
            "identity": json.dumps({"claim": claims}) if identity is None else identity,
            "clientInfo": "azsdk-python-core/1.7.0", "httpStatusCode": status,
            "requestUri": uri}


@pytest.mark.parametrize("shape", ["root", "body.", "_raw"])
def test_a_managed_hsm_entry_names_its_caller_from_identity_text(normalize_as, shape):
    result = normalize_as(hsm_event(), shape)
    assert (result.platform, result.vendor_product, result.secret_operation) == (
        "Azure", "Azure Key Vault", "describe")
    assert (result.principal, result.principal_type, result.principal_account) == (
        "admin@contoso.com", "user", "tenant-9")
    assert (result.secret, result.secret_store) == (("signing-key",), "azure:contosomhsm")
    assert (result.user_agent, result.src, result.action) == (
        "azsdk-python-core/1.7.0", "192.0.2.44", "success")


def test_a_managed_hsm_application_caller_from_identity_text(normalize):
    identity = json.dumps({"claim": {"appid": "App-2", "http_schemas_microsoft_com_identity": {
        "claims": {"objectidentifier": "OID-2", "tenantid": "TENANT-2"}}}})
    result = normalize(hsm_event(identity=identity))
    assert (result.principal, result.principal_type, result.principal_session,
            result.principal_account) == ("oid-2", "application", "app-2", "tenant-2")


def test_a_managed_hsm_top_level_http_status_decides_the_outcome(normalize):
    assert normalize(hsm_event(status=403)).action == "failure"


@pytest.mark.parametrize("identity", ["{not json", '{"claim": ', "[]", '{"claim": "upn"}',
                                      "{" * 100000, "x" * 100000])
def test_identity_text_that_names_no_caller_leaves_it_unknown(normalize, identity):
    result = normalize(hsm_event(identity=identity))
    assert (result.platform, result.principal, result.principal_type) == ("Azure", "", "unknown")
    assert result.secret == ("signing-key",)


def test_a_number_in_identity_text_is_read_as_the_text_it_was_written_with(normalize):
    result = normalize(hsm_event(identity='{"claim": {"upn": 7}}'))
    assert (result.principal, result.principal_type) == ("7", "user")
