"""The migration through the Redshift Data API: requests per row, the ways to authenticate, and faults (a statement
that fails, error 1023, throttling, a response lost after the batch committed)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import boto3
import pytest

from glue_elt import MigrationResult, RowStatus
from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.data_api.executor import DataApiExecutor
from local_stack.aws_api.process import set_faults
from local_stack.endpoints import LOCAL_CLUSTER_ID, LOCAL_WORKGROUP, StackEndpoints
from local_stack.stack import LocalStack
from tests.conftest import Db, run_step
from tests.integration.redshift_errors import fail_first_insert_with_1023
from tests.integration.test_executors import FAST_RETRIES, config, line, seed

PutConfig = Callable[[str, str], str]
JOB_ROLE = "arn:aws:iam::123456789012:role/glue-elt-job"
JOB_ROLE_USER = "IAMR:glue-elt-job"


@pytest.fixture(scope="module")
def api_secret(endpoints: StackEndpoints) -> str:
    """A password secret naming the local cluster: the Data API reads it by ARN."""
    name = "glue-elt/data-api"
    secret = endpoints.redshift_secret(dbClusterIdentifier=LOCAL_CLUSTER_ID)
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=secret)
    return name


@pytest.fixture
def faults(stack: LocalStack, db: Db, api_secret: str, put_config: PutConfig) -> Iterator[str]:
    """The local API server's test controls, armed by the test; the state table exists first (one small
    migration), so that a fault meets the row's batch, not the state table's creation."""
    stack.create_source_schema("faults_src")
    stack.create_target_schema("faults_tgt")
    db.admin("CREATE TABLE IF NOT EXISTS faults_src.warm (id int)")
    db.as_etl("CREATE TABLE IF NOT EXISTS faults_tgt.warm (id int)")
    (warm,) = migrate(config(put_config, "warm", line("faults_src", "faults_tgt", api_secret, table="warm"))).outcomes
    assert warm.status is RowStatus.SUCCEEDED
    url = stack.endpoints.redshift_api_url
    yield url
    set_faults(url, reset=True)


def migrate(uri: str, executor: DataApiExecutor | None = None, **params: object) -> MigrationResult:
    args = {"config_path": uri, "executor": "data_api", **FAST_RETRIES, **params}
    return run_step(args, executor=executor) if executor is not None else run_step(args)


def test_one_batch_request_per_row_and_polling_counted_apart(
    db: Db, schemas: tuple[str, str], api_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    for table in ("a", "b", "c"):
        seed(db, source, target, table)
    uri = config(put_config, "calls", *(line(source, target, api_secret, table=t) for t in ("a", "b", "c")))
    executor = DataApiExecutor(SecretStore())
    result = migrate(uri, executor, max_parallel="1", state_table=f"{target}.state")
    assert [o.status for o in result.outcomes] == [RowStatus.SUCCEEDED] * 3
    calls = executor.calls
    assert calls["BatchExecuteStatement"] == 1 + 3  # the state table's creation, then one request per row
    assert calls["DescribeStatement"] >= calls["BatchExecuteStatement"] + calls["ExecuteStatement"]
    assert calls["GetStatementResult"] <= calls["ExecuteStatement"]


def test_a_statement_that_fails_at_load_time_fails_its_row_and_changes_nothing(
    db: Db, schemas: tuple[str, str], api_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int, v text)", f"INSERT INTO {source}.t VALUES (1, 'ok'), (2, 'too long')")
    db.as_etl(f"CREATE TABLE {target}.t (id int, v varchar(3))", f"INSERT INTO {target}.t VALUES (0, 'old')")
    uri = config(put_config, "fails", line(source, target, api_secret, "overwrite"))
    (outcome,) = migrate(uri, fail_on_error="false", allow_narrowing="true").outcomes  # past the pre-flight's refusal
    assert outcome.status is RowStatus.FAILED and outcome.error is not None
    assert "value too long for type character varying(3)" in outcome.error
    assert db.rows(f"SELECT id, v FROM {target}.t") == [(0, "old")]  # the batch's DELETE rolled back too


@pytest.mark.parametrize("mode", ["delete", "truncate"])
def test_a_rerun_after_a_failed_batch_loads_once_when_the_cause_is_fixed(
    db: Db, schemas: tuple[str, str], api_secret: str, put_config: PutConfig, mode: str
) -> None:
    """Within 8 hours the service answers the failed batch's ``ClientToken`` with that batch (mgmt/data-api.html):
    the re-run sees it was created before its own first statement, so the old failure is not reported again, and
    the row loads under a new token."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int, v text)", f"INSERT INTO {source}.t VALUES (1, 'ok'), (2, 'too long')")
    db.as_etl(f"CREATE TABLE {target}.t (id int, v varchar(3))", f"INSERT INTO {target}.t VALUES (0, 'old')")
    uri = config(put_config, f"rerun-{mode}", line(source, target, api_secret, "overwrite"))
    params = {"run_id": f"rerun-{target}-{mode}", "overwrite_mode": mode, "fail_on_error": "false",
              "allow_narrowing": "true"}  # fmt: skip
    (failed,) = migrate(uri, **params).outcomes
    assert failed.status is RowStatus.FAILED and "value too long" in (failed.error or "")
    db.as_etl(f"ALTER TABLE {target}.t ALTER COLUMN v TYPE text")  # the cause, fixed
    (again,) = migrate(uri, **params).outcomes
    assert (again.status, again.rows_affected, again.error) == (RowStatus.SUCCEEDED, 2, None)
    assert db.rows(f"SELECT id, v FROM {target}.t ORDER BY id") == [(1, "ok"), (2, "too long")]
    assert db.rows(f"SELECT count(*) FROM glue_elt.migration_state WHERE run_id = '{params['run_id']}'") == [(1,)]


