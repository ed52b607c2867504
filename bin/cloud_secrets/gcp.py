"""Google Cloud Audit Logs: Secret Manager calls and the identities that made them.

Input shapes handled (names as Splunk extracts a LogEntry; the engine strips `data.`):
- Cloud Audit Log entries whose `protoPayload` is an AuditLog, recognised by
  `protoPayload.serviceName` or `protoPayload.methodName`; services other than Secret
  Manager get a readable `vendor_product` and `secret_operation` none;
- Secret Manager methods `google.cloud.secretmanager.<version>.SecretManagerService.<M>`
  of any API version (v1, v1beta1, v1beta2), or a bare `<M>` when the service is
  secretmanager.googleapis.com;
- callers by `authenticationInfo.principalEmail` (people and service accounts), else
  `principalSubject` (workload identity federation: `principal://`, `principalSet://`);
  an impersonating caller in
  `serviceAccountDelegationInfo{}.firstPartyPrincipal.principalEmail`;
- resource names `projects/<p>/(locations/<l>/)?secrets/<s>(/versions/<v>)?` in
  `resourceName`, `request.name`, `request.parent` or `request.resource` (the IAM
  requests' field; the project may be a number);
- `SetIamPolicy` on a secret changes who may read it (operation permission);
  `SetIamPolicy` of other services (projects, buckets) is none like all their methods;
- `status.code` other than 0 is a failure (7 is PERMISSION_DENIED), and so is an
  `authorizationInfo{}` entry with `granted` false (a denied permission check);
- the caller's address in `requestMetadata.callerIp`, whatever the key's case.
"""

from __future__ import annotations

import re
from typing import Tuple

from .fields import EventFields, FieldRegistry
from .schema import Normalized, observed

PLATFORM = "GCP"
SECRET_MANAGER = "Google Cloud Secret Manager"
SECRET_MANAGER_SERVICE = "secretmanager.googleapis.com"

fields = FieldRegistry()
SERVICE_NAME = fields("protoPayload.serviceName")
METHOD_NAME = fields("protoPayload.methodName")
PRINCIPAL_EMAIL = fields("protoPayload.authenticationInfo.principalEmail")
PRINCIPAL_SUBJECT = fields("protoPayload.authenticationInfo.principalSubject")
DELEGATING_EMAIL = fields(
    "protoPayload.authenticationInfo.serviceAccountDelegationInfo{}"
    ".firstPartyPrincipal.principalEmail"
)
DELEGATING_SUBJECT = fields(
    "protoPayload.authenticationInfo.serviceAccountDelegationInfo{}.principalSubject"
)
RESOURCE_NAME = fields("protoPayload.resourceName")
REQUEST_NAME = fields("protoPayload.request.name")
REQUEST_PARENT = fields("protoPayload.request.parent")
REQUEST_RESOURCE = fields("protoPayload.request.resource")
STATUS_CODE = fields("protoPayload.status.code")
GRANTED = fields("protoPayload.authorizationInfo{}.granted")
CALLER_IP = fields("protoPayload.requestMetadata.callerIp")
fields("protoPayload.requestMetadata.callerIP")  # splunkd sends names as declared
USER_AGENT = fields("protoPayload.requestMetadata.callerSuppliedUserAgent")
PROJECT_ID = fields("resource.labels.project_id")
LOCATION = fields("resource.labels.location")
LOG_NAME = fields("logName")

# Secret Manager method -> secret operation; other methods are none.
SECRET_MANAGER_OPERATIONS = {
    "AccessSecretVersion": "read",
    "ListSecrets": "list",
    "ListSecretVersions": "list",
    "GetSecret": "describe",
    "GetSecretVersion": "describe",
    "GetIamPolicy": "describe",
    "CreateSecret": "write",
    "AddSecretVersion": "write",
    "UpdateSecret": "write",
    "EnableSecretVersion": "write",
    "DisableSecretVersion": "write",
    "SetIamPolicy": "permission",
    "DeleteSecret": "delete",
    "DestroySecretVersion": "delete",
}

# serviceName prefix -> readable vendor_product for services outside Secret Manager.
SERVICE_NAMES = {
    "compute": "Google Compute Engine",
    "storage": "Google Cloud Storage",
    "iam": "Google Cloud IAM",
    "iamcredentials": "Google Cloud IAM Service Account Credentials",
    "cloudresourcemanager": "Google Cloud Resource Manager",
    "cloudbilling": "Google Cloud Billing",
    "cloudkms": "Google Cloud KMS",
    "container": "Google Kubernetes Engine",
    "logging": "Google Cloud Logging",
    "bigquery": "Google BigQuery",
    "cloudfunctions": "Google Cloud Functions",
    "run": "Google Cloud Run",
}

