"""Azure Key Vault normalization (AuditEvent and Activity log), row by row of the contract."""

from __future__ import annotations

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
    ("https://prodvault.vault.azure.net/keys/signing/1", (), "azure:prodvault"),
])
def test_secret_names_and_vault(normalize, object_id, secrets, store):
    result = normalize(audit_event(object_id=object_id))
    assert (result.secret, result.secret_store) == (secrets, store)


def test_activity_log_secret_from_resource_id(normalize):
    result = normalize(activity("MICROSOFT.KEYVAULT/VAULTS/SECRETS/GETSECRET/ACTION", "a@b.c"))
    assert (result.secret, result.secret_store) == (("api-token",), "azure:secvault")
    assert (result.vendor_account, result.vendor_region) == ("abc", "westeurope")


@pytest.mark.parametrize(("result_type", "status", "action"), [
    ("Success", 200, "success"), ("Success", 401, "failure"), ("Success", 403, "failure"),
    ("Failure", 200, "failure"), ("Failed", None, "failure"), ("Succeeded", None, "success"),
])
def test_outcome(normalize, result_type, status, action):
    assert normalize(audit_event(status=status, result_type=result_type)).action == action


def test_subscription_source_and_agent(normalize):
    result = normalize(audit_event())
    assert result.vendor_account == "0f0e0d0c-1111-2222-3333-444455556666"
    assert (result.src, result.user_agent) == ("192.0.2.10", "azsdk-python-keyvault/4.8")
