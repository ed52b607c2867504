"""Google Cloud Audit Log normalization, row by row of the contract's tables."""

from __future__ import annotations

import pytest

SERVICE = "google.cloud.secretmanager.v1.SecretManagerService"


def audit_entry(method=f"{SERVICE}.AccessSecretVersion", email="Dev@Example.com",
                resource="projects/prod-1/secrets/db-password/versions/latest", **payload):
    proto = {"serviceName": "secretmanager.googleapis.com", "methodName": method,
             "resourceName": resource,
             "requestMetadata": {"callerIp": "203.0.113.9",
                                 "callerSuppliedUserAgent": "google-cloud-sdk gcloud/466.0.0"}}
    if email is not None:
        proto["authenticationInfo"] = {"principalEmail": email}
    proto.update(payload)
    return {"protoPayload": proto, "resource": {"labels": {"project_id": "prod-1"}},
            "logName": "projects/prod-1/logs/cloudaudit.googleapis.com%2Fdata_access"}


METHODS = [
    ("AccessSecretVersion", "read"), ("ListSecrets", "list"), ("ListSecretVersions", "list"),
    ("GetSecret", "describe"), ("GetSecretVersion", "describe"), ("GetIamPolicy", "describe"),
    ("CreateSecret", "write"), ("AddSecretVersion", "write"), ("UpdateSecret", "write"),
    ("EnableSecretVersion", "write"), ("DisableSecretVersion", "write"),
    ("SetIamPolicy", "permission"), ("DeleteSecret", "delete"),
    ("DestroySecretVersion", "delete"),
    ("TestIamPermissions", "none"),
]


@pytest.mark.parametrize(("method", "operation"), METHODS, ids=[m[0] for m in METHODS])
@pytest.mark.parametrize("version", ["v1", "v1beta1", "v1beta2"])
def test_secret_manager_methods_of_any_api_version(normalize, method, operation, version):
    full = f"google.cloud.secretmanager.{version}.SecretManagerService.{method}"
    result = normalize(audit_entry(full))
    assert (result.platform, result.vendor_product) == ("GCP", "Google Cloud Secret Manager")
    assert (result.secret_operation, result.command) == (operation, full)


@pytest.mark.parametrize(("service", "method", "vendor_product"), [
    ("compute.googleapis.com", "v1.compute.instances.list", "Google Compute Engine"),
    ("iamcredentials.googleapis.com", "GenerateAccessToken",
     "Google Cloud IAM Service Account Credentials"),
    ("example.googleapis.com", "DoThing", "Google Cloud example"),
])
def test_other_services_are_named_and_not_secret_operations(normalize, service, method,
                                                            vendor_product):
    record = audit_entry(method, resource="projects/prod-1")
    record["protoPayload"]["serviceName"] = service
    result = normalize(record)
    assert (result.vendor_product, result.secret_operation) == (vendor_product, "none")
    assert (result.secret, result.secret_store) == ((), "")


PRINCIPALS = [
    ("person lowercased", {"principalEmail": "Dev@Example.com"}, "dev@example.com", "user", "",
     ""),
    ("service account", {"principalEmail": "ci@prod-1.iam.gserviceaccount.com"},
     "ci@prod-1.iam.gserviceaccount.com", "service_account", "prod-1", ""),
    ("default compute account", {"principalEmail": "1234-compute@developer.gserviceaccount.com"},
     "1234-compute@developer.gserviceaccount.com", "service_account", "1234", ""),
    ("app engine account", {"principalEmail": "prod-1@appspot.gserviceaccount.com"},
     "prod-1@appspot.gserviceaccount.com", "service_account", "prod-1", ""),
    ("google service agent", {
        "principalEmail": "service-987@gcp-sa-secretmanager.iam.gserviceaccount.com"},
     "service-987@gcp-sa-secretmanager.iam.gserviceaccount.com", "service_account", "987", ""),
    ("workload identity subject", {
        "principalSubject": "principal://iam.googleapis.com/projects/555/locations/global/"
                            "workloadIdentityPools/gh/subject/repo:org/app"},
     "principal://iam.googleapis.com/projects/555/locations/global/workloadIdentityPools/gh/"
     "subject/repo:org/app", "service_account", "555", ""),
    ("impersonation", {
        "principalEmail": "deployer@prod-1.iam.gserviceaccount.com",
        "serviceAccountDelegationInfo": [
            {"firstPartyPrincipal": {"principalEmail": "Alice@Example.com"}}]},
     "deployer@prod-1.iam.gserviceaccount.com", "service_account", "prod-1",
     "alice@example.com"),
    ("no authenticationInfo", {}, "", "unknown", "", ""),
]