_SECRET_RESOURCE = re.compile(
    r"^projects/([^/]+)/(?:locations/([^/]+)/)?secrets/([^/]+)(?:/versions/[^/]+)?$"
)
_PROJECT_RESOURCE = re.compile(r"^projects/([^/]+)(?:/locations/([^/]+))?")
# The project of a service account, by the shape of its address.
_SERVICE_ACCOUNT_PROJECT = (
    re.compile(r"^service-(\d+)@gcp-sa-[^.]+\.iam\.gserviceaccount\.com$"),  # service agents
    re.compile(r"^[^@]+@([^.]+)\.iam\.gserviceaccount\.com$"),  # user-managed accounts
    re.compile(r"^([^@]+)@appspot\.gserviceaccount\.com$"),  # App Engine default
    re.compile(r"^(\d+)-compute@developer\.gserviceaccount\.com$"),  # Compute Engine default
)
_SUBJECT_PROJECT = re.compile(r"/projects/([^/]+)/")
_LOG_NAME_PROJECT = re.compile(r"^projects/([^/]+)/logs/")


def recognizes(event: EventFields) -> bool:
    return bool(event.get(SERVICE_NAME) or event.get(METHOD_NAME))


def _service_account_project(principal: str) -> str:
    """The project that owns a service account, or "" for people.

    `app@proj.iam.gserviceaccount.com` -> proj; `proj@appspot.gserviceaccount.com` ->
    proj; `123-compute@developer.gserviceaccount.com` -> 123; Google service agents
    `service-123@gcp-sa-<api>.iam.gserviceaccount.com` -> 123; workload identity
    subjects `principal://iam.googleapis.com/projects/123/...` -> 123.
    """
    for pattern in _SERVICE_ACCOUNT_PROJECT:
        match = pattern.match(principal)
        if match:
            return match.group(1)
    match = _SUBJECT_PROJECT.search(principal) if "://" in principal else None
    return match.group(1) if match else ""


def _caller(event: EventFields) -> Tuple[str, str, str]:
    """Return (principal, principal_type, principal_session)."""
    email = event.get(PRINCIPAL_EMAIL).lower()
    principal = email or event.get(PRINCIPAL_SUBJECT)
    if not principal:
        return "", "unknown", ""
    machine = principal.endswith(".gserviceaccount.com") or principal.startswith(
        ("principal://", "principalset://", "principalSet://")
    )
    delegate = event.get(DELEGATING_EMAIL).lower() or event.get(DELEGATING_SUBJECT)
    return principal, "service_account" if machine else "user", delegate


def _method(event: EventFields) -> Tuple[str, str]:
    """Return (vendor_product, secret_operation) for the logged method."""
    service = event.get(SERVICE_NAME)
    method = event.get(METHOD_NAME)
    if service == SECRET_MANAGER_SERVICE or ".SecretManagerService." in method:
        return SECRET_MANAGER, SECRET_MANAGER_OPERATIONS.get(method.rpartition(".")[2], "none")
    short = service.partition(".")[0]
    return SERVICE_NAMES.get(short, f"Google Cloud {short}" if short else "Google Cloud"), "none"


def normalize(event: EventFields) -> Normalized:
    vendor_product, operation = _method(event)
    principal, principal_type, session = _caller(event)
    secrets = []
    project = region = ""
    for name in (event.get(RESOURCE_NAME), event.get(REQUEST_NAME), event.get(REQUEST_PARENT),
                 event.get(REQUEST_RESOURCE)):
        match = _SECRET_RESOURCE.match(name)
        if match:
            project, region = project or match.group(1), region or (match.group(2) or "")
            secrets.append(match.group(3))
            break
        match = _PROJECT_RESOURCE.match(name)
        if match and not project:
            project, region = match.group(1), match.group(2) or ""
    log_project = _LOG_NAME_PROJECT.match(event.get(LOG_NAME))
    project = project or event.get(PROJECT_ID) or (log_project.group(1) if log_project else "")
    in_secret_manager = vendor_product == SECRET_MANAGER
    status = event.get(STATUS_CODE)
    denied = any(granted.lower() == "false" for granted in event.values(GRANTED))
    return observed(
        platform=PLATFORM,
        vendor_product=vendor_product,
        principal=principal,
        principal_type=principal_type,
        principal_session=session,
        principal_account=_service_account_project(principal),
        secret_operation=operation,
        secret=tuple(secrets) if in_secret_manager else (),
        secret_store=f"gcp:{project}" if in_secret_manager and project else "",
        action="failure" if (status and status != "0") or denied else "success",
        src=event.get(CALLER_IP),
        command=event.get(METHOD_NAME),
        vendor_account=event.get(PROJECT_ID) or project,
        vendor_region=event.get(LOCATION) or region,
        user_agent=event.get(USER_AGENT),
    )