@pytest.mark.parametrize("omitted", [False, True], ids=["top-level-error", "sub-statement-error-only"])
def test_error_1023_is_retried_and_loads_once(
    db: Db,
    schemas: tuple[str, str],
    api_secret: str,
    put_config: PutConfig,
    faults: str,
    caplog: pytest.LogCaptureFixture,
    omitted: bool,
) -> None:
    """The server raises error 1023 exactly as Redshift sends it; the Data API reports it as text
    (``ERROR: 1023`` and a detail line), which marks it transient, also when only the failed sub-statement
    carries it (``omit_batch_error``)."""
    source, target = schemas
    seed(db, source, target)
    db.as_etl(*fail_first_insert_with_1023(target, "t"))
    set_faults(faults, omit_batch_error=omitted)
    with caplog.at_level(logging.WARNING):
        (outcome,) = migrate(config(put_config, f"1023-{omitted}", line(source, target, api_secret))).outcomes
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SUCCEEDED, 20)
    assert db.count(f"{target}.t") == 20
    assert db.rows(f"SELECT last_value FROM {target}.attempts") == [(2,)]
    assert "1023 (Detail: Serializable isolation violation" in caplog.text


def test_a_guard_reported_only_in_its_sub_statement_still_names_the_duplicate_key(
    db: Db, schemas: tuple[str, str], api_secret: str, put_config: PutConfig, faults: str
) -> None:
    """The upsert's merge-key guard divides by zero; with the top-level ``Error`` left out of the answer the
    step still knows it for the guard's ("by zero") and names the duplicate key."""
    source, target = schemas
    seed(db, source, target, "dup")
    db.admin(f"INSERT INTO {source}.dup VALUES (3, 3, 'again')")
    set_faults(faults, omit_batch_error=True)
    uri = config(put_config, "guard-omitted", line(source, target, api_secret, "upsert", "dup", merge_keys="id"))
    (outcome,) = migrate(uri, fail_on_error="false").outcomes
    assert outcome.status is RowStatus.FAILED and outcome.error is not None
    assert "duplicate merge keys (id): (3)" in outcome.error and "nothing was changed" in outcome.error
    assert db.count(f"{target}.dup") == 0


