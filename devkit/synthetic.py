"""Generated events for the benchmark and the soak: CloudTrail-like, and hostile.

`cloudtrail_events` gives events as Splunk hands them to a search command after
extracting a CloudTrail record: about 40 fields (the flattened record plus the fields
Splunk adds) and `_raw`. A mix of Secrets Manager, Parameter Store and other services,
from a pool of principals (or one new principal per event), is deterministic per seed.

`hostile_events` gives the garbage of the soak: broken or deeply nested JSON in `_raw`,
invalid UTF-8, NUL bytes, megabyte values, mistyped and multivalue marker fields,
fields of two platforms in one event.

For the replay at a user's scale, two generators write CloudTrail files (one
`{"Records": [...]}` document per file, as AWS delivers them), deterministic per seed,
and return the principals they planted as thieves (named as the `cloudsecrets` command
names them):
- `busy_trail`: N records over D days, most of them calls to other services (EC2, S3,
  STS, IAM, KMS, Lambda, CloudWatch Logs), the rest the secret reads of a few dozen
  applications that each read their own four secrets all day; plus three thieves: a role
  that lists the store and reads 30 secrets in five minutes, a user who reads 25
  distinct secrets over one hour, a role denied six reads in five minutes;
- `sparse_reads`: N secret reads spread over Y years by a few applications (each
  reading its own secrets now and then), of which three thieves' bursts.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

from . import scenarios
from .vendorlogs import flatten_json, record_time

Event = Dict[str, object]

SERVICES = (
    ("secretsmanager.amazonaws.com", "GetSecretValue", 40),
    ("secretsmanager.amazonaws.com", "ListSecrets", 3),
    ("secretsmanager.amazonaws.com", "DescribeSecret", 5),
    ("ssm.amazonaws.com", "GetParameter", 20),
    ("ssm.amazonaws.com", "GetParametersByPath", 5),
    ("kms.amazonaws.com", "Decrypt", 15),
    ("ec2.amazonaws.com", "DescribeInstances", 7),
    ("s3.amazonaws.com", "GetBucketAcl", 5),
)
AGENTS = (
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64 command/secretsmanager.get-secret-value",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1 lang/python#3.12.2",
    "aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux api/secretsmanager#1.28.6",
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) "
    "terraform-provider-aws/5.42.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/123.0 Safari/537.36",
)
SPLUNK_FIELDS = {"host": "hf-aws-01", "source": "aws_cloudtrail", "sourcetype": "aws:cloudtrail",
                 "index": "cloud", "splunk_server": "idx-03", "linecount": "1"}


def _identity(number: int, account: str) -> dict:
    kind = number % 4
    if kind == 0:
        return {"type": "IAMUser", "principalId": f"AIDA{number:016d}", "accountId": account,
                "arn": f"arn:aws:iam::{account}:user/person-{number}",
                "accessKeyId": f"AKIA{number:016d}", "userName": f"person-{number}"}
    role = f"service-{number}"
    session = f"i-{number:017x}" if kind == 1 else f"session-{number}"
    return {"type": "AssumedRole", "principalId": f"AROA{number:016d}:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
            "accountId": account, "accessKeyId": f"ASIA{number:016d}",
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "principalId": f"AROA{number:016d}",
                "arn": f"arn:aws:iam::{account}:role/app/{role}", "accountId": account,
                "userName": role},
                "attributes": {"creationDate": "2025-06-01T09:00:00Z",
                               "mfaAuthenticated": "false"}}}


def cloudtrail_record(rng: random.Random, principal: int, serial: int) -> dict:
    source, name, _ = rng.choices(SERVICES, weights=[s[2] for s in SERVICES])[0]
    account = f"{100000000000 + principal % 7:012d}"
    region = rng.choice(("us-east-1", "eu-west-1", "ap-southeast-2"))
    parameters: dict = {}
    if name in ("GetSecretValue", "DescribeSecret"):
        parameters = {"secretId": f"arn:aws:secretsmanager:{region}:{account}:secret:"
                                  f"app/{rng.randrange(300)}/db-{rng.choice(('AbCdEf', 'x1Y2z3'))}"}
    elif name == "GetParameter":
        parameters = {"name": f"/app/{rng.randrange(300)}/password", "withDecryption": True}
    elif name == "GetParametersByPath":
        parameters = {"path": f"/app/{rng.randrange(50)}/", "withDecryption": True,
                      "recursive": True}
    elif name == "Decrypt":
        parameters = {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
    record = {
        "eventVersion": "1.09", "userIdentity": _identity(principal, account),
        "eventTime": f"2025-06-01T{serial // 3600 % 24:02d}:{serial // 60 % 60:02d}:"
                     f"{serial % 60:02d}Z",
        "eventSource": source, "eventName": name, "awsRegion": region,
        "sourceIPAddress": f"198.51.{principal % 250}.{serial % 250}",
        "userAgent": rng.choice(AGENTS), "requestParameters": parameters or None,
        "responseElements": None, "requestID": f"{serial:08x}-4c1b-4b8e-9a3c-{principal:012x}",
        "eventID": f"{principal:08x}-1f2e-4d3c-8b7a-{serial:012x}", "readOnly": True,
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": account,
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader":
                           f"{source.split('.')[0]}.{region}.amazonaws.com"},
    }
    if rng.random() < 0.03:
        record["errorCode"] = "AccessDenied"
        record["errorMessage"] = "User is not authorized to perform this operation"
    return record


def _default_fields(record: dict) -> Event:
    """The fields Splunk adds to every timestamped event (date_*, punct and friends)."""
    date, clock = record["eventTime"].rstrip("Z").split("T")
    year, _month, day = date.split("-")
    hour, minute, second = clock.split(":")
    raw_punct = "".join(c for c in json.dumps(record)[:150] if not c.isalnum() and c != " ")
    return {"date_year": year, "date_month": "june", "date_mday": day.lstrip("0"),
            "date_hour": hour.lstrip("0") or "0", "date_minute": minute.lstrip("0") or "0",
            "date_second": second.lstrip("0") or "0",
            "punct": raw_punct[:100]}


def cloudtrail_event(record: dict) -> Event:
    event: Event = dict(flatten_json(record))
    event.update(SPLUNK_FIELDS)
    event.update(_default_fields(record))
    event["_raw"] = json.dumps(record, separators=(",", ":"))
    event["_time"] = record["eventTime"]
    return event


def cloudtrail_events(count: int, seed: int = 1, principals: int = 500,
                      unique_from: int = -1) -> List[Event]:
    """`count` events; principals drawn from a pool, or numbered from `unique_from` on."""
    rng = random.Random(seed)
    events = []
    for serial in range(count):
        principal = unique_from + serial if unique_from >= 0 else rng.randrange(principals)
        events.append(cloudtrail_event(cloudtrail_record(rng, principal, serial)))
    return events


def hostile_event(rng: random.Random, serial: int) -> Event:
    """One of the shapes of bad input the command must pass through unharmed."""
    kind = serial % 9
    if kind == 0:
        return {"_raw": '{"eventSource": "secretsmanager.amazonaws.com", "userIdentity": {"ty'}
    if kind == 1:
        return {"_raw": "[" * 5_000 + "]" * 5_000}  # far deeper than json's recursion limit
    if kind == 2:  # bytes that are not UTF-8, carried as surrogates (see scp.encode_chunk)
        return {"_raw": "caf\udce9 \udcff\udcfe", "eventName": "Get\udcffSecretValue",
                "eventSource": "secretsmanager.amazonaws.com"}
    if kind == 3:
        return {"_raw": "nul\x00inside", "userIdentity.type": "IAMUser\x00",
                "eventSource": "secretsmanager.amazonaws.com"}
    if kind == 4:
        return {"eventSource": ["secretsmanager.amazonaws.com", "ssm.amazonaws.com"],
                "eventName": ["GetSecretValue", "ListSecrets"], "userIdentity.type": "42",
                "requestParameters.secretId": ["a", "b"], "_raw": "{}"}
    if kind == 5:
        return {"eventSource": "secretsmanager.amazonaws.com", "userIdentity.type": "AssumedRole",
                "protoPayload.methodName": "AccessSecretVersion", "operationName": "SecretGet",
                "category": "AuditEvent", "request.path": "secret/data/x", "type": "response"}
    if kind == 6:
        return {"_raw": json.dumps({"operationName": 12, "category": None, "identity": [1, 2]})}
    if kind == 7:  # one in a hundred of these carries a megabyte, the others 10 kB
        size = 1_000_000 if serial // 9 % 100 == 0 else 10_000
        return {"userIdentity.arn": "arn:" + "x" * size, "userIdentity.type": "IAMUser",
                "eventSource": "secretsmanager.amazonaws.com", "_raw": "{" * 1000}
    return {"_raw": json.dumps({"type": "response", "auth": {"policies": "root"},
                                "request": {"path": {"nested": True}, "operation": None}})}


# -- CloudTrail files at a user's scale, with planted thieves --------------------------

OTHER_CALLS = (  # (eventSource, eventName) of services that hold no secrets
    ("ec2.amazonaws.com", "DescribeInstances"), ("ec2.amazonaws.com", "DescribeVolumes"),
    ("s3.amazonaws.com", "GetBucketAcl"), ("s3.amazonaws.com", "ListBuckets"),
    ("sts.amazonaws.com", "AssumeRole"), ("sts.amazonaws.com", "GetCallerIdentity"),
    ("iam.amazonaws.com", "GetRole"), ("kms.amazonaws.com", "Decrypt"),
    ("lambda.amazonaws.com", "Invoke"), ("logs.amazonaws.com", "PutLogEvents"))
OTHER_AGENTS = ("aws-cli/2.17.0 Python/3.12.4 Linux/6.1 exe/x86_64 command/ec2.describe",
                "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1 lang/python#3.12.2",
                "aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux")
RECORDS_PER_FILE = 1000
DAY = 86400.0


def write_trail(folder: Path, records: List[dict], number: int) -> Path:
    """One CloudTrail log file, named as AWS names them."""
    first = records[0]["eventTime"].replace("-", "").replace(":", "")[:13] + "Z"
    path = folder / (f"{scenarios.ACCOUNT}_CloudTrail_{scenarios.REGION}_{first}_"
                     f"{number:06d}.json")
    path.write_text(json.dumps({"Records": records}, separators=(",", ":")))
    return path


def write_trails(folder: Path, timed: Iterator[Tuple[float, dict]]) -> int:
    """Records in time order, RECORDS_PER_FILE to a file; returns the number of files."""
    folder.mkdir(parents=True, exist_ok=True)
    batch: List[dict] = []
    files = 0
    for _moment, record in timed:
        batch.append(record)
        if len(batch) == RECORDS_PER_FILE:
            write_trail(folder, batch, files)
            files, batch = files + 1, []
    if batch:
        write_trail(folder, batch, files)
        files += 1
    return files


def _thieves(start: float, days: float) -> Tuple[List[str], List[Tuple[float, dict]]]:
    """Three thieves' records, 30%, 55% and 80% into the span, from an hour's start."""
    lister = scenarios.machine_actor("AWS", "ci-runner")
    reader = scenarios.aws_actor(scenarios.aws_user("mallory"),
                                 f"arn:aws:iam::{scenarios.ACCOUNT}:user/mallory")
    prober = scenarios.machine_actor("AWS", "batch-reports")
    # Five minutes past an hour, so that each burst falls within one clock hour.
    at = [start + round(days * share * 24) * 3600 + 300 for share in (0.3, 0.55, 0.8)]
    records = lister.listing(at[0]) + scenarios.reads(lister, 30, at[0] + 20, 9,
                                                      prefix="stolen")
    records += scenarios.reads(reader, 25, at[1], 120, prefix="harvest")
    records += [r for i in range(6) for r in prober.denied(at[2] + 40 * i, f"probe-{i}")]
    timed = [(float(record_time(r) or 0.0), r) for r in records]
    return [lister.principal, reader.principal, prober.principal], timed


def busy_trail(folder: Path, records: int = 200_000, days: float = 7.0, seed: int = 1,
               other_share: float = 0.9, apps: int = 40, start: float = scenarios.START
               ) -> List[str]:
    """CloudTrail files of `records` records over `days` days (see the module), the
    secret reads shared by `apps` applications that read four secrets each."""
    rng = random.Random(seed)
    thieves, planted = _thieves(start, days)
    readers = [scenarios.machine_actor("AWS", f"app-{n:03d}") for n in range(apps)]
    callers = [scenarios.aws_role(f"ops-{n:03d}", f"i-{n:017x}") for n in range(200)]
    count = records - len(planted)
    moments = sorted(start + rng.random() * days * DAY for _ in range(count))

    def timed() -> Iterator[Tuple[float, dict]]:
        queue = sorted(planted, key=lambda item: item[0])
        for moment in moments:
            while queue and queue[0][0] <= moment:
                yield queue.pop(0)
            if rng.random() < other_share:
                source, name = rng.choice(OTHER_CALLS)
                yield moment, scenarios.aws_call(moment, rng.choice(callers), name, None,
                                                 source=source, agent=rng.choice(OTHER_AGENTS))
            else:
                app = rng.randrange(len(readers))
                yield moment, readers[app].read(moment, f"app-{app:03d}/db-{rng.randrange(4)}")[0]
        yield from queue
    write_trails(folder, timed())
    return thieves


def sparse_reads(folder: Path, reads: int = 200, years: float = 10.0, seed: int = 1,
                 start: float = scenarios.START) -> List[str]:
    """CloudTrail files of `reads` secret reads over `years` years (see the module)."""
    rng = random.Random(seed)
    days = years * 365.0
    thieves, planted = _thieves(start, days)
    apps = [scenarios.machine_actor("AWS", f"nightly-{n}") for n in range(5)]
    count = max(0, reads - len(planted))
    timed = list(planted)
    for _ in range(count):
        moment = start + rng.random() * days * DAY
        app = rng.randrange(len(apps))
        timed.append((moment, apps[app].read(moment, f"nightly-{app}/key-{rng.randrange(3)}")[0]))
    timed.sort(key=lambda item: item[0])
    write_trails(folder, iter(timed))
    return thieves
