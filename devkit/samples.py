"""Write samples/: a morning of secret-store activity on each platform, with one attack each.

Run `python3 -m devkit.samples` to regenerate the files; they are deterministic, and
`python3 build.py` replays them at the end of every build. The stories (times in UTC on
2026-06-02, a Tuesday) and what the app should make of them:

AWS (CloudTrail file, as S3 receives it):
- normal: the billing service (an EC2 instance role) reads its 3 secrets every 5 minutes;
  the CI deployer role reads 8 secrets at 10:00; an administrator signed in through IAM
  Identity Center reviews 25 secrets over the hour (High-Privilege: the volume rule leaves
  administrators to the enumeration rule, and 25 over an hour is no burst); the orders
  service reads Parameter Store values with decryption; Secrets Manager rotates a secret.
- attack: at 10:41 the access key of IAM user reporting-export, leaked in a public
  repository, is used from 185.220.101.47: ListSecrets, 24 GetSecretValue in six minutes
  (3 denied), a BatchGetSecretValue of 6 more, then Parameter Store reads.
  Expected: Unusual Volume and Enumeration alerts for reporting-export.
- over the ceiling: from 10:00, someone holding OrganizationAccountAccessRole (the
  administrator role AWS Organizations creates in member accounts: High-Privilege) exports
  105 secrets one by one, one every 33 seconds, from 91.214.124.10: never 20 within 10
  minutes, and an administrator, but over the 100 distinct secrets an hour that no account
  type and no baseline raises.
  Expected: an Unusual Volume alert for OrganizationAccountAccessRole whose reason names
  the ceiling (no Enumeration alert).
GCP (Cloud Audit Log lines):
- normal: the payments service account reads 4 secrets every 10 minutes; a developer
  lists the secrets and reads one.
- attack: the CI runner's key is used to list shop-prod's secrets and read 12 of them in
  seven minutes, then to probe shop-billing, denied 5 times.
  Expected: an Enumeration alert for ci-runner (12 secrets stay below the volume floor).
Azure (Key Vault AuditEvent records from a diagnostic export, gzipped):
- normal: a web app's managed identity reads 2 secrets every 15 minutes; an operator lists
  the vault and reads one secret; SDK authentication challenges (401, no identity).
- attack: a service principal's client secret is used at 11:05 from 45.155.205.233: 6
  forbidden reads, then SecretList and 21 SecretGet in four minutes.
  Expected: Unusual Volume and Enumeration alerts for that service principal.
Vault (file audit device: a request and a response line per call):
- normal: the orders API (Kubernetes auth) reads 3 secrets every 10 minutes; the CI
  AppRole reads 5 secrets at 10:00; a person lists a folder and reads one secret.
- attack: a leaked token lists secret/metadata/apps/ and reads 15 secrets in five
  minutes, then is denied 5 times on secret/data/admin/.
  Expected: an Enumeration alert for that token (15 secrets stay below the volume floor).

Beyond the seed (two stories that stay below every volume and enumeration threshold):
- a quiet principal's first read of a production secret (AWS): the analytics ETL role has
  read its one warehouse credential at 06:10 every day since Monday 2026-05-25; at 10:17
  on 06-02 it reads prod/payments/stripe-live-key, which it has never read.
  Expected: a First Secret Read risk event for the analytics-etl role (its history
  began eight calendar days before, so it is past its seven days of learning).
- one person's harvest over two clouds (AWS and GCP): Jordan Reyes signs in through IAM
  Identity Center and reads 7 production secrets from 11:12, then reads 5 secrets of
  shop-prod in GCP as Jordan.Reyes@example.com from 11:31, from the same laptop.
  Expected: one Cross-Cloud Secret Harvesting alert for jordan.reyes@example.com, listing
  AWS and GCP (7 and 5 distinct secrets stay below every per-platform threshold).
- access granted, then read (Azure): Priya Nair holds Contributor on the HR vault's
  resource group (control plane only: she may change the vault, not read its secrets). At
  11:12 her account, signed in from 193.32.162.74, adds an access policy for itself to
  kv-hr-prod (a VaultPatch in the vault's AuditEvent log), and at 11:58 reads 4 secrets
  from it. No run of the rule sees both: the grant is remembered in the KV store by
  Secret Access Grants - Track and met by the run that sees the reads.
  Expected: one Secret Access Granted Then Read alert for priya.nair@contoso.com (4
  secrets stay below every volume and enumeration threshold, and she has no history for
  First Secret Read).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import List

from . import scenarios as s
from .scenarios import START

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
MINUTE, HOUR = 60, 3600
ATTACKER_AWS = "185.220.101.47"
ATTACKER_AZURE = "45.155.205.233"

# Principals the samples must (and must not) alert on, for the tests and the docs.
EXPECTED_ALERTS = {
    ("unusual_volume", "arn:aws:iam::111122223333:user/reporting-export"),
    ("enumeration", "arn:aws:iam::111122223333:user/reporting-export"),
    ("unusual_volume", "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"),
    ("enumeration", "ci-runner@shop-build.iam.gserviceaccount.com"),
    ("unusual_volume", "7d5c4b3a-2f1e-4d0c-9b8a-6f5e4d3c2b1a"),
    ("enumeration", "7d5c4b3a-2f1e-4d0c-9b8a-6f5e4d3c2b1a"),
    ("enumeration", "token-3f2a9c1e-runner-leak"),
    # The two detections beyond the seed (a cross-cloud row's principal is the person's).
    ("first_read", "arn:aws:iam::111122223333:role/analytics-etl"),
    ("cross_cloud", "jordan.reyes@example.com"),
    # A principal that gave itself access to a vault, then read it.
    ("grant_then_read", "priya.nair@contoso.com"),
}
QUIET_HISTORY_DAYS = 8  # the quiet role's reads start this many days before the story day
HARVESTER_IP = "198.51.100.77"
EXPORTER_IP = "91.214.124.10"
SELF_GRANT_IP = "193.32.162.74"


def aws() -> List[dict]:
    billing = s.aws_role("billing-service", "i-0f3a2b1c4d5e6f708")
    deployer = s.aws_role("ci-deployer", "gha-run-8842117")
    admin = s.aws_sso("AdministratorAccess", "oliver.brandt@example.com")
    orders = s.aws_role("orders-service", "i-07c6d5e4f3a2b1c09")
    leaked = s.aws_user("reporting-export")
    records = []
    for tick in range(0, 3 * HOUR, 5 * MINUTE):
        for name in ("billing/stripe-api-key", "billing/db-password", "billing/smtp"):
            records.append(s.aws_get_secret(START + tick + 2, billing, name,
                                            ip="10.0.12.41", agent="Boto3/1.34.120"))
        records.append(s.aws_call(START + tick + 7, orders, "GetParameter",
                                  {"name": "/orders/prod/db-url", "withDecryption": True},
                                  source="ssm.amazonaws.com", ip="10.0.14.9",
                                  agent="aws-sdk-go-v2/1.30.1"))
    for i, name in enumerate(["ci/npm-token", "ci/dockerhub", "ci/sentry", "ci/slack-webhook",
                              "web/session-key", "web/db-password", "web/stripe-public",
                              "web/recaptcha"]):
        records.append(s.aws_get_secret(START + HOUR + i * 4, deployer, name,
                                        ip="20.42.73.12", agent="aws-cli/2.17.0"))
    for i in range(25):
        records.append(s.aws_get_secret(START + 30 * MINUTE + i * 140, admin, f"audit/app-{i:02d}",
                                        ip="203.0.113.77", agent="Mozilla/5.0 (Macintosh) "
                                        "AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15"))
    records.append(s.aws_call(START + 2 * HOUR, {"type": "AWSService",
                                                 "invokedBy": "secretsmanager.amazonaws.com"},
                              "RotationSucceeded", {"secretId": s.secret_arn("billing/smtp")},
                              ip="secretsmanager.amazonaws.com",
                              agent="secretsmanager.amazonaws.com"))
    attack = START + HOUR + 41 * MINUTE
    options = {"ip": ATTACKER_AWS, "agent": "Boto3/1.34.100 md/Botocore#1.34.100 ua/2.0 "
                                            "os/linux#5.15 lang/python#3.10.12"}
    records.append(s.aws_call(attack, leaked, "ListSecrets", {"maxResults": 100}, **options))
    stores = ["billing", "web", "ci", "payments", "hr", "partners"]
    kinds = ["db-password", "api-key", "signing-key", "oauth-client"]
    for i in range(24):
        name = f"{stores[i % 6]}/{kinds[i // 6]}"
        denied = "AccessDenied" if name.startswith("hr/") else None
        records.append(s.aws_get_secret(attack + 20 + i * 14, leaked, name, error=denied,
                                        **options))
    records.extend(s.aws_batch_get(attack + 6 * MINUTE, leaked,
                                   [f"partners/feed-{i}" for i in range(6)], **options))
    records.append(s.aws_call(attack + 7 * MINUTE, leaked, "DescribeParameters", {},
                              source="ssm.amazonaws.com", **options))
    records.append(s.aws_call(attack + 8 * MINUTE, leaked, "GetParametersByPath",
                              {"path": "/orders/prod/", "withDecryption": True,
                               "recursive": True}, source="ssm.amazonaws.com", **options))
    records.extend(administrator_over_the_ceiling())
    records.extend(quiet_role_first_read())
    records.extend(harvest_over_two_clouds_aws())
    return sorted(records, key=lambda r: r["eventTime"])


def administrator_over_the_ceiling() -> List[dict]:
    """105 secrets in an hour at a steady pace, by a High-Privilege role."""
    exporter = s.aws_role("OrganizationAccountAccessRole", "export-7781")
    options = {"ip": EXPORTER_IP, "agent": "aws-cli/2.17.0 Python/3.12.4 Linux/6.8.0"}
    stores = ["billing", "web", "ci", "payments", "hr", "partners", "orders"]
    return [s.aws_get_secret(START + HOUR + i * 33, exporter,
                             f"{stores[i % 7]}/export-{i:03d}", **options)
            for i in range(105)]


def quiet_role_first_read() -> List[dict]:
    """A week of one daily read, then the first read of a production secret."""
    etl = s.aws_role("analytics-etl", "i-0c1d2e3f4a5b6c7d8")
    options = {"ip": "10.0.21.5", "agent": "Boto3/1.34.120 md/Botocore#1.34.120"}
    morning = START - 9 * HOUR + 6 * HOUR + 10 * MINUTE  # 06:10 on the story day
    records = [s.aws_get_secret(morning - day * s.DAY, etl, "analytics/warehouse-readonly",
                                **options) for day in range(QUIET_HISTORY_DAYS + 1)]
    records.append(s.aws_get_secret(START + HOUR + 17 * MINUTE, etl,
                                    "prod/payments/stripe-live-key", **options))
    return records


def harvest_over_two_clouds_aws() -> List[dict]:
    jordan = s.aws_sso("ReadOnlyAccess", "Jordan.Reyes@example.com")
    names = ["prod/payments/db-password", "prod/payments/stripe-live-key", "prod/web/session-key",
             "prod/web/db-password", "prod/partners/feed-token", "prod/hr/payroll-api",
             "prod/ci/signing-key"]
    return [s.aws_get_secret(START + 2 * HOUR + 12 * MINUTE + i * 41, jordan, name,
                             ip=HARVESTER_IP, agent="aws-cli/2.17.0 Python/3.12.4 Darwin/23.5.0")
            for i, name in enumerate(names)]


def harvest_over_two_clouds_gcp() -> List[dict]:
    return [s.gcp_access(START + 2 * HOUR + 31 * MINUTE + i * 47, "Jordan.Reyes@example.com",
                         "shop-prod", name, ip=HARVESTER_IP,
                         agent="google-cloud-sdk gcloud/480.0.0 command/gcloud.secrets.versions")
            for i, name in enumerate(("stripe-secret", "paypal-client", "db-password",
                                      "signing-key", "jwt-secret"))]


def gcp() -> List[dict]:
    payments = "payments@shop-prod.iam.gserviceaccount.com"
    developer = "maria.lopez@example.com"
    runner = "ci-runner@shop-build.iam.gserviceaccount.com"
    records = []
    for tick in range(0, 3 * HOUR, 10 * MINUTE):
        for i, name in enumerate(("stripe-secret", "paypal-client", "db-password", "fx-api")):
            records.append(s.gcp_access(START + tick + i, payments, "shop-prod", name,
                                        ip="10.128.0.22"))
    records.append(s.gcp_list(START + 50 * MINUTE, developer, "shop-staging",
                              ip="198.51.100.61", agent="google-cloud-sdk gcloud/480.0.0"))
    records.append(s.gcp_access(START + 51 * MINUTE, developer, "shop-staging", "feature-flags",
                                ip="198.51.100.61", agent="google-cloud-sdk gcloud/480.0.0"))
    attack = START + 2 * HOUR + 12 * MINUTE
    options = {"ip": "34.147.16.200", "agent": "python-requests/2.32.3"}
    records.append(s.gcp_list(attack, runner, "shop-prod", **options))
    for i, name in enumerate(("stripe-secret", "paypal-client", "db-password", "fx-api",
                              "signing-key", "jwt-secret", "smtp-password", "s3-backup-key",
                              "github-app-key", "pagerduty-token", "sentry-dsn", "admin-api")):
        records.append(s.gcp_access(attack + 30 + i * 33, runner, "shop-prod", name, **options))
    for i in range(5):
        records.append(s.gcp_access(attack + 8 * MINUTE + i * 20, runner, "shop-billing",
                                    f"invoice-key-{i}", status=7, **options))
    records.extend(harvest_over_two_clouds_gcp())
    return sorted(records, key=lambda r: r["timestamp"])


def azure() -> List[dict]:
    web_app = s.azure_app("c1d2e3f4-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                          "a0b1c2d3-e4f5-4061-8172-93a4b5c6d7e8")
    operator = s.azure_person("Kai.Wong@Contoso.com", "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901")
    intruder = s.azure_app("7d5c4b3a-2f1e-4d0c-9b8a-6f5e4d3c2b1a",
                           "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9")
    records = []
    for tick in range(0, 3 * HOUR, 15 * MINUTE):
        records.append(s.azure_call(START + tick, {}, "SecretGet", "kv-shop-prod",
                                    "sql-connection", status=401, ip="20.50.2.11"))
        for name in ("sql-connection", "storage-key"):
            records.append(s.azure_call(START + tick + 1, web_app, "SecretGet", "kv-shop-prod",
                                        name, ip="20.50.2.11"))
    records.append(s.azure_call(START + 40 * MINUTE, operator, "SecretList", "kv-shop-prod",
                                ip="192.0.2.140", agent="azsdk-net-Security.KeyVault/4.6.0"))
    records.append(s.azure_call(START + 41 * MINUTE, operator, "SecretGet", "kv-shop-prod",
                                "tls-cert-password", ip="192.0.2.140",
                                agent="azsdk-net-Security.KeyVault/4.6.0"))
    attack = START + 2 * HOUR + 5 * MINUTE
    options = {"ip": ATTACKER_AZURE, "agent": "python-requests/2.31.0"}
    for i in range(6):
        records.append(s.azure_call(attack + i * 9, intruder, "SecretGet", "kv-finance",
                                    f"treasury-{i}", status=403, **options))
    records.append(s.azure_call(attack + MINUTE, intruder, "SecretList", "kv-shop-prod",
                                **options))
    for i in range(21):
        records.append(s.azure_call(attack + MINUTE + 10 + i * 11, intruder, "SecretGet",
                                    "kv-shop-prod", f"app-secret-{i:02d}", **options))
    records.extend(self_grant_then_read())
    return sorted(records, key=lambda r: r["time"])


def self_grant_then_read() -> List[dict]:
    """A control-plane contributor adds herself to a vault's access policies, then reads."""
    object_id = "3d4e5f60-7182-4394-a5b6-c7d8e9f0a1b2"
    priya = s.azure_person("Priya.Nair@Contoso.com", object_id)
    options = {"ip": SELF_GRANT_IP, "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
                                             "AppleWebKit/537.36 Chrome/125.0 Safari/537.36"}
    records = [s.azure_vault_patch(START + 2 * HOUR + 12 * MINUTE, priya, "kv-hr-prod",
                                   object_id, secrets=("get", "list"), **options)]
    for i, name in enumerate(("payroll-sftp-password", "workday-api-key", "hr-db-admin",
                              "benefits-portal-secret")):
        records.append(s.azure_call(START + 2 * HOUR + 58 * MINUTE + i * 13, priya,
                                    "SecretGet", "kv-hr-prod", name, **options))
    return records