@pytest.mark.parametrize(("authentication", "principal", "kind", "account", "session"),
                         [p[1:] for p in PRINCIPALS], ids=[p[0] for p in PRINCIPALS])
def test_principal(normalize, authentication, principal, kind, account, session):
    record = audit_entry(email=None)
    if authentication:
        record["protoPayload"]["authenticationInfo"] = authentication
    result = normalize(record)
    assert (result.principal, result.principal_type) == (principal, kind)
    assert (result.principal_account, result.principal_session) == (account, session)


@pytest.mark.parametrize(("resource", "secrets", "store"), [
    ("projects/prod-1/secrets/db-password/versions/latest", ("db-password",), "gcp:prod-1"),
    ("projects/123456/secrets/api-key/versions/7", ("api-key",), "gcp:123456"),
    ("projects/prod-1/locations/europe-west1/secrets/regional/versions/1", ("regional",),
     "gcp:prod-1"),
    ("projects/prod-1/secrets/db-password", ("db-password",), "gcp:prod-1"),
    ("projects/prod-1", (), "gcp:prod-1"),
])
def test_secret_names_and_store(normalize, resource, secrets, store):
    result = normalize(audit_entry(resource=resource))
    assert (result.secret, result.secret_store) == (secrets, store)


def test_request_name_when_resource_name_is_absent(normalize):
    record = audit_entry(resource="")
    record["protoPayload"]["request"] = {"name": "projects/p2/secrets/s2/versions/latest"}
    assert (normalize(record).secret, normalize(record).secret_store) == (("s2",), "gcp:p2")


@pytest.mark.parametrize(("status", "action"), [
    ({"code": 7, "message": "PERMISSION_DENIED"}, "failure"), ({"code": 5}, "failure"),
    ({"code": 0}, "success"), ({}, "success"), (None, "success")])
def test_outcome_from_status_code(normalize, status, action):
    extra = {"status": status} if status is not None else {}
    assert normalize(audit_entry(**extra)).action == action


def test_source_agent_and_vendor_fields(normalize):
    result = normalize(audit_entry())
    assert (result.src, result.user_agent) == ("203.0.113.9", "google-cloud-sdk gcloud/466.0.0")
    assert result.vendor_account == "prod-1"


def bare(**proto):
    """A LogEntry with only the given protoPayload fields (no resource labels, no logName)."""
    return {"protoPayload": proto}


@pytest.mark.parametrize("subject", [
    "principal://iam.googleapis.com/projects/12/locations/global/workloadIdentityPools/p/subject/s",
    "principalSet://iam.googleapis.com/projects/12/locations/global/workloadIdentityPools/p/*",
    "principalset://iam.googleapis.com/projects/12/locations/global/workloadIdentityPools/p/*",
])
def test_workload_identity_subjects_are_service_accounts(normalize, subject):
    record = bare(methodName=f"{SERVICE}.AccessSecretVersion",
                  authenticationInfo={"principalSubject": subject})
    result = normalize(record)
    assert (result.principal, result.principal_type, result.principal_account) == (
        subject, "service_account", "12")


@pytest.mark.parametrize(("proto", "product", "operation"), [
    # The method alone marks Secret Manager; the service alone does too (bare method).
    ({"methodName": f"{SERVICE}.AccessSecretVersion"}, "Google Cloud Secret Manager", "read"),
    ({"serviceName": "secretmanager.googleapis.com", "methodName": "AccessSecretVersion"},
     "Google Cloud Secret Manager", "read"),
    ({"methodName": "SomeService.Method"}, "Google Cloud", "none"),
    ({"serviceName": "example.googleapis.com"}, "Google Cloud example", "none"),
])
def test_either_marker_alone(normalize, proto, product, operation):
    result = normalize(bare(**proto))
    assert (result.platform, result.vendor_product, result.secret_operation) == (
        "GCP", product, operation)