@pytest.mark.parametrize("throttled", [2, 7])
def test_throttling_is_retried(
    db: Db, schemas: tuple[str, str], api_secret: str, put_config: PutConfig, faults: str, throttled: int
) -> None:
    """A few throttled calls are retried by boto3; more than its attempts, by the executor's pacer."""
    source, target = schemas
    seed(db, source, target)
    set_faults(faults, throttle_next=throttled, throttle_operations=["BatchExecuteStatement"])
    (outcome,) = migrate(config(put_config, f"throttle-{throttled}", line(source, target, api_secret))).outcomes
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SUCCEEDED, 20)
    assert db.count(f"{target}.t") == 20
    assert json.loads(json.dumps(set_faults(faults)))["throttle_next"] == 0


def test_a_throttling_burst_beyond_the_retry_budget_loads_the_row_once(
    db: Db,
    schemas: tuple[str, str],
    api_secret: str,
    put_config: PutConfig,
    faults: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Eight throttled calls of every operation, boto3 not retrying (one attempt per call) and one retry for
    the row: four times the row's two attempts. The pacer waits them out; the row's retries stay unused."""
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    source, target = schemas
    seed(db, source, target)
    set_faults(faults, throttle_next=8)
    with caplog.at_level(logging.WARNING):
        uri = config(put_config, "throttle-burst", line(source, target, api_secret))
        (outcome,) = migrate(uri, max_retries="1").outcomes
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SUCCEEDED, 20)
    assert db.count(f"{target}.t") == 20
    assert set_faults(faults)["throttle_next"] == 0
    assert "transient error" not in caplog.text  # no retry of the row was logged


@pytest.mark.parametrize(("lost", "mode"), [(1, "close"), (1, "500"), (7, "close")])
def test_a_response_lost_after_the_batch_committed_does_not_load_twice(
    db: Db, schemas: tuple[str, str], api_secret: str, put_config: PutConfig, faults: str, lost: int, mode: str
) -> None:
    """boto3 sends the request again with the same ClientToken and is answered with the committed batch; when
    every answer is lost, the step's retry finds the row in the state table and skips it."""
    source, target = schemas
    seed(db, source, target)
    set_faults(faults, lose_response_of_next_batch=lost, lose_response_mode=mode)
    (outcome,) = migrate(config(put_config, f"lost-{lost}-{mode}", line(source, target, api_secret))).outcomes
    expected = RowStatus.SUCCEEDED if lost == 1 else RowStatus.SKIPPED  # 7: more than boto3 attempts per call
    assert (outcome.status, outcome.rows_affected) == (expected, 20)
    assert db.count(f"{target}.t") == 20


@pytest.mark.parametrize(
    "secret",
    [
        {"cluster_identifier": LOCAL_CLUSTER_ID, "username": "etl_user"},  # DbUser: GetClusterCredentials
        {"cluster_identifier": LOCAL_CLUSTER_ID},  # the job's IAM identity (GetClusterCredentialsWithIAM)
        {"workgroup_name": LOCAL_WORKGROUP},  # Serverless: the job's IAM identity (GetCredentials)
    ],
    ids=["cluster-db-user", "cluster-iam", "serverless-iam"],
)
def test_passwordless_targets(
    stack: LocalStack, db: Db, schemas: tuple[str, str], put_config: PutConfig, secret: dict[str, str]
) -> None:
    """The Data API with temporary credentials; the IAM identity is the assumed job role (``IAMR:glue-elt-job``),
    which the test grants what a DBA would."""
    source, target = schemas
    seed(db, source, target)
    name = f"glue-elt/passwordless-{target}"
    payload = {**secret, "dbname": stack.endpoints.database}
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(payload))
    params: dict[str, object] = {"state_table": f"{target}.state"}
    if "username" not in secret:
        boto3.client("redshift-serverless").get_credentials(workgroupName=LOCAL_WORKGROUP)  # any call creates users
        role = boto3.client("sts").assume_role(RoleArn=JOB_ROLE, RoleSessionName="grant")["Credentials"]
        boto3.client(
            "redshift",
            aws_access_key_id=role["AccessKeyId"],
            aws_secret_access_key=role["SecretAccessKey"],
            aws_session_token=role["SessionToken"],
        ).get_cluster_credentials_with_iam(ClusterIdentifier=LOCAL_CLUSTER_ID)  # creates the role's user
        db.admin(
            f'GRANT USAGE ON SCHEMA {source} TO "{JOB_ROLE_USER}"',
            f'GRANT SELECT ON {source}.t TO "{JOB_ROLE_USER}"',
            f'GRANT USAGE, CREATE ON SCHEMA {target} TO "{JOB_ROLE_USER}"',
            f'GRANT SELECT, INSERT, DELETE ON {target}.t TO "{JOB_ROLE_USER}"',
        )
        params["assume_role_arn"] = JOB_ROLE
    (outcome,) = migrate(config(put_config, f"pwless-{target}", line(source, target, name)), **params).outcomes
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SUCCEEDED, 20), outcome.error
    assert db.count(f"{target}.t") == 20
    expected_user = "etl_user" if "username" in secret else JOB_ROLE_USER
    assert db.rows(f"SELECT tableowner FROM pg_tables WHERE schemaname = '{target}' AND tablename = 'state'") == [
        (expected_user,)
    ]