def vault() -> List[dict]:
    lines = []
    for tick in range(0, 3 * HOUR, 10 * MINUTE):
        for i, path in enumerate(("orders/db", "orders/queue", "orders/tls")):
            lines.extend(s.vault_call(START + tick + i, "kubernetes-shop-orders-api", "read",
                                      f"secret/data/apps/{path}", ("orders-read",),
                                      ip="10.42.3.17"))
    for i, path in enumerate(("ci/registry", "ci/npm", "ci/signing", "web/session", "web/db")):
        lines.extend(s.vault_call(START + HOUR + i * 3, "approle", "read",
                                  f"secret/data/apps/{path}", ("ci-deploy",), ip="10.42.9.5"))
    lines.extend(s.vault_call(START + 70 * MINUTE, "oidc-maria.lopez", "list",
                              "secret/metadata/apps/web/", ("developers",), ip="10.8.0.23"))
    lines.extend(s.vault_call(START + 71 * MINUTE, "oidc-maria.lopez", "read",
                              "secret/data/apps/web/feature-flags", ("developers",),
                              ip="10.8.0.23"))
    attack = START + 2 * HOUR + 33 * MINUTE
    leaked = ("token-3f2a9c1e-runner-leak", ("ci-runner", "default"))
    lines.extend(s.vault_call(attack, *leaked[:1], "list", "secret/metadata/apps/", leaked[1],
                              ip="172.31.99.4"))
    for i in range(15):
        lines.extend(s.vault_call(attack + 20 + i * 18, leaked[0], "read",
                                  f"secret/data/apps/service-{i:02d}/credentials", leaked[1],
                                  ip="172.31.99.4"))
    for i in range(5):
        lines.extend(s.vault_call(attack + 6 * MINUTE + i * 15, leaked[0], "read",
                                  f"secret/data/admin/root-{i}", leaked[1],
                                  error="permission denied", ip="172.31.99.4"))
    return sorted(lines, key=lambda line: line["time"])


def gzip_bytes(data: bytes) -> bytes:
    """gzip with zlib's own header (mtime 0), the same bytes on every Python: gzip.compress
    writes the header itself before 3.11 (OS byte 255) and through zlib after (OS byte 3)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


def write(folder: Path = SAMPLES) -> List[Path]:
    folder.mkdir(exist_ok=True)
    files = {
        "aws_cloudtrail_111122223333_eu-west-1.json":
            json.dumps({"Records": aws()}, indent=1).encode(),
        "gcp_cloud_audit_secretmanager.jsonl":
            "".join(json.dumps(r) + "\n" for r in gcp()).encode(),
        "azure_keyvault_auditevent.json.gz":
            gzip_bytes(json.dumps({"records": azure()}, indent=1).encode()),
        "vault_audit.log": "".join(json.dumps(line) + "\n" for line in vault()).encode(),
    }
    written = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(path.relative_to(SAMPLES.parent))
