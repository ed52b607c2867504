"""AWS CloudTrail normalization, row by row of the contract's tables."""

from __future__ import annotations

import pytest

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
SSO_ROLE = (f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/"
            "AWSReservedSSO_ReadOnly_0123456789abcdef")


def cloudtrail(identity=None, event_name="GetSecretValue", source="secretsmanager.amazonaws.com",
               **extra):
    record = {"eventSource": source, "eventName": event_name, "awsRegion": "eu-west-1",
              "recipientAccountId": ACCOUNT, "eventType": "AwsApiCall"}
    if identity is not None:
        record["userIdentity"] = identity
    record.update(extra)
    return record


PRINCIPALS = [
    # (case, userIdentity, principal, principal_type, principal_role, principal_session)
    ("root", {"type": "Root", "arn": f"arn:aws:iam::{ACCOUNT}:root", "accountId": ACCOUNT},
     f"arn:aws:iam::{ACCOUNT}:root", "root", "", ""),
    ("root without arn", {"type": "Root", "accountId": ACCOUNT},
     f"arn:aws:iam::{ACCOUNT}:root", "root", "", ""),
    ("iam user", {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
                  "accountId": ACCOUNT, "userName": "alice"},
     f"arn:aws:iam::{ACCOUNT}:user/alice", "user", "", ""),
    ("iam user aRN spelling", {"type": "IAMUser", "aRN": f"arn:aws:iam::{ACCOUNT}:user/bob",
                               "accountId": ACCOUNT},
     f"arn:aws:iam::{ACCOUNT}:user/bob", "user", "", ""),
    ("assumed role with issuer", {
        "type": "AssumedRole", "accountId": ACCOUNT,
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/build-42",
        "principalId": "AROAEXAMPLE:build-42",
        "sessionContext": {"sessionIssuer": {
            "arn": f"arn:aws:iam::{ACCOUNT}:role/ci/deployer", "userName": "deployer"}}},
     f"arn:aws:iam::{ACCOUNT}:role/ci/deployer", "role",
     f"arn:aws:iam::{ACCOUNT}:role/ci/deployer", "build-42"),
    ("assumed role rebuilt from its sts arn", {
        "type": "AssumedRole", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/i-0abc"},
     f"arn:aws:iam::{ACCOUNT}:role/reader", "role", f"arn:aws:iam::{ACCOUNT}:role/reader",
     "i-0abc"),
    ("identity center role is the person", {
        "type": "AssumedRole", "accountId": ACCOUNT,
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/"
               "Alice.Smith@Example.com",
        "sessionContext": {"sessionIssuer": {
            "arn": SSO_ROLE, "userName": "AWSReservedSSO_ReadOnly_0123456789abcdef"}}},
     "alice.smith@example.com", "user", SSO_ROLE, "Alice.Smith@Example.com"),
    ("a role merely mentioning sso stays a role", {
        "type": "AssumedRole", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/my-sso-helper/s1",
        "sessionContext": {"sessionIssuer": {"arn": f"arn:aws:iam::{ACCOUNT}:role/my-sso-helper",
                                             "userName": "my-sso-helper"}}},
     f"arn:aws:iam::{ACCOUNT}:role/my-sso-helper", "role",
     f"arn:aws:iam::{ACCOUNT}:role/my-sso-helper", "s1"),
    ("federated user", {"type": "FederatedUser", "accountId": ACCOUNT,
                        "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/carol"},
     f"arn:aws:sts::{ACCOUNT}:federated-user/carol", "federated_user", "", ""),
    ("aws service", {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"},
     "lambda.amazonaws.com", "aws_service", "", ""),
    ("aws account", {"type": "AWSAccount", "accountId": OTHER_ACCOUNT,
                     "principalId": "AIDAEXAMPLE"},
     OTHER_ACCOUNT, "aws_account", "", ""),
    ("identity center user", {"type": "IdentityCenterUser", "accountId": ACCOUNT,
                              "onBehalfOf": {"userId": "94482488-3041-7026-18f3-be45837cd0e4"}},
     "94482488-3041-7026-18f3-be45837cd0e4", "user", "", ""),
    ("no userIdentity", None, "", "unknown", "", ""),
]


@pytest.mark.parametrize(("identity", "principal", "kind", "role", "session"),
                         [p[1:] for p in PRINCIPALS], ids=[p[0] for p in PRINCIPALS])
def test_canonical_principal(normalize, identity, principal, kind, role, session):
    result = normalize(cloudtrail(identity))
    assert (result.platform, result.principal, result.principal_type) == ("AWS", principal, kind)
    assert (result.principal_role, result.principal_session) == (role, session)
    assert result.user == principal


# The contract: `true` when the accounts differ, `false` when they are the same, empty when
# either is unknown.
@pytest.mark.parametrize(("caller_account", "expected"), [
    (ACCOUNT, "false"), (OTHER_ACCOUNT, "true"), ("", "")])
def test_cross_account_compares_caller_and_recipient(normalize, caller_account, expected):
    identity = {"type": "IAMUser", "arn": f"arn:aws:iam::{caller_account or ACCOUNT}:user/x"}
    if caller_account:
        identity["accountId"] = caller_account
    record = cloudtrail(identity)
    if not caller_account:
        record["userIdentity"] = {"type": "AWSService", "invokedBy": "ssm.amazonaws.com"}
    assert normalize(record).cross_account == expected


OPERATIONS = [
    # (source, eventName, requestParameters, vendor_product, secret_operation)
    ("secretsmanager", "GetSecretValue", {}, "AWS Secrets Manager", "read"),
    ("secretsmanager", "BatchGetSecretValue", {}, "AWS Secrets Manager", "read"),
    ("secretsmanager", "ListSecrets", {}, "AWS Secrets Manager", "list"),
    ("secretsmanager", "ListSecretVersionIds", {}, "AWS Secrets Manager", "list"),
    ("secretsmanager", "DescribeSecret", {}, "AWS Secrets Manager", "describe"),
    ("secretsmanager", "GetResourcePolicy", {}, "AWS Secrets Manager", "describe"),
    ("secretsmanager", "PutResourcePolicy", {}, "AWS Secrets Manager", "permission"),
    ("secretsmanager", "DeleteResourcePolicy", {}, "AWS Secrets Manager", "permission"),
    ("secretsmanager", "ValidateResourcePolicy", {}, "AWS Secrets Manager", "none"),
    ("secretsmanager", "CreateSecret", {}, "AWS Secrets Manager", "write"),
    ("secretsmanager", "PutSecretValue", {}, "AWS Secrets Manager", "write"),
    ("secretsmanager", "UpdateSecret", {}, "AWS Secrets Manager", "write"),
    ("secretsmanager", "RotateSecret", {}, "AWS Secrets Manager", "write"),
    ("secretsmanager", "RestoreSecret", {}, "AWS Secrets Manager", "write"),
    ("secretsmanager", "TagResource", {}, "AWS Secrets Manager", "write"),
    ("secretsmanager", "DeleteSecret", {}, "AWS Secrets Manager", "delete"),
    ("secretsmanager", "GetRandomPassword", {}, "AWS Secrets Manager", "none"),
    ("ssm", "GetParameter", {"withDecryption": True}, "AWS Systems Manager Parameter Store",
     "read"),
    ("ssm", "GetParameters", {"withDecryption": True}, "AWS Systems Manager Parameter Store",
     "read"),
    ("ssm", "GetParametersByPath", {"withDecryption": True},
     "AWS Systems Manager Parameter Store", "read"),
    ("ssm", "GetParameter", {"withDecryption": False}, "AWS Systems Manager Parameter Store",
     "describe"),
    ("ssm", "GetParameters", {}, "AWS Systems Manager Parameter Store", "describe"),
    ("ssm", "DescribeParameters", {}, "AWS Systems Manager Parameter Store", "list"),
    ("ssm", "PutParameter", {}, "AWS Systems Manager Parameter Store", "write"),
    ("ssm", "DeleteParameter", {}, "AWS Systems Manager Parameter Store", "delete"),
    ("ssm", "DeleteParameters", {}, "AWS Systems Manager Parameter Store", "delete"),
    ("ssm", "AddTagsToResource", {"resourceType": "Parameter"},
     "AWS Systems Manager Parameter Store", "write"),
    ("ssm", "AddTagsToResource", {"resourceType": "Document"}, "AWS Systems Manager", "none"),
    ("ssm", "SendCommand", {}, "AWS Systems Manager", "none"),
    ("ec2", "GetPasswordData", {}, "Amazon EC2", "none"),
    ("kms", "Decrypt", {}, "AWS KMS", "none"),
    ("quicksight", "ListUsers", {}, "AWS quicksight", "none"),
    # Services whose policy calls look like a secret store's (the second set of real logs).
    ("logs", "PutResourcePolicy", {}, "Amazon CloudWatch Logs", "none"),
    ("ecr", "SetRepositoryPolicy", {}, "Amazon ECR", "none"),
    ("dynamodb", "PutResourcePolicy", {}, "Amazon DynamoDB", "none"),
    ("sns", "SetTopicAttributes", {}, "Amazon SNS", "none"),
    ("sqs", "SetQueueAttributes", {}, "Amazon SQS", "none"),
    ("config", "PutDeliveryChannel", {}, "AWS Config", "none"),
    ("guardduty", "DeleteDetector", {}, "Amazon GuardDuty", "none"),
]


@pytest.mark.parametrize(("source", "name", "parameters", "vendor_product", "operation"),
                         OPERATIONS, ids=[f"{o[0]}.{o[1]}-{o[4]}" for o in OPERATIONS])
def test_secret_operation(normalize, source, name, parameters, vendor_product, operation):
    result = normalize(cloudtrail({"type": "IAMUser", "arn": "arn:aws:iam::1:user/u"}, name,
                                  f"{source}.amazonaws.com", requestParameters=parameters))
    assert (result.vendor_product, result.secret_operation) == (vendor_product, operation)
    assert result.command == name
    assert result.object_category == ("secret" if operation != "none" else "")


def test_service_events_are_not_calls_by_a_principal(normalize):
    record = cloudtrail({"accountId": ACCOUNT, "invokedBy": "secretsmanager.amazonaws.com"},
                        "RotationSucceeded", eventType="AwsServiceEvent")
    assert normalize(record).secret_operation == "none"


SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-AbCdEf"


@pytest.mark.parametrize(("identity", "details", "principal"), [
    # A failed rotation as CloudTrail writes it: no userIdentity.type, the secret in
    # additionalEventData, only an errorMessage (the contract's "no userIdentity.type").
    ({"accountId": ACCOUNT, "invokedBy": "secretsmanager.amazonaws.com"},
     {"additionalEventData": {"SecretId": SECRET_ARN}}, "secretsmanager.amazonaws.com"),
    ({"accountId": ACCOUNT}, {"additionalEventData": {"secretId": SECRET_ARN}},
     "secretsmanager.amazonaws.com"),
    (None, {"serviceEventDetails": {"SecretId": SECRET_ARN}}, "secretsmanager.amazonaws.com"),
    ({"accountId": ACCOUNT, "invokedBy": "lambda.amazonaws.com"},
     {"serviceEventDetails": {"secretId": "prod/db"}}, "lambda.amazonaws.com"),
])
def test_a_failed_rotation_names_its_service_secret_and_failure(normalize, identity, details,
                                                                principal):
    record = cloudtrail(identity, "RotationFailed", eventType="AwsServiceEvent",
                        errorMessage="Lambda function returned an error", **details)
    result = normalize(record)
    assert (result.principal, result.principal_type) == (principal, "aws_service")
    assert (result.secret, result.action, result.secret_operation) == (
        ("prod/db",), "failure", "none")
    assert result.account_type == "Service-Account"


def test_a_call_without_identity_type_but_invoked_by_a_service(normalize):
    record = cloudtrail({"invokedBy": "cloudformation.amazonaws.com"}, "CreateSecret",
                        eventType="AwsApiCall", requestParameters={"name": "stack/pw"})
    result = normalize(record)
    assert (result.principal, result.principal_type, result.secret_operation) == (
        "cloudformation.amazonaws.com", "aws_service", "write")


def test_request_parameters_win_over_service_event_details(normalize):
    record = cloudtrail({"invokedBy": "secretsmanager.amazonaws.com"}, "GetSecretValue",
                        requestParameters={"secretId": "asked"},
                        additionalEventData={"SecretId": "logged"})
    assert normalize(record).secret == ("asked",)


@pytest.mark.parametrize(("extra", "action"), [
    ({"errorMessage": "User is not authorized"}, "failure"),
    ({"errorCode": "AccessDenied", "errorMessage": "denied"}, "failure"),
    ({"errorMessage": ""}, "success"),
])
def test_an_error_message_alone_is_a_failure(normalize, extra, action):
    result = normalize(cloudtrail({"type": "IAMUser", "arn": "arn:aws:iam::1:user/u"}, **extra))
    assert result.action == action


@pytest.mark.parametrize(("name", "parameters", "operation"), [
    # Missed mutants: GetParameterHistory reads values when it decrypts them.
    ("GetParameterHistory", {"name": "/prod/db", "withDecryption": True}, "read"),
    ("GetParameterHistory", {"name": "/prod/db", "withDecryption": "true"}, "read"),
    ("GetParameterHistory", {"name": "/prod/db", "withDecryption": "TRUE"}, "read"),
    ("GetParameterHistory", {"name": "/prod/db", "withDecryption": "1"}, "read"),
    ("GetParameterHistory", {"name": "/prod/db"}, "describe"),
    ("GetParameterHistory", {"name": "/prod/db", "withDecryption": "false"}, "describe"),
    ("LabelParameterVersion", {"name": "/prod/db"}, "write"),
    ("UnlabelParameterVersion", {"name": "/prod/db"}, "write"),
    ("RemoveTagsFromResource", {"resourceType": "Parameter", "resourceId": "/prod/db"},
     "write"),
])
def test_parameter_store_history_labels_and_tags(normalize, name, parameters, operation):
    result = normalize(cloudtrail({"type": "IAMUser", "arn": "arn:aws:iam::1:user/u"}, name,
                                  "ssm.amazonaws.com", requestParameters=parameters))
    assert (result.vendor_product, result.secret_operation, result.secret) == (
        "AWS Systems Manager Parameter Store", operation, ("/prod/db",))


SECRETS = [
    # (eventName, requestParameters, secret names, store)
    ("GetSecretValue",
     {"secretId": f"arn:aws:secretsmanager:us-east-1:{OTHER_ACCOUNT}:secret:prod/db-AbCdEf"},
     ("prod/db",), f"aws:{OTHER_ACCOUNT}:us-east-1"),
    ("GetSecretValue", {"secretId": "prod/db"}, ("prod/db",), f"aws:{ACCOUNT}:eu-west-1"),
    ("GetSecretValue",  # nothing but the suffix: keep it rather than name no secret
     {"secretId": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:-AbCdEf"}, ("-AbCdEf",),
     f"aws:{ACCOUNT}:us-east-1"),
    ("GetSecretValue",
     {"secretId": f"arn:aws-cn:secretsmanager:cn-north-1:{ACCOUNT}:secret:a/b-c-12AB3c"},
     ("a/b-c",), f"aws:{ACCOUNT}:cn-north-1"),
    ("BatchGetSecretValue", {"secretIdList": ["one", f"arn:aws:secretsmanager:eu-west-1:"
                                               f"{ACCOUNT}:secret:two-xYz123"]},
     ("one", "two"), f"aws:{ACCOUNT}:eu-west-1"),
    ("BatchGetSecretValue", {"filters": [{"key": "tag-key", "values": ["team"]}]}, (),
     f"aws:{ACCOUNT}:eu-west-1"),
    ("ListSecrets", {}, (), f"aws:{ACCOUNT}:eu-west-1"),
    ("CreateSecret", {"name": "new/secret"}, ("new/secret",), f"aws:{ACCOUNT}:eu-west-1"),
]


@pytest.mark.parametrize(("name", "parameters", "secrets", "store"), SECRETS,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SECRETS)])
def test_secrets_manager_names(normalize, name, parameters, secrets, store):
    result = normalize(cloudtrail({"type": "IAMUser", "arn": "arn:aws:iam::1:user/u"}, name,
                                  requestParameters=parameters))
    assert (result.secret, result.object, result.secret_store) == (secrets, secrets, store)


@pytest.mark.parametrize(("name", "parameters", "secrets"), [
    ("GetParameter", {"name": "/prod/db/password", "withDecryption": True},
     ("/prod/db/password",)),
    ("GetParameters", {"names": ["/a", "/b", "/a"], "withDecryption": True}, ("/a", "/b")),
    ("GetParametersByPath", {"path": "/prod/", "withDecryption": True}, ("/prod/",)),
    ("DescribeParameters", {"parameterFilters": [{"key": "Name", "values": ["/x"]}]}, ()),
])
def test_parameter_store_names_as_given(normalize, name, parameters, secrets):
    result = normalize(cloudtrail({"type": "IAMUser", "arn": "arn:aws:iam::1:user/u"}, name,
                                  "ssm.amazonaws.com", requestParameters=parameters))
    assert result.secret == secrets


@pytest.mark.parametrize(("error_code", "action"), [("AccessDenied", "failure"),
                                                    ("ResourceNotFoundException", "failure"),
                                                    (None, "success")])
def test_outcome_from_error_code(normalize, error_code, action):
    extra = {"errorCode": error_code} if error_code else {}
    result = normalize(cloudtrail({"type": "IAMUser", "arn": "arn:aws:iam::1:user/u"}, **extra))
    assert (result.action, result.status) == (action, action)


def test_source_user_agent_account_and_region(normalize):
    result = normalize(cloudtrail({"type": "IAMUser", "arn": "arn:aws:iam::1:user/u"},
                                  sourceIPAddress="198.51.100.7", userAgent="aws-cli/2.15.0"))
    assert (result.src, result.user_agent) == ("198.51.100.7", "aws-cli/2.15.0")
    assert (result.vendor_account, result.vendor_region) == (ACCOUNT, "eu-west-1")


@pytest.mark.parametrize("record", [
    {"eventSource": "login.example.com", "eventName": "GetSecretValue"},
    {"eventName": "GetSecretValue", "awsRegion": "us-east-1"},
])
def test_not_cloudtrail_without_its_markers(normalize, record):
    assert normalize(record).platform == "Unknown"


ACCOUNTS = [
    # (case, userIdentity, principal, principal_account): the caller's account, from
    # accountId or, without it, from the ARN.
    ("iam user account from its arn",
     {"type": "IAMUser", "arn": f"arn:aws:iam::{OTHER_ACCOUNT}:user/x"},
     f"arn:aws:iam::{OTHER_ACCOUNT}:user/x", OTHER_ACCOUNT),
    ("iam user rebuilt from its name",
     {"type": "IAMUser", "accountId": ACCOUNT, "userName": "eve"},
     f"arn:aws:iam::{ACCOUNT}:user/eve", ACCOUNT),
    ("root in another partition", {"type": "Root", "arn": f"arn:aws-cn:iam::{ACCOUNT}:root"},
     f"arn:aws-cn:iam::{ACCOUNT}:root", ACCOUNT),
    ("root with nothing to name it", {"type": "Root"}, "", ""),
    ("aws service", {"type": "AWSService", "invokedBy": "lambda.amazonaws.com",
                     "accountId": ACCOUNT}, "lambda.amazonaws.com", ACCOUNT),
    ("federated user", {"type": "FederatedUser", "accountId": ACCOUNT,
                        "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/carol"},
     f"arn:aws:sts::{ACCOUNT}:federated-user/carol", ACCOUNT),
    ("identity center user", {"type": "IdentityCenterUser", "accountId": ACCOUNT,
                              "onBehalfOf": {"userId": "u-1"}}, "u-1", ACCOUNT),
    ("identity center role", {
        "type": "AssumedRole", "accountId": ACCOUNT,
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Admin_1/Dana",
        "sessionContext": {"sessionIssuer": {"arn": SSO_ROLE}}}, "dana", ACCOUNT),
    ("assumed role with only a principal id", {"type": "AssumedRole",
                                               "principalId": "AROAEXAMPLE:s1"}, "", ""),
    ("aws account", {"type": "AWSAccount", "accountId": OTHER_ACCOUNT}, OTHER_ACCOUNT,
     OTHER_ACCOUNT),
    ("saml user", {"type": "SAMLUser", "userName": "alice@corp.example",
                   "accountId": ACCOUNT}, "alice@corp.example", ACCOUNT),
    ("unknown type by arn", {"type": "Other", "arn": f"arn:aws:iam::{ACCOUNT}:user/z"},
     f"arn:aws:iam::{ACCOUNT}:user/z", ACCOUNT),
    ("unknown type by user name", {"type": "Other", "userName": "zed", "principalId": "P1",
                                   "accountId": ACCOUNT}, "zed", ACCOUNT),
    ("unknown type by principal id", {"type": "Other", "principalId": "P1"}, "P1", ""),
    ("unknown type with nothing to name it", {"type": "Other", "accountId": ACCOUNT}, "", ""),
    ("iam user without arn or name", {"type": "IAMUser", "accountId": ACCOUNT}, "", ACCOUNT),
    ("iam user without arn or account", {"type": "IAMUser", "userName": "eve"}, "", ""),
    ("root in a partition-only arn", {"type": "Root", "accountId": ACCOUNT,
                                      "arn": "arn:aws-us-gov:x"},
     f"arn:aws-us-gov:iam::{ACCOUNT}:root", ACCOUNT),
    ("service event", {"accountId": ACCOUNT, "invokedBy": "secretsmanager.amazonaws.com"},
     "secretsmanager.amazonaws.com", ACCOUNT),
]


@pytest.mark.parametrize(("identity", "principal", "account"), [a[1:] for a in ACCOUNTS],
                         ids=[a[0] for a in ACCOUNTS])
def test_principal_account(normalize, identity, principal, account):
    result = normalize(cloudtrail(identity))
    assert (result.platform, result.principal, result.principal_account) == (
        "AWS", principal, account)


def test_an_assumed_role_without_its_sts_arn_takes_the_session_from_the_principal_id(
        normalize):
    identity = {"type": "AssumedRole", "accountId": ACCOUNT, "principalId": "AROAEXAMPLE:job-7",
                "sessionContext": {"sessionIssuer": {"arn": f"arn:aws:iam::{ACCOUNT}:role/r"}}}
    result = normalize(cloudtrail(identity))
    assert (result.principal, result.principal_session) == (
        f"arn:aws:iam::{ACCOUNT}:role/r", "job-7")


def test_without_a_recipient_the_store_is_the_callers_account(normalize):
    record = cloudtrail({"type": "IAMUser", "accountId": OTHER_ACCOUNT,
                         "arn": f"arn:aws:iam::{OTHER_ACCOUNT}:user/u"})
    del record["recipientAccountId"]
    result = normalize(record)
    assert (result.secret_store, result.vendor_account) == (
        f"aws:{OTHER_ACCOUNT}:eu-west-1", OTHER_ACCOUNT)


def test_an_identity_center_role_found_by_its_path_without_an_issuer_name(normalize):
    role = f"arn:aws:iam::{ACCOUNT}:role/team/AWSReservedSSO_Admin_0123"
    identity = {"type": "AssumedRole", "accountId": ACCOUNT,
                "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0123/Fay",
                "sessionContext": {"sessionIssuer": {"arn": role}}}
    result = normalize(cloudtrail(identity))
    assert (result.principal, result.principal_type, result.principal_role) == (
        "fay", "user", role)


def test_a_federated_users_issuer_is_its_session(normalize):
    issuer = f"arn:aws:iam::{ACCOUNT}:user/broker"
    identity = {"type": "FederatedUser", "accountId": ACCOUNT,
                "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/carol",
                "sessionContext": {"sessionIssuer": {"arn": issuer}}}
    assert normalize(cloudtrail(identity)).principal_session == issuer


@pytest.mark.parametrize(("identity", "principal"), [
    ({"type": "SAMLUser", "userName": "alice@corp.example", "principalId": "p:alice"},
     "alice@corp.example"),
    ({"type": "WebIdentityUser", "principalId": "accounts.google.com:1234"},
     "accounts.google.com:1234"),
])
def test_saml_and_web_identity_users_are_federated(normalize, identity, principal):
    result = normalize(cloudtrail(identity))
    assert (result.principal, result.principal_type) == (principal, "federated_user")


def test_an_unknown_identity_type_keeps_its_arn(normalize):
    identity = {"type": "Unknown", "arn": "arn:aws:iam::1:user/x", "principalId": "p"}
    result = normalize(cloudtrail(identity))
    assert (result.principal, result.principal_type) == ("arn:aws:iam::1:user/x", "unknown")


def test_an_identity_type_alone_marks_cloudtrail(normalize):
    result = normalize({"eventName": "GetSecretValue",
                        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/u"}})
    assert (result.platform, result.vendor_product, result.secret_store) == ("AWS", "AWS", "")


def test_an_event_source_outside_aws_names_no_service(normalize):
    result = normalize(cloudtrail({"type": "IAMUser", "arn": "arn:aws:iam::1:user/u"},
                                  source="custom.example.org"))
    assert (result.platform, result.vendor_product, result.secret_operation) == (
        "AWS", "AWS", "none")


def test_other_services_have_no_secret_store(normalize):
    result = normalize(cloudtrail({"type": "IAMUser", "arn": "arn:aws:iam::1:user/u"},
                                  "Decrypt", "kms.amazonaws.com"))
    assert (result.secret_store, result.secret) == ("", ())


def test_a_service_event_is_never_a_secret_operation(normalize):
    record = cloudtrail({"invokedBy": "secretsmanager.amazonaws.com"}, "DeleteSecret",
                        eventType="AwsServiceEvent")
    assert normalize(record).secret_operation == "none"


def test_a_parameter_named_like_a_secret_arn_stays_in_the_callers_store(normalize):
    name = f"arn:aws:secretsmanager:us-east-1:{OTHER_ACCOUNT}:secret:x-AbCdEf"
    result = normalize(cloudtrail({"type": "IAMUser", "arn": "arn:aws:iam::1:user/u"},
                                  "GetParameter", "ssm.amazonaws.com",
                                  requestParameters={"name": name}))
    assert (result.secret, result.secret_store) == ((name,), f"aws:{ACCOUNT}:eu-west-1")


def test_without_caller_or_recipient(normalize):
    record = {"eventSource": "secretsmanager.amazonaws.com", "eventName": "ListSecrets",
              "eventType": "AwsApiCall"}
    result = normalize(record)
    assert (result.principal, result.principal_account, result.cross_account) == ("", "", "")
    assert (result.secret_store, result.vendor_account) == ("", "")
    record["awsRegion"] = "eu-west-1"
    assert normalize(record).secret_store == "aws::eu-west-1"


# -- permission: Secrets Manager resource policies ---------------------------------------
# Records follow the CloudTrail record contents and userIdentity element pages of the
# CloudTrail User Guide, with the request parameters of the Secrets Manager API reference
# (PutResourcePolicy: SecretId, ResourcePolicy, BlockPublicPolicy; DeleteResourcePolicy:
# SecretId), written in CloudTrail's camelCase.
POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
          f'"arn:aws:iam::{OTHER_ACCOUNT}:root"}},"Action":"secretsmanager:GetSecretValue",'
          '"Resource":"*"}]}')
ADMIN = {"type": "IAMUser", "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/mallory",
         "principalId": "AIDAEXAMPLE", "userName": "mallory"}


def resource_policy_call(event_name="PutResourcePolicy", secret_id=SECRET_ARN, **extra):
    parameters = {"secretId": secret_id}
    if event_name == "PutResourcePolicy":
        parameters.update(resourcePolicy=POLICY, blockPublicPolicy=True)
    return cloudtrail(ADMIN, event_name, requestParameters=parameters,
                      sourceIPAddress="203.0.113.7", eventID="e-1", readOnly=False,
                      responseElements={"aRN": secret_id, "name": "prod/db"}, **extra)


@pytest.mark.parametrize("shape", ["root", "_raw"])
@pytest.mark.parametrize("event_name", ["PutResourcePolicy", "DeleteResourcePolicy"])
def test_a_resource_policy_change_is_permission_on_the_secrets_store(normalize_as, event_name,
                                                                    shape):
    result = normalize_as(resource_policy_call(event_name), shape)
    assert (result.platform, result.vendor_product, result.secret_operation) == (
        "AWS", "AWS Secrets Manager", "permission")
    # The store is the secret's own (its ARN names us-east-1), the secret its name.
    assert (result.secret, result.secret_store) == (("prod/db",), f"aws:{ACCOUNT}:us-east-1")
    assert (result.principal, result.action, result.src, result.command) == (
        f"arn:aws:iam::{ACCOUNT}:user/mallory", "success", "203.0.113.7", event_name)
    assert (result.object, result.object_category) == (("prod/db",), "secret")


def test_a_resource_policy_by_secret_name_is_on_the_recipients_regional_store(normalize):
    result = normalize(resource_policy_call(secret_id="prod/db"))
    assert (result.secret_operation, result.secret, result.secret_store) == (
        "permission", ("prod/db",), f"aws:{ACCOUNT}:eu-west-1")


def test_a_denied_resource_policy_change_is_a_failed_permission_change(normalize):
    result = normalize(resource_policy_call(errorCode="AccessDeniedException",
                                            errorMessage="not authorized"))
    assert (result.secret_operation, result.action) == ("permission", "failure")


# Near misses: other services' policy and permission calls are not secret operations,
# even under the same event name.
@pytest.mark.parametrize(("source", "event_name", "parameters"), [
    ("kms", "PutKeyPolicy", {"keyId": "1234abcd", "policyName": "default"}),
    ("iam", "PutRolePolicy", {"roleName": "r", "policyName": "p"}),
    ("iam", "PutUserPolicy", {"userName": "u", "policyName": "p"}),
    ("iam", "AttachRolePolicy", {"roleName": "r",
                                 "policyArn": "arn:aws:iam::aws:policy/SecretsManagerReadWrite"}),
    ("s3", "PutBucketPolicy", {"bucketName": "b"}),
    ("logs", "PutResourcePolicy", {"policyName": "p", "policyDocument": "{}"}),
    ("dynamodb", "PutResourcePolicy", {"resourceArn": "arn:aws:dynamodb:eu-west-1:1:table/t"}),
    ("lambda", "AddPermission", {"functionName": "f"}),
    ("ssm", "PutResourcePolicy", {"resourceArn": "arn:aws:ssm:eu-west-1:1:opsitemgroup/default"}),
])
def test_other_services_policy_calls_are_not_permission(normalize, source, event_name,
                                                        parameters):
    result = normalize(cloudtrail(ADMIN, event_name, f"{source}.amazonaws.com",
                                  requestParameters=parameters))
    assert (result.secret_operation, result.secret, result.secret_store) == ("none", (), "")


# -- the second set of real logs: identities and accounts --------------------------------

@pytest.mark.parametrize(("identity", "principal", "role", "session"), [
    # Neither an ARN nor a session issuer: the role's name, type role.
    ({"type": "AssumedRole", "accountId": ACCOUNT, "principalId": "AROAEXAMPLE:build-7",
      "userName": "deployer"}, "deployer", "deployer", "build-7"),
    ({"type": "AssumedRole", "userName": "deployer"}, "deployer", "deployer", ""),
    # An ARN or an issuer still wins over the name.
    ({"type": "AssumedRole", "userName": "ignored",
      "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/s1"},
     f"arn:aws:iam::{ACCOUNT}:role/reader", f"arn:aws:iam::{ACCOUNT}:role/reader", "s1"),
    ({"type": "AssumedRole", "userName": "ignored", "principalId": "AROA:s2",
      "sessionContext": {"sessionIssuer": {"arn": f"arn:aws:iam::{ACCOUNT}:role/app"}}},
     f"arn:aws:iam::{ACCOUNT}:role/app", f"arn:aws:iam::{ACCOUNT}:role/app", "s2"),
])
def test_an_assumed_role_with_only_a_user_name_takes_it(normalize, identity, principal, role,
                                                        session):
    result = normalize(cloudtrail(identity))
    assert (result.principal, result.principal_type) == (principal, "role")
    assert (result.principal_role, result.principal_session) == (role, session)


def test_an_assumed_role_with_nothing_to_name_it_has_no_principal(normalize):
    result = normalize(cloudtrail({"type": "AssumedRole", "accountId": ACCOUNT}))
    assert (result.principal, result.principal_type, result.account_type) == (
        "", "unknown", "")


@pytest.mark.parametrize(("identity", "recipient", "expected"), [
    ({"type": "IAMUser", "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/a"},
     ACCOUNT, "false"),
    ({"type": "IAMUser", "accountId": OTHER_ACCOUNT,
      "arn": f"arn:aws:iam::{OTHER_ACCOUNT}:user/a"}, ACCOUNT, "true"),
    # Either account unknown: empty, not "false".
    ({"type": "IAMUser", "accountId": OTHER_ACCOUNT,
      "arn": f"arn:aws:iam::{OTHER_ACCOUNT}:user/a"}, None, ""),
    ({"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}, ACCOUNT, ""),
    ({"type": "AssumedRole", "userName": "deployer"}, ACCOUNT, ""),
])
def test_cross_account_is_empty_when_an_account_is_unknown(normalize, identity, recipient,
                                                           expected):
    record = cloudtrail(identity)
    if recipient is None:
        del record["recipientAccountId"]
    assert normalize(record).cross_account == expected


@pytest.mark.parametrize("key", ["sourceIPAddress", "sourceIpAddress", "SOURCEIPADDRESS"])
def test_the_source_address_key_in_any_case(normalize, key):
    record = cloudtrail(ADMIN, **{key: "198.51.100.9"})
    assert normalize(record).src == "198.51.100.9"


# Mutation survivors (build.py mutate aws): an ARN of any shape wins over the user name,
# and the issuer's name alone marks an Identity Center role.
def test_an_assumed_role_arn_of_another_shape_wins_over_the_user_name(normalize):
    identity = {"type": "AssumedRole", "arn": f"arn:aws:iam::{ACCOUNT}:role/odd",
                "userName": "other"}
    result = normalize(cloudtrail(identity))
    assert (result.principal, result.principal_type, result.principal_role) == (
        f"arn:aws:iam::{ACCOUNT}:role/odd", "role", "")


def test_the_issuers_name_alone_marks_an_identity_center_session(normalize):
    identity = {"type": "AssumedRole", "accountId": ACCOUNT, "principalId": "AROAEXAMPLE:Ann",
                "sessionContext": {"sessionIssuer": {"userName": "AWSReservedSSO_Admin_0123"}}}
    result = normalize(cloudtrail(identity))
    assert (result.principal, result.principal_type, result.principal_session) == (
        "ann", "user", "Ann")