@pytest.mark.parametrize(("proto", "labels", "log_name", "store", "account", "region"), [
    # (protoPayload, resource.labels, logName) -> store, vendor_account, vendor_region
    ({"resourceName": "projects/p1/locations/us-east1/secrets/s"}, {}, "", "gcp:p1", "p1",
     "us-east1"),
    ({"resourceName": "projects/p1/secrets/s"}, {"project_id": "lab", "location": "eu"}, "",
     "gcp:p1", "lab", "eu"),
    ({"resourceName": "projects/p1/secrets/s/versions/3"}, {}, "", "gcp:p1", "p1", ""),
    ({"resourceName": "projects/p1/locations/l1", "request": {"name": "projects/p2/secrets/s"}},
     {}, "", "gcp:p1", "p1", "l1"),
    ({"request": {"parent": "projects/p2/locations/asia"}}, {}, "", "gcp:p2", "p2", "asia"),
    ({"request": {"parent": "projects/p2"}}, {}, "", "gcp:p2", "p2", ""),
    ({}, {"project_id": "p4"}, "projects/p5/logs/cloudaudit.googleapis.com%2Fdata_access",
     "gcp:p4", "p4", ""),
    ({}, {}, "projects/p5/logs/cloudaudit.googleapis.com%2Fdata_access", "gcp:p5", "p5", ""),
    ({}, {}, "organizations/1/logs/x", "", "", ""),
])
def test_store_account_and_region(normalize, proto, labels, log_name, store, account, region):
    record = bare(methodName=f"{SERVICE}.ListSecrets", **proto)
    if labels:
        record["resource"] = {"labels": labels}
    if log_name:
        record["logName"] = log_name
    result = normalize(record)
    assert (result.secret_store, result.vendor_account, result.vendor_region) == (
        store, account, region)


def test_other_services_name_no_secret(normalize):
    record = bare(serviceName="compute.googleapis.com", methodName="v1.compute.instances.get",
                  resourceName="projects/p/secrets/looks-like-one")
    result = normalize(record)
    assert (result.vendor_product, result.secret, result.secret_store) == (
        "Google Compute Engine", (), "")


# -- permission: SetIamPolicy on a secret --------------------------------------------------
# Entries follow the LogEntry and AuditLog reference of Cloud Audit Logs (authorizationInfo
# with resource, permission and granted; request and response as their @type) and the
# Secret Manager audit logging page (SetIamPolicy is an Admin Activity entry, checked by
# the permission secretmanager.secrets.setIamPolicy).
SET_POLICY_REQUEST = {
    "@type": "type.googleapis.com/google.iam.v1.SetIamPolicyRequest",
    "resource": "projects/prod-1/secrets/db-password",
    "policy": {"bindings": [{"role": "roles/secretmanager.secretAccessor",
                             "members": ["user:mallory@example.com"]}]},
}


def set_iam_policy(version="v1", granted=True, **payload):
    entry = audit_entry(f"google.cloud.secretmanager.{version}.SecretManagerService.SetIamPolicy",
                        email="Mallory@Example.com",
                        resource="projects/prod-1/secrets/db-password",
                        request=SET_POLICY_REQUEST,
                        authorizationInfo=[{"resource": "projects/prod-1/secrets/db-password",
                                            "permission": "secretmanager.secrets.setIamPolicy",
                                            "granted": granted}], **payload)
    entry["logName"] = "projects/prod-1/logs/cloudaudit.googleapis.com%2Factivity"
    return entry


@pytest.mark.parametrize("shape", ["root", "data.", "_raw"])
@pytest.mark.parametrize("version", ["v1", "v1beta1", "v1beta2"])
def test_set_iam_policy_on_a_secret_is_permission(normalize_as, version, shape):
    result = normalize_as(set_iam_policy(version), shape)
    assert (result.platform, result.vendor_product, result.secret_operation) == (
        "GCP", "Google Cloud Secret Manager", "permission")
    assert (result.secret, result.secret_store, result.principal, result.action) == (
        ("db-password",), "gcp:prod-1", "mallory@example.com", "success")
    assert (result.src, result.object_category) == ("203.0.113.9", "secret")


