"""AccessDenied from AWS, with real IAM enforcement: a second moto server checks every request against the
IAM policies of its users, and the step runs with an IAM user's keys that lack exactly one permission.

How moto enforces IAM (moto 5.2, ``moto/core/authorization.py``, ``moto/settings.py``): the server reads
``INITIAL_NO_AUTH_ACTION_COUNT`` from its environment once, at start (default: infinity, i.e. never check).
Every request that reaches a service's authorization hook (S3's ``_authenticate_and_authorize_s3_action``,
and ``BaseResponse.call_action`` for Secrets Manager, IAM, STS, ...) is compared with a process-wide counter
``ActionAuthenticatorMixin.request_count``: while it is below the setting, the request is let through
unchecked and the counter goes up by one; from then on every request must be signed with the keys of a moto
IAM user (or assumed role) and be allowed by that user's inline, attached and group policies. One boto3 call
is one request, but every retried attempt counts again, and the counter is shared by all clients, accounts and
threads. Requests to ``/moto-api/`` (the readiness probe, ``reset-auth``) never count.

Counting the set-up requests exactly would be brittle (a single retry, or one more set-up call, shifts the
boundary), so this module does what moto's own ``set_initial_no_auth_action_count`` does in server mode: the
server starts with a large ``INITIAL_NO_AUTH_ACTION_COUNT`` (passed through ``MotoServer.env``), so the whole
set-up, however many requests it takes, runs unchecked with dummy root keys; then ``POST /moto-api/reset-auth``
with body ``0`` sets the setting to 0 and the counter to 0, so every later request is checked. The reply's
``PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT`` shows that the environment variable reached the server, and a probe
with the dummy root keys (refused: ``InvalidAccessKeyId``) shows that the checks are on. (The body must be sent
as ``text/plain``: a form-encoded body is consumed by werkzeug and moto answers 500.)

What moto checks, and how the cases are built on it:

- S3 is checked per object: ``s3:GetObject`` / ``s3:PutObject`` against ``arn:aws:s3:::bucket/key``, so a
  policy can grant the config prefix and not the error prefix. A denial is ``AccessDenied`` (HTTP 403).
- Secrets Manager is checked against the resource ``*`` only (its responses define no resource), so a statement
  scoped to one secret's ARN never matches: moto cannot allow one secret and deny another, and resource
  policies are not evaluated. Case c therefore denies ``secretsmanager:GetSecretValue`` as a whole and every
  row fails. moto answers a denied JSON-protocol call with an XML ``ErrorResponse`` (code ``AccessDenied``,
  HTTP 403) that botocore cannot parse, so the client sees the code ``403``; real Secrets Manager sends
  ``AccessDeniedException``. The step says "access denied" for both.

Every case is run twice with the same config: with the user lacking the permission, then with the user that
has every permission, so the denial is shown to come from the policy and from nothing else.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from glue_elt import ConfigError, MigrationResult, RedshiftCrossAccountDataMigration, RowStatus
from local_stack import LocalStack, StackEndpoints
from local_stack.moto import MotoServer
from local_stack.ports import free_ports
from tests.conftest import Db

BUCKET = "glue-elt-iam"
SECRET = "glue-elt/iam-etl"
SOURCE, TARGET = "iam_src", "iam_tgt"
SOURCE_ROWS = 5
HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
SETUP_BUDGET = 1_000_000
"""``INITIAL_NO_AUTH_ACTION_COUNT`` at start: far more than the set-up needs; ``reset-auth`` ends that phase."""

CONFIGS = {
    "a": [f"shared_db.{SOURCE}.orders###{TARGET}.a#{SECRET}#overwrite"],
    "b": [
        f"shared_db.{SOURCE}.orders###{TARGET}.b#{SECRET}#overwrite",
        f"shared_db.{SOURCE}.orders###{TARGET}.missing#{SECRET}#append",  # fails: no such target table
    ],
    "c": [
        f"shared_db.{SOURCE}.orders###{TARGET}.c1#{SECRET}#overwrite",
        f"shared_db.{SOURCE}.orders###{TARGET}.c2#{SECRET}#overwrite",
    ],
    "d": [f"shared_db.{SOURCE}.orders###{TARGET}.d#{SECRET[:-1]}#overwrite"],  # the secret's name, misspelt
}


def _statement(action: str, *resources: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": list(resources)}


# What the README asks of the job role; the first three as managed policies, the secret one inline.
JOB_PERMISSIONS: dict[str, dict[str, Any]] = {
    "read-config": _statement("s3:GetObject", f"arn:aws:s3:::{BUCKET}/config/*"),
    "write-errors": _statement("s3:PutObject", f"arn:aws:s3:::{BUCKET}/errors/*"),
    "write-summaries": _statement("s3:PutObject", f"arn:aws:s3:::{BUCKET}/runs/*"),
    "read-secrets": _statement("secretsmanager:GetSecretValue", "*"),  # moto matches Secrets Manager on "*" only
    "list-secrets": _statement("secretsmanager:ListSecrets", "*"),  # not the README's: a courtesy for messages
}
INLINE = {"read-secrets", "list-secrets"}
USERS = {
    "job-full": set(JOB_PERMISSIONS) - {"list-secrets"},
    "job-listing-secrets": set(JOB_PERMISSIONS),
    "job-no-read-config": set(JOB_PERMISSIONS) - {"read-config", "list-secrets"},
    "job-no-write-errors": set(JOB_PERMISSIONS) - {"write-errors", "list-secrets"},
    "job-no-read-secrets": set(JOB_PERMISSIONS) - {"read-secrets", "list-secrets"},
}
AUDITOR = "auditor"  # reads the outputs for the assertions
AUDITOR_POLICY = _statement("s3:*", f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*")


@dataclass(frozen=True)
class IamMoto:
    """The enforcing moto server and the access keys of its IAM users."""

    url: str
    keys: dict[str, tuple[str, str]]

    def client(self, service: str, user: str) -> Any:
        key_id, secret = self.keys[user]
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
        )

    def keys_under(self, prefix: str) -> list[str]:
        # Listed whole and filtered here: moto 5.1 (the last for Python 3.9) miscomputes the signature of a
        # ListObjectsV2 whose Prefix holds a "/" once IAM is enforced (SignatureDoesNotMatch).
        response = self.client("s3", AUDITOR).list_objects_v2(Bucket=BUCKET)
        return [item["Key"] for item in response.get("Contents", []) if item["Key"].startswith(prefix)]

    def read_json(self, key: str) -> Any:
        return json.loads(self.client("s3", AUDITOR).get_object(Bucket=BUCKET, Key=key)["Body"].read())


def _root_client(service: str, url: str) -> Any:
    """Dummy root keys: accepted only while moto does not check (they belong to no IAM user)."""
    return boto3.client(
        service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def _policy_document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _seed(stack: LocalStack) -> None:
    """Source table with ``SOURCE_ROWS`` rows; every target of ``CONFIGS`` except ``missing``."""
    stack.create_source_schema(SOURCE)
    stack.create_target_schema(TARGET)
    stack.run_as_admin(
        f"CREATE TABLE {SOURCE}.orders (id int, v text)",
        f"INSERT INTO {SOURCE}.orders SELECT g, 'v' || g FROM generate_series(1, {SOURCE_ROWS}) g",
    )
    stack.run_as_etl(*(f"CREATE TABLE {TARGET}.{table} (id int, v text)" for table in ("a", "b", "c1", "c2", "d")))


def _set_up_aws(url: str, endpoints: StackEndpoints) -> dict[str, tuple[str, str]]:
    """Bucket, config files, the Redshift secret, policies and users; returns each user's access key."""
    s3, iam = _root_client("s3", url), _root_client("iam", url)
    s3.create_bucket(Bucket=BUCKET)
    for case, lines in CONFIGS.items():
        s3.put_object(Bucket=BUCKET, Key=f"config/{case}.csv", Body=(HEADER + "\n" + "\n".join(lines) + "\n").encode())
    _root_client("secretsmanager", url).create_secret(Name=SECRET, SecretString=endpoints.redshift_secret())
    managed = {
        name: iam.create_policy(PolicyName=f"glue-elt-{name}", PolicyDocument=_policy_document(statement))["Policy"][
            "Arn"
        ]
        for name, statement in JOB_PERMISSIONS.items()
        if name not in INLINE
    }
    keys = {}
    for user, permissions in {**USERS, AUDITOR: set()}.items():
        iam.create_user(UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        keys[user] = (key["AccessKeyId"], key["SecretAccessKey"])
        for name in sorted(permissions):
            if name in INLINE:
                iam.put_user_policy(
                    UserName=user, PolicyName=name, PolicyDocument=_policy_document(JOB_PERMISSIONS[name])
                )
            else:
                iam.attach_user_policy(UserName=user, PolicyArn=managed[name])
    iam.put_user_policy(UserName=AUDITOR, PolicyName="read-outputs", PolicyDocument=_policy_document(AUDITOR_POLICY))
    return keys


def _check_every_request_from_now_on(url: str) -> None:
    """End moto's unchecked phase (see the module docstring) and prove that checks are on."""
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{url}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        reply = json.load(response)
    assert float(reply["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]) == SETUP_BUDGET  # our env var reached the server
    with pytest.raises(ClientError) as refused:
        _root_client("s3", url).get_object(Bucket=BUCKET, Key="config/a.csv")
    assert refused.value.response["Error"]["Code"] == "InvalidAccessKeyId"


@pytest.fixture(scope="module")
def iam_moto(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IamMoto]:
    """A second moto server that enforces IAM, set up as described in the module docstring; stopped at the end."""
    state: Path = tmp_path_factory.mktemp("iam-moto")
    (port,) = free_ports(1)
    server = MotoServer(
        state / "moto.log", state / "moto.pid", port, env={"INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_BUDGET)}
    )
    server.start()
    try:
        server.wait_ready()
        _seed(stack)
        keys = _set_up_aws(server.url, stack.endpoints)
        _check_every_request_from_now_on(server.url)
        yield IamMoto(server.url, keys)
    finally:
        server.stop()
    assert server.pid() is None


@contextlib.contextmanager
def acting_as(iam_moto: IamMoto, user: str) -> Iterator[None]:
    """boto3 in this process talks to the enforcing moto with ``user``'s keys, the standard way (environment)."""
    key_id, secret = iam_moto.keys[user]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", iam_moto.url)
        patch.setenv("AWS_ACCESS_KEY_ID", key_id)
        patch.setenv("AWS_SECRET_ACCESS_KEY", secret)
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        patch.delenv("AWS_PROFILE", raising=False)
        # boto3's default session caches the credentials it resolved first: start a fresh one for this user
        patch.setattr(boto3, "DEFAULT_SESSION", None)
        yield


def run_as(
    iam_moto: IamMoto, user: str, case: str, run_id: str
) -> tuple[RedshiftCrossAccountDataMigration, MigrationResult | ConfigError]:
    """Run the step on ``config/<case>.csv`` as ``user``; returns the step and its result or ``ConfigError``."""
    args = {
        "config_path": f"s3://{BUCKET}/config/{case}.csv",
        "error_output_path": f"s3://{BUCKET}/errors/",
        "summary_output_path": f"s3://{BUCKET}/runs/",
        "JOB_RUN_ID": run_id,
    }
    step = RedshiftCrossAccountDataMigration(args)
    outcome: MigrationResult | ConfigError
    with acting_as(iam_moto, user):
        try:
            outcome = step.run()
        except ConfigError as error:
            outcome = error
        finally:
            step.close()
    return step, outcome


def no_secret_in(iam_moto: IamMoto, endpoints: StackEndpoints, *texts: str) -> None:
    """No IAM secret access key and no Redshift password in any of ``texts``."""
    secrets = [secret for _, secret in iam_moto.keys.values()] + [endpoints.etl_password, endpoints.admin_password]
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_config_file_not_readable(
    iam_moto: IamMoto, db: Db, endpoints: StackEndpoints, caplog: pytest.LogCaptureFixture
) -> None:
    """a. No s3:GetObject on the config file: the run stops before any row, naming the file."""
    _, denied = run_as(iam_moto, "job-no-read-config", "a", "iam-a-denied")
    assert isinstance(denied, ConfigError)
    assert str(denied) == f"config file s3://{BUCKET}/config/a.csv could not be read: access denied (AccessDenied)"
    assert db.count(f"{TARGET}.a") == 0
    assert iam_moto.keys_under("errors/iam-a-denied/") == []
    assert iam_moto.keys_under("runs/iam-a-denied/") == []

    _, allowed = run_as(iam_moto, "job-full", "a", "iam-a-full")
    assert isinstance(allowed, MigrationResult) and allowed.ok, allowed
    assert db.count(f"{TARGET}.a") == SOURCE_ROWS
    no_secret_in(iam_moto, endpoints, str(denied), caplog.text)


def test_error_file_not_writable(
    iam_moto: IamMoto, db: Db, endpoints: StackEndpoints, caplog: pytest.LogCaptureFixture
) -> None:
    """b. No s3:PutObject on the error path: the good row loads, the run fails with the error file's URI, and the
    failed row is still reported (result, logs, and the run summary, which may be written)."""
    step, result = run_as(iam_moto, "job-no-write-errors", "b", "iam-b-denied")
    assert isinstance(result, MigrationResult)
    error_uri = f"s3://{BUCKET}/errors/iam-b-denied/failed_rows.json"
    assert result.output_error == f"error file {error_uri} could not be written: access denied (AccessDenied)"
    assert result.error_file is None
    assert step.exit_code(result) == 1
    assert db.count(f"{TARGET}.b") == SOURCE_ROWS
    assert [o.status for o in result.outcomes] == [RowStatus.SUCCEEDED, RowStatus.FAILED]
    row_error = result.outcomes[1].error or ""
    assert f"{TARGET}.missing" in row_error and "does not exist" in row_error
    assert iam_moto.keys_under("errors/iam-b-denied/") == []

    # nothing lost: the failed row and its reason are in the log, and in the summary document
    assert f"{TARGET}.missing (line 3) append: FAILED" in caplog.text
    assert row_error in caplog.text
    assert result.output_error in caplog.text
    assert "run iam-b-denied: 1 succeeded, 1 failed" in caplog.text
    summary = iam_moto.read_json("runs/iam-b-denied/summary.json")
    assert summary["error_file"] is None
    assert [(row["target_table"], row["status"], row["error"]) for row in summary["rows"]] == [
        (f"{TARGET}.b", "succeeded", None),
        (f"{TARGET}.missing", "failed", row_error),
    ]

    step, allowed = run_as(iam_moto, "job-full", "b", "iam-b-full")
    assert isinstance(allowed, MigrationResult)
    assert allowed.output_error is None
    assert allowed.error_file == f"s3://{BUCKET}/errors/iam-b-full/failed_rows.json"
    assert [row["target_table"] for row in iam_moto.read_json("errors/iam-b-full/failed_rows.json")] == [
        f"{TARGET}.missing"
    ]
    assert step.exit_code(allowed) == 1  # a row failed, but every output was written
    no_secret_in(iam_moto, endpoints, result.output_error, caplog.text)


def test_secret_not_readable(
    iam_moto: IamMoto, db: Db, endpoints: StackEndpoints, caplog: pytest.LogCaptureFixture
) -> None:
    """c. No secretsmanager:GetSecretValue: the rows using the secret fail with a message naming the secret and
    the denial; the error file (allowed) holds them."""
    with pytest.raises(ClientError) as direct:  # what moto answers, and that the policy is the reason
        iam_moto.client("secretsmanager", "job-no-read-secrets").get_secret_value(SecretId=SECRET)
    assert direct.value.response["Error"]["Code"] == "403"
    assert "is not authorized to perform: secretsmanager:GetSecretValue" in direct.value.response["Error"]["Message"]

    step, result = run_as(iam_moto, "job-no-read-secrets", "c", "iam-c-denied")
    assert isinstance(result, MigrationResult)
    message = (
        f"secret '{SECRET}' could not be read: access denied (403): the AWS credentials in use need "
        "secretsmanager:GetSecretValue on this secret and kms:Decrypt on its KMS key"
    )
    assert [(o.status, o.error) for o in result.outcomes] == [(RowStatus.FAILED, message)] * 2
    assert result.output_error is None
    assert result.error_file == f"s3://{BUCKET}/errors/iam-c-denied/failed_rows.json"
    assert step.exit_code(result) == 1
    failed = iam_moto.read_json("errors/iam-c-denied/failed_rows.json")
    assert [(row["target_table"], row["secret_name"], row["error"]) for row in failed] == [
        (f"{TARGET}.c1", SECRET, message),
        (f"{TARGET}.c2", SECRET, message),
    ]
    assert (db.count(f"{TARGET}.c1"), db.count(f"{TARGET}.c2")) == (0, 0)
    assert message in caplog.text

    _, allowed = run_as(iam_moto, "job-full", "c", "iam-c-full")
    assert isinstance(allowed, MigrationResult) and allowed.ok, allowed
    assert (db.count(f"{TARGET}.c1"), db.count(f"{TARGET}.c2")) == (SOURCE_ROWS, SOURCE_ROWS)
    no_secret_in(iam_moto, endpoints, json.dumps(failed), caplog.text)


def test_a_secret_that_does_not_exist_names_its_region_and_the_closest_names_when_listing_is_allowed(
    iam_moto: IamMoto, db: Db, caplog: pytest.LogCaptureFixture
) -> None:
    """d. A misspelt secret name: the row fails saying the secret does not exist in the region asked, with the closest
    names when the job may call secretsmanager:ListSecrets, and without them (nothing else changed) when it may not
    (issue 32, item 8)."""
    with pytest.raises(ClientError) as direct:  # listing is really denied to the job's usual role
        iam_moto.client("secretsmanager", "job-full").list_secrets()
    assert direct.value.response["Error"]["Code"] == "403"
    missing = f"secret '{SECRET[:-1]}' does not exist in us-east-1 (ResourceNotFoundException)"

    _, not_listed = run_as(iam_moto, "job-full", "d", "iam-d-denied")
    assert isinstance(not_listed, MigrationResult) and not not_listed.ok
    assert [(o.status, o.error) for o in not_listed.outcomes] == [(RowStatus.FAILED, missing)]

    _, listed = run_as(iam_moto, "job-listing-secrets", "d", "iam-d-listed")
    assert isinstance(listed, MigrationResult)
    assert [(o.status, o.error) for o in listed.outcomes] == [
        (RowStatus.FAILED, f"{missing}; did you mean '{SECRET}'?")
    ]
    assert db.count(f"{TARGET}.d") == 0