def test_without_temp_on_the_database_the_pre_flight_refuses_every_row(
    stack: LocalStack, db: Db, schemas: tuple[str, str], api_secret: str, put_config: PutConfig
) -> None:
    """Batch loads keep the target's count in a temporary table: TEMP on the database is checked before any
    write (Redshift and PostgreSQL grant it to PUBLIC by default; the stack grants it to etl_user as well)."""
    source, target = schemas
    seed(db, source, target)
    database, user = stack.endpoints.database, stack.endpoints.etl_user
    db.admin(f"REVOKE TEMP ON DATABASE {database} FROM PUBLIC", f"REVOKE TEMP ON DATABASE {database} FROM {user}")
    try:
        result = migrate(config(put_config, "no-temp", line(source, target, api_secret)), fail_on_error="false")
    finally:
        db.admin(f"GRANT TEMP ON DATABASE {database} TO PUBLIC", f"GRANT TEMP ON DATABASE {database} TO {user}")
    (outcome,) = result.outcomes
    assert outcome.status is RowStatus.FAILED and outcome.error is not None
    assert f"lacks TEMP on database {database}" in outcome.error and "GRANT TEMP ON DATABASE" in outcome.error
    assert db.count(f"{target}.t") == 0


def test_an_answer_lost_while_the_batch_runs_never_starts_a_second_batch(
    db: Db,
    schemas: tuple[str, str],
    api_secret: str,
    put_config: PutConfig,
    faults: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The batch is still running (a trigger makes its insert take 3 s) when its answers are lost, more often
    than boto3 tries (pinned to 3 tries: older botocore defaults to 5, with longer waits): the step's retry
    finds nothing committed yet, sends the same ClientToken again, is answered with the running batch and
    waits for it. Had it sent a new request, the rows would be inserted twice."""
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    source, target = schemas
    seed(db, source, target)
    db.as_etl(
        f"CREATE SEQUENCE {target}.inserts",
        f"""CREATE FUNCTION {target}.slow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM nextval('{target}.inserts'); PERFORM pg_sleep(3); RETURN NULL; END $$""",
        f"CREATE TRIGGER slow AFTER INSERT ON {target}.t FOR EACH STATEMENT EXECUTE FUNCTION {target}.slow()",
    )
    set_faults(faults, lose_response_of_next_batch=5, lose_response_mode="close_running")
    (outcome,) = migrate(config(put_config, "lost-running", line(source, target, api_secret))).outcomes
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SUCCEEDED, 20)
    assert db.count(f"{target}.t") == 20
    assert db.rows(f"SELECT last_value FROM {target}.inserts") == [(1,)]  # one insert ran