def test_the_iam_request_names_the_secret_when_the_resource_name_is_absent(normalize):
    entry = set_iam_policy()
    del entry["protoPayload"]["resourceName"]
    del entry["resource"]
    result = normalize(entry)
    assert (result.secret_operation, result.secret, result.secret_store) == (
        "permission", ("db-password",), "gcp:prod-1")


def test_set_iam_policy_logged_under_the_iam_interface_of_secret_manager(normalize):
    entry = set_iam_policy()
    entry["protoPayload"]["methodName"] = "google.iam.v1.IAMPolicy.SetIamPolicy"
    assert normalize(entry).secret_operation == "permission"


# Near misses: SetIamPolicy of other services (a project, a bucket, a key, a service
# account) is no secret operation.
@pytest.mark.parametrize(("service", "method", "resource"), [
    ("cloudresourcemanager.googleapis.com", "SetIamPolicy", "projects/prod-1"),
    ("storage.googleapis.com", "storage.setIamPermissions", "projects/_/buckets/prod-backups"),
    ("cloudkms.googleapis.com", "SetIamPolicy",
     "projects/prod-1/locations/global/keyRings/r/cryptoKeys/k"),
    ("iam.googleapis.com", "google.iam.admin.v1.SetIAMPolicy",
     "projects/-/serviceAccounts/ci@prod-1.iam.gserviceaccount.com"),
    ("pubsub.googleapis.com", "google.iam.v1.IAMPolicy.SetIamPolicy",
     "projects/prod-1/topics/secrets"),
])
def test_set_iam_policy_of_other_services_is_not_permission(normalize, service, method,
                                                            resource):
    entry = set_iam_policy()
    entry["protoPayload"].update(serviceName=service, methodName=method, resourceName=resource)
    entry["protoPayload"]["request"] = {**SET_POLICY_REQUEST, "resource": resource}
    result = normalize(entry)
    assert (result.secret_operation, result.secret, result.secret_store) == ("none", (), "")


# -- the second set of real logs: outcome and source ---------------------------------------

@pytest.mark.parametrize(("authorization", "status", "action"), [
    ([{"permission": "secretmanager.versions.access", "granted": False}], None, "failure"),
    ([{"permission": "a", "granted": True}, {"permission": "b", "granted": False}], None,
     "failure"),
    ([{"permission": "a", "granted": True}], None, "success"),
    ([{"permission": "a", "granted": True}], {"code": 0}, "success"),
    ([{"permission": "a"}], None, "success"),  # no verdict written: nothing denied
    ([{"permission": "a", "granted": True}], {"code": 7}, "failure"),
])
@pytest.mark.parametrize("shape", ["root", "data.", "_raw"])
def test_a_permission_check_that_was_not_granted_is_a_failure(normalize_as, authorization,
                                                              status, action, shape):
    extra = {"status": status} if status is not None else {}
    entry = audit_entry(authorizationInfo=authorization, **extra)
    assert normalize_as(entry, shape).action == action


@pytest.mark.parametrize("shape", ["root", "data.", "_raw"])
@pytest.mark.parametrize("key", ["callerIp", "callerIP", "CallerIP"])
def test_the_caller_address_key_in_any_case(normalize_as, key, shape):
    entry = audit_entry()
    entry["protoPayload"]["requestMetadata"] = {key: "198.51.100.20"}
    assert normalize_as(entry, shape).src == "198.51.100.20"


def test_a_persons_address_never_names_a_project(normalize):
    """Mutation survivor (build.py mutate gcp): only subjects (principal://...) are searched
    for a project; an e-mail address may hold a "/projects/<p>/" of its own."""
    record = audit_entry(email="ops/projects/123/x@example.com")
    result = normalize(record)
    assert (result.principal_type, result.principal_account) == ("user", "")
