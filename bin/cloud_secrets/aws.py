"""AWS CloudTrail: who called which Secrets Manager or SSM Parameter Store API, and how.

Input shapes handled (names as Splunk extracts CloudTrail JSON, any key case):
- any CloudTrail event, recognised by `eventSource` (*.amazonaws.com) or
  `userIdentity.type`; services other than Secrets Manager and SSM Parameter Store get a
  readable `vendor_product` and `secret_operation` none;
- `userIdentity.type` Root, IAMUser, AssumedRole, FederatedUser, AWSService, AWSAccount
  and IdentityCenterUser as docs/command.md describes; IAM Identity Center roles
  (`AWSReservedSSO_*`, under the path `aws-reserved/sso.amazonaws.com/`) are people,
  so their principal is the session name, lowercased; SAMLUser and
  WebIdentityUser are federated users; anything else keeps its ARN or name, type unknown;
- an assumed-role ARN without `sessionContext` (the role ARN is rebuilt from it); an
  assumed role with neither an ARN nor a session issuer is named by
  `userIdentity.userName`, the role's name, when the record has one;
- Secrets Manager `secretId` as a name, a full ARN (its random 6-character suffix is
  removed) or a partial ARN; `BatchGetSecretValue` with `secretIdList{}`; a batch by
  `filters` names no secret itself: AWS writes one GetSecretValue entry per secret it
  returns, and those carry the names (so distinct counts see each secret once);
- SSM `name`, `names{}` (GetParameters, DeleteParameters) and `path`
  (GetParametersByPath); `withDecryption` true makes a Get a read, else a describe;
- service events (`eventType` AwsServiceEvent: rotation, replication) carry no
  `userIdentity.type`: the principal is `userIdentity.invokedBy`, else the event's own
  `eventSource` (type aws_service), the secret is in `additionalEventData` or
  `serviceEventDetails`, and their operation is none (they are not calls by a principal);
- Secrets Manager resource policies (`PutResourcePolicy`, `DeleteResourcePolicy`) change
  who may read a secret: operation permission, on the secret's store;
- `errorCode` or `errorMessage` makes any record a failure (a failed rotation carries
  only the message);
- `cross_account` compares the caller's account with `recipientAccountId` and stays
  empty when either is unknown.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from .fields import EventFields, FieldRegistry
from .schema import Normalized, observed

PLATFORM = "AWS"
SECRETS_MANAGER = "AWS Secrets Manager"
PARAMETER_STORE = "AWS Systems Manager Parameter Store"
SERVICE_EVENT = "AwsServiceEvent"

fields = FieldRegistry()
EVENT_SOURCE = fields("eventSource")
EVENT_NAME = fields("eventName")
EVENT_TYPE = fields("eventType")
AWS_REGION = fields("awsRegion")
RECIPIENT_ACCOUNT = fields("recipientAccountId")
ERROR_CODE = fields("errorCode")
ERROR_MESSAGE = fields("errorMessage")
SOURCE_IP = fields("sourceIPAddress")
fields("sourceIpAddress")  # the key's case never matters; splunkd sends names as declared
USER_AGENT = fields("userAgent")
IDENTITY_TYPE = fields("userIdentity.type")
IDENTITY_ARN = fields("userIdentity.arn")
IDENTITY_ACCOUNT = fields("userIdentity.accountId")
IDENTITY_PRINCIPAL_ID = fields("userIdentity.principalId")
IDENTITY_USER_NAME = fields("userIdentity.userName")
INVOKED_BY = fields("userIdentity.invokedBy")
ISSUER_ARN = fields("userIdentity.sessionContext.sessionIssuer.arn")
ISSUER_USER_NAME = fields("userIdentity.sessionContext.sessionIssuer.userName")
ON_BEHALF_OF_USER = fields("userIdentity.onBehalfOf.userId")
SECRET_ID = fields("requestParameters.secretId")
SECRET_ID_LIST = fields("requestParameters.secretIdList{}")
NAME = fields("requestParameters.name")
NAMES = fields("requestParameters.names{}")
PATH = fields("requestParameters.path")
WITH_DECRYPTION = fields("requestParameters.withDecryption")
RESOURCE_TYPE = fields("requestParameters.resourceType")
RESOURCE_ID = fields("requestParameters.resourceId")
# Service events (rotation, replication) name the secret outside requestParameters; AWS
# has written both key cases, and splunkd matches required_fields by exact name.
SERVICE_EVENT_SECRET_IDS = ("additionaleventdata.secretid", "serviceeventdetails.secretid")
for _section in ("additionalEventData", "serviceEventDetails"):
    for _spelling in ("SecretId", "secretId"):
        fields(f"{_section}.{_spelling}")
# Other spellings of the ARN keys, so that splunkd sends them too (lookups ignore case).
for _arn_field in ("userIdentity.{}", "userIdentity.sessionContext.sessionIssuer.{}"):
    for _spelling in ("aRN", "ARN", "Arn"):
        fields(_arn_field.format(_spelling))

# Secrets Manager API -> secret operation. Any other Secrets Manager call is none.
SECRETS_MANAGER_OPERATIONS = {
    "GetSecretValue": "read",
    "BatchGetSecretValue": "read",
    "ListSecrets": "list",
    "ListSecretVersionIds": "list",
    "DescribeSecret": "describe",
    "GetResourcePolicy": "describe",
    "CreateSecret": "write",
    "PutSecretValue": "write",
    "UpdateSecret": "write",
    "UpdateSecretVersionStage": "write",
    "RotateSecret": "write",
    "CancelRotateSecret": "write",
    "RestoreSecret": "write",
    "TagResource": "write",
    "UntagResource": "write",
    "PutResourcePolicy": "permission",
    "DeleteResourcePolicy": "permission",
    "ReplicateSecretToRegions": "write",
    "RemoveRegionsFromReplication": "write",
    "StopReplicationToReplica": "write",
    "DeleteSecret": "delete",
}

# SSM Parameter Store API -> operation; None means "read with decryption, else describe".
PARAMETER_STORE_OPERATIONS = {
    "GetParameter": None,
    "GetParameters": None,
    "GetParametersByPath": None,
    "GetParameterHistory": None,
    "DescribeParameters": "list",
    "PutParameter": "write",
    "LabelParameterVersion": "write",
    "UnlabelParameterVersion": "write",
    "DeleteParameter": "delete",
    "DeleteParameters": "delete",
}
# Tagging calls are Parameter Store calls only when they name a parameter.
PARAMETER_TAG_OPERATIONS = {"AddTagsToResource": "write", "RemoveTagsFromResource": "write"}

# eventSource prefix -> readable vendor_product for services outside the secret stores.
SERVICE_NAMES = {
    "ec2": "Amazon EC2",
    "s3": "Amazon S3",
    "iam": "AWS IAM",
    "sts": "AWS STS",
    "kms": "AWS KMS",
    "lambda": "AWS Lambda",
    "signin": "AWS Sign-In",
    "sso": "AWS IAM Identity Center",
    "cloudtrail": "AWS CloudTrail",
    "cloudformation": "AWS CloudFormation",
    "ssm": "AWS Systems Manager",
    "rds": "Amazon RDS",
    "ecs": "Amazon ECS",
    "eks": "Amazon EKS",
    "organizations": "AWS Organizations",
    "logs": "Amazon CloudWatch Logs",
    "ecr": "Amazon ECR",
    "dynamodb": "Amazon DynamoDB",
    "sns": "Amazon SNS",
    "sqs": "Amazon SQS",
    "config": "AWS Config",
    "guardduty": "Amazon GuardDuty",
}

_SECRET_ARN = re.compile(r"^arn:[^:]*:secretsmanager:([^:]*):([^:]*):secret:(.+)$")
_RANDOM_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")
_ASSUMED_ROLE_ARN = re.compile(r"^arn:([^:]*):sts::([^:]*):assumed-role/([^/]+)/(.+)$")
_ARN_ACCOUNT = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:(\d{12}):")
_SSO_ROLE_PREFIX = "awsreservedsso_"
_SSO_ROLE_PATH = ":role/aws-reserved/sso.amazonaws.com/"


def recognizes(event: EventFields) -> bool:
    return event.get(EVENT_SOURCE).endswith(".amazonaws.com") or bool(event.get(IDENTITY_TYPE))


def secret_name(secret_id: str) -> str:
    """`arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf` -> `prod/db`.

    Names pass through unchanged. From an ARN, the hyphen and six random characters
    that Secrets Manager appends are removed. A partial ARN (one without that suffix)
    whose name happens to end in a hyphen and six letters or digits cannot be told
    apart from a full one and loses them too; AWS discourages partial ARNs for this
    very ambiguity.
    """
    match = _SECRET_ARN.match(secret_id)
    if not match:
        return secret_id
    return _RANDOM_SUFFIX.sub("", match.group(3)) or match.group(3)


def _arn_account(arn: str) -> str:
    match = _ARN_ACCOUNT.match(arn)
    return match.group(1) if match else ""


class _Caller:
    """The canonical principal of a CloudTrail record (see the module docstring)."""

    __slots__ = ("account", "principal", "role", "session", "type")

    def __init__(self, principal: str, kind: str, account: str, role: str = "",
                 session: str = "") -> None:
        self.principal = principal
        self.type = kind
        self.account = account
        self.role = role
        self.session = session


def _assumed_role(event: EventFields, arn: str, account: str) -> _Caller:
    """The role (its ARN, else its name) is the principal; Identity Center sessions aside."""
    issuer = event.get(ISSUER_ARN)
    match = _ASSUMED_ROLE_ARN.match(arn)
    session = match.group(4) if match else event.get(IDENTITY_PRINCIPAL_ID).partition(":")[2]
    if issuer:
        role = issuer
    elif match:
        partition, role_account, role_name = match.group(1), match.group(2), match.group(3)
        role = f"arn:{partition}:iam::{role_account}:role/{role_name}"
    else:
        # Neither ARN nor issuer: the role's name, when CloudTrail wrote one, is all there
        # is to tell the role by (principal and principal_role alike).
        role = "" if arn else event.get(IDENTITY_USER_NAME)
    role_name = event.get(ISSUER_USER_NAME) or role.rpartition("/")[2]
    sso = role_name.lower().startswith(_SSO_ROLE_PREFIX) or _SSO_ROLE_PATH in role
    if sso and session:
        # IAM Identity Center: the role is a permission set, the session is the person.
        return _Caller(session.lower(), "user", account, role, session)
    return _Caller(role or arn, "role", account, role, session)


def _caller(event: EventFields) -> Optional[_Caller]:
    kind = event.get(IDENTITY_TYPE)
    arn = event.get(IDENTITY_ARN)
    account = event.get(IDENTITY_ACCOUNT) or _arn_account(arn)
    invoked_by = event.get(INVOKED_BY)
    if not kind and (invoked_by or event.get(EVENT_TYPE) == SERVICE_EVENT):
        # A service event (rotation, replication): the service acted on its own. Without
        # either marker the identity may just be missing (extraction cut short), and the
        # engine then reads _raw.
        return _Caller(invoked_by or event.get(EVENT_SOURCE), "aws_service", account)
    if kind == "AssumedRole":
        return _assumed_role(event, arn, account)
    if kind == "IAMUser":
        user_name = event.get(IDENTITY_USER_NAME)
        rebuilt = f"arn:aws:iam::{account}:user/{user_name}" if account and user_name else ""
        return _Caller(arn or rebuilt, "user", account)
    if kind == "Root":
        partition = arn.split(":")[1] if arn.count(":") >= 2 else "aws"
        return _Caller(f"arn:{partition}:iam::{account}:root" if account else arn, "root", account)
    if kind == "AWSService":
        return _Caller(invoked_by, "aws_service", account)
    if kind == "AWSAccount":
        return _Caller(account, "aws_account", account)
    if kind == "FederatedUser":
        return _Caller(arn, "federated_user", account, session=event.get(ISSUER_ARN))
    if kind == "IdentityCenterUser":
        return _Caller(event.get(ON_BEHALF_OF_USER), "user", account)
    if kind in ("SAMLUser", "WebIdentityUser"):
        name = event.get(IDENTITY_USER_NAME) or event.get(IDENTITY_PRINCIPAL_ID)
        return _Caller(name, "federated_user", account)
    name = arn or event.get(IDENTITY_USER_NAME) or event.get(IDENTITY_PRINCIPAL_ID)
    return _Caller(name, "unknown", account) if name else None


def _is_true(value: str) -> bool:
    return value.lower() in ("true", "1")


def _operation(event: EventFields, service: str, name: str) -> Tuple[str, str]:
    """Return (vendor_product, secret_operation) for one API call."""
    if service == "secretsmanager":
        return SECRETS_MANAGER, SECRETS_MANAGER_OPERATIONS.get(name, "none")
    if service == "ssm":
        if name in PARAMETER_STORE_OPERATIONS:
            operation = PARAMETER_STORE_OPERATIONS[name]
            if operation is None:
                operation = "read" if _is_true(event.get(WITH_DECRYPTION)) else "describe"
            return PARAMETER_STORE, operation
        if name in PARAMETER_TAG_OPERATIONS and event.get(RESOURCE_TYPE) == "Parameter":
            return PARAMETER_STORE, PARAMETER_TAG_OPERATIONS[name]
        return SERVICE_NAMES["ssm"], "none"
    return SERVICE_NAMES.get(service, f"AWS {service}" if service else "AWS"), "none"


def _secret_ids(event: EventFields, vendor_product: str) -> List[str]:
    """The secrets a call names, as logged (read once: the names and the store use them)."""
    if vendor_product == SECRETS_MANAGER:
        return (event.values(SECRET_ID_LIST) or event.values(SECRET_ID) or event.values(NAME)
                or _service_event_secret_ids(event))
    if vendor_product == PARAMETER_STORE:
        return (event.values(NAMES) or event.values(NAME) or event.values(RESOURCE_ID)
                or event.values(PATH))
    return []


def _service_event_secret_ids(event: EventFields) -> List[str]:
    for key in SERVICE_EVENT_SECRET_IDS:
        values = event.values(key)
        if values:
            return values
    return []


def _secrets(secret_ids: List[str], vendor_product: str) -> Tuple[str, ...]:
    if vendor_product == SECRETS_MANAGER:
        return tuple(dict.fromkeys(secret_name(i) for i in secret_ids))
    return tuple(dict.fromkeys(secret_ids))


def _store(secret_ids: list, account: str, region: str) -> str:
    """`aws:<account>:<region>` of the store; a secret ARN names its own account and region."""
    for secret_id in secret_ids:
        match = _SECRET_ARN.match(secret_id)
        if match:
            region, account = match.group(1) or region, match.group(2) or account
            break
    return f"aws:{account}:{region}" if account or region else ""


def normalize(event: EventFields) -> Normalized:
    source = event.get(EVENT_SOURCE)
    service = source[: -len(".amazonaws.com")] if source.endswith(".amazonaws.com") else ""
    name = event.get(EVENT_NAME)
    vendor_product, operation = _operation(event, service, name)
    if event.get(EVENT_TYPE) == SERVICE_EVENT:
        operation = "none"
    caller = _caller(event)
    recipient = event.get(RECIPIENT_ACCOUNT)
    region = event.get(AWS_REGION)
    secret_ids = _secret_ids(event, vendor_product)
    secret_store = ""
    if vendor_product in (SECRETS_MANAGER, PARAMETER_STORE):
        # Only a Secrets Manager ARN names another store; parameter names never do.
        arns = secret_ids if vendor_product == SECRETS_MANAGER else []
        secret_store = _store(arns, recipient or (caller.account if caller else ""), region)
    caller_account = caller.account if caller else ""
    return observed(
        platform=PLATFORM,
        vendor_product=vendor_product,
        principal=caller.principal if caller else "",
        principal_type=caller.type if caller else "unknown",
        principal_role=caller.role if caller else "",
        principal_session=caller.session if caller else "",
        principal_account=caller_account,
        cross_account=("true" if caller_account != recipient else "false")
        if caller_account and recipient else "",
        secret_operation=operation,
        secret=_secrets(secret_ids, vendor_product),
        secret_store=secret_store,
        action="failure" if event.get(ERROR_CODE) or event.get(ERROR_MESSAGE) else "success",
        src=event.get(SOURCE_IP),
        command=name,
        vendor_account=recipient or caller_account,
        vendor_region=region,
        user_agent=event.get(USER_AGENT),
    )
