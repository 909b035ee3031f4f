"""The local stand-in for the Redshift Data API, Redshift Serverless and Redshift's temporary credentials
(``local_stack.aws_api``), driven by real boto3 clients through the standard endpoint variables, executing for real
on the PostgreSQL stand-in through PgBouncer."""

from __future__ import annotations

import json
import shlex
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import boto3
import pytest
import redshift_connector
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError
from redshift_connector.error import InterfaceError, ProgrammingError

from local_stack import LocalStack, StackEndpoints
from local_stack.aws_api.process import set_faults
from local_stack.endpoints import LOCAL_CLUSTER_ID, LOCAL_WORKGROUP
from tests.conftest import Db, make_secret

pytestmark = pytest.mark.integration

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})
CLUSTER = {"ClusterIdentifier": LOCAL_CLUSTER_ID, "Database": "shared_db"}
AS_ETL = {**CLUSTER, "DbUser": "etl_user"}
TERMINAL = ("FINISHED", "FAILED", "ABORTED")


def data_client(config: Config | None = None, **keys: Any) -> Any:
    return boto3.client("redshift-data", config=config, **keys)


def wait(client: Any, statement_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll DescribeStatement until the statement ended, as a Data API client must."""
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = client.describe_statement(Id=statement_id)
        if described["Status"] in TERMINAL or time.monotonic() > deadline:
            return described
        time.sleep(0.05)


def run(client: Any, sql: str, **extra: Any) -> dict[str, Any]:
    """ExecuteStatement as etl_user, then wait for it."""
    return wait(client, client.execute_statement(Sql=sql, **{**AS_ETL, **extra})["Id"])


def values(client: Any, statement_id: str) -> list[list[Any]]:
    """Every record of a result (all pages), each field as its one value."""
    records = []
    for page in client.get_paginator("get_statement_result").paginate(Id=statement_id):
        records += [[next(iter(field.values())) for field in record] for record in page["Records"]]
    return records


def login(ep: StackEndpoints, user: str, password: str) -> Any:
    return redshift_connector.connect(
        host=ep.host, port=ep.front_door_port, database=ep.database, user=user, password=password, ssl=False
    )


def who(conn: Any) -> tuple[str, str]:
    cursor = conn.cursor()
    cursor.execute("select current_user, session_user")
    row = cursor.fetchone()
    return str(row[0]), str(row[1])


@pytest.fixture
def faults(stack: LocalStack) -> Iterator[str]:
    """The server's URL for its test controls; every fault is disarmed afterwards."""
    url = stack.endpoints.redshift_api_url
    yield url
    set_faults(url, reset=True)


@pytest.fixture(scope="module")
def table(stack: LocalStack) -> str:
    """An empty table of etl_user's, ``api.t (id int, note text)``."""
    stack.create_target_schema("api")
    stack.run_as_etl("CREATE TABLE api.t (id int, note text)")
    return "api.t"


def test_endpoint_variables_reach_the_server(stack: LocalStack) -> None:
    ep = stack.endpoints
    env = ep.aws_env()
    for service in ("REDSHIFT_DATA", "REDSHIFT_SERVERLESS", "REDSHIFT"):
        assert env[f"AWS_ENDPOINT_URL_{service}"] == ep.redshift_api_url
    assert env["AWS_ENDPOINT_URL"] == ep.moto_url
    script = f"set -e; source {shlex.quote(str(stack.state_dir / 'env'))}; env -0"
    sourced = subprocess.run(["bash", "-c", script], capture_output=True, check=True, env={}, timeout=30).stdout
    pairs = dict(item.split("=", 1) for item in sourced.decode().split("\0") if "=" in item)
    assert {key: pairs[key] for key in env} == env
    assert pairs["GLUE_ELT_STACK_CLUSTER_ID"] == LOCAL_CLUSTER_ID
    assert stack.pids()["redshift_api"] is not None
    assert boto3.client("redshift").describe_clusters()["Clusters"][0]["Endpoint"]["Port"] == ep.front_door_port


def test_execute_poll_and_page_through_results(stack: LocalStack) -> None:
    client = data_client()
    submitted = client.execute_statement(
        Sql="select g as n, 'row ' || g as label, g * 0.5 as half, g % 2 = 0 as even, "
        "date '2026-01-01' + g as day, case when g = 3 then null end as gap from generate_series(1, 2500) g",
        StatementName="paging",
        **AS_ETL,
    )
    assert submitted["DbUser"] == "etl_user" and submitted["ClusterIdentifier"] == LOCAL_CLUSTER_ID
    assert "Status" not in submitted  # without WaitTimeSeconds the answer comes before the statement ran
    described = wait(client, submitted["Id"])
    assert described["Status"] == "FINISHED", described
    assert (described["ResultRows"], described["HasResultSet"]) == (2500, True)
    assert described["RedshiftPid"] > 0 and described["Duration"] > 0 and described["ResultSize"] > 0
    first = client.get_statement_result(Id=submitted["Id"])
    assert (len(first["Records"]), first["TotalNumRows"]) == (1000, 2500) and first["NextToken"]
    assert [c["typeName"] for c in first["ColumnMetadata"]] == ["int4", "text", "numeric", "bool", "date", "text"]
    assert first["Records"][2] == [
        {"longValue": 3},
        {"stringValue": "row 3"},
        {"stringValue": "1.5"},
        {"booleanValue": False},
        {"stringValue": "2026-01-04"},
        {"isNull": True},
    ]
    second = client.get_statement_result(Id=submitted["Id"], NextToken=first["NextToken"])
    third = client.get_statement_result(Id=submitted["Id"], NextToken=second["NextToken"])
    assert [len(second["Records"]), len(third["Records"])] == [1000, 500] and "NextToken" not in third
    assert [row[0] for row in values(client, submitted["Id"])] == list(range(1, 2501))
    with pytest.raises(ClientError, match="NextToken"):
        client.get_statement_result(Id=submitted["Id"], NextToken="bogus")


def test_runs_as_the_named_user_with_bound_parameters(stack: LocalStack) -> None:
    client = data_client()
    done = run(
        client,
        "select current_user, :id + 1 as next, :name as name, ':id' as literal, 7 % 4 as modulo",
        Parameters=[{"name": "id", "value": "41"}, {"name": "name", "value": "it's"}],
    )
    assert done["Status"] == "FINISHED" and done["QueryParameters"][0] == {"name": "id", "value": "41"}
    assert values(client, done["Id"]) == [["etl_user", 42, "it's", ":id", 3]]
    with pytest.raises(ClientError, match="not used") as unused:
        client.execute_statement(Sql="select 1", Parameters=[{"name": "x", "value": "1"}], **AS_ETL)
    assert unused.value.response["Error"]["Code"] == "ValidationException"


def test_batch_commits_in_one_transaction(stack: LocalStack, db: Db, table: str) -> None:
    client = data_client()
    submitted = client.batch_execute_statement(
        Sqls=[
            f"insert into {table} values (1, 'one')",
            "select txid_current() as tx",
            f"insert into {table} values (2, 'two')",
            f"select count(*) as n, txid_current() as tx from {table} where id in (1, 2)",
        ],
        **AS_ETL,
    )
    described = wait(client, submitted["Id"])
    # ExecutionMode is missing from the models of older botocore releases (Python 3.9 gets boto3 1.42)
    assert described["Status"] == "FINISHED" and described.get("ExecutionMode", "TRANSACTION") == "TRANSACTION"
    subs = described["SubStatements"]
    assert [s["Id"] for s in subs] == [f"{submitted['Id']}:{n}" for n in range(1, 5)]
    assert [(s["Status"], s["HasResultSet"], s["ResultRows"]) for s in subs] == [
        ("FINISHED", False, 1),
        ("FINISHED", True, 1),
        ("FINISHED", False, 1),
        ("FINISHED", True, 1),
    ]
    [[tx_early]] = values(client, subs[1]["Id"])
    [[count, tx_late]] = values(client, subs[3]["Id"])
    assert (count, tx_late) == (2, tx_early)  # one transaction
    assert db.rows(f"select id from {table} where id in (1, 2) order by id") == [(1,), (2,)]
    assert client.describe_statement(Id=subs[3]["Id"])["QueryString"].startswith("select count(*)")
    with pytest.raises(ClientError, match=r"can only be retrieved with sub-statement id\."):
        client.get_statement_result(Id=submitted["Id"])


def test_batch_rolls_back_when_a_statement_fails(stack: LocalStack, db: Db, table: str) -> None:
    client = data_client()
    submitted = client.batch_execute_statement(
        Sqls=[f"insert into {table} values (10, 'x')", "insert into api.missing values (1)", "select 1"], **AS_ETL
    )
    described = wait(client, submitted["Id"])
    assert described["Status"] == "FAILED"
    assert described["Error"] == 'ERROR: relation "api.missing" does not exist'
    assert [s["Status"] for s in described["SubStatements"]] == ["FINISHED", "FAILED", "ABORTED"]
    assert described["SubStatements"][1]["Error"] == described["Error"]
    assert db.count(f"{table} where id = 10") == 0


def test_failed_statement_reports_the_server_message(stack: LocalStack) -> None:
    client = data_client()
    missing = run(client, "select * from api.nowhere")
    assert (missing["Status"], missing["Error"]) == ("FAILED", 'ERROR: relation "api.nowhere" does not exist')
    assert missing["ResultRows"] == -1 and missing["HasResultSet"] is False
    redshift_1023 = run(
        client,
        "do $$ begin raise exception using errcode = 'XX000', message = '1023', detail = 'Serializable isolation "
        "violation on table - 119371, transactions forming the cycle are: 1745830, 1745762 (pid:15021)'; end $$",
    )
    assert redshift_1023["Error"] == (
        "ERROR: 1023\n  Detail: Serializable isolation violation on table - 119371, transactions forming the cycle "
        "are: 1745830, 1745762 (pid:15021)"
    )
    with pytest.raises(ClientError, match="Query does not have result"):
        client.get_statement_result(Id=missing["Id"])


def test_client_token_makes_a_request_run_once(stack: LocalStack, db: Db, table: str) -> None:
    client = data_client()
    request = {"Sql": f"insert into {table} values (20, 'once')", "ClientToken": "token-execute-20", **AS_ETL}
    first = client.execute_statement(**request)
    wait(client, first["Id"])
    again = client.execute_statement(**request)
    assert again["Id"] == first["Id"]
    assert db.count(f"{table} where id = 20") == 1
    with pytest.raises(ClientError, match="already used with different request parameters"):
        client.execute_statement(**{**request, "Sql": f"insert into {table} values (21, 'other')"})
    batch = {"Sqls": [f"insert into {table} values (22, 'once')"], "ClientToken": "token-batch-22", **AS_ETL}
    ids = {client.batch_execute_statement(**batch)["Id"] for _ in range(3)}
    assert len(ids) == 1 and wait(client, ids.pop())["Status"] == "FINISHED"
    assert db.count(f"{table} where id = 22") == 1


def test_a_reused_token_answers_its_failed_batch_without_running_it_until_the_token_expires(
    stack: LocalStack, db: Db, table: str, faults: str
) -> None:
    """AWS: a request with a known ``ClientToken`` "completes successfully without performing any further actions"
    and returns the original statement, whatever it did; the token expires after 8 hours (mgmt/data-api.html)."""
    db.admin(f"CREATE SEQUENCE {table}_tries", f"GRANT USAGE ON SEQUENCE {table}_tries TO etl_user")
    client = data_client()
    batch = {"Sqls": [f"select nextval('{table}_tries')", "insert into api.missing values (1)"], **AS_ETL}
    first = client.batch_execute_statement(ClientToken="token-failed-batch", **batch)
    assert wait(client, first["Id"])["Status"] == "FAILED"
    again = client.batch_execute_statement(ClientToken="token-failed-batch", **batch)
    assert again["Id"] == first["Id"] and wait(client, again["Id"])["Status"] == "FAILED"
    assert db.rows(f"SELECT last_value FROM {table}_tries") == [(1,)]  # not run a second time
    set_faults(faults, expire_client_tokens=True)
    renewed = client.batch_execute_statement(ClientToken="token-failed-batch", **batch)
    assert renewed["Id"] != first["Id"] and wait(client, renewed["Id"])["Status"] == "FAILED"
    assert db.rows(f"SELECT last_value FROM {table}_tries") == [(2,)]


def role_session(role: str, session: str) -> dict[str, str]:
    """Keys of one session of ``role`` (moto's STS), as boto3 client arguments."""
    found = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName=session)["Credentials"]
    return {
        "aws_access_key_id": found["AccessKeyId"],
        "aws_secret_access_key": found["SecretAccessKey"],
        "aws_session_token": found["SessionToken"],
    }


def test_list_statements_finds_a_role_s_statements_by_name_prefix_and_status(stack: LocalStack, table: str) -> None:
    """``ListStatements`` (API reference): ``StatementName`` is a case-sensitive prefix; only FINISHED statements by
    default, any with ``Status=ALL``; ``RoleLevel`` true (the default) lists the IAM role's statements from any of
    its sessions, false those of the calling session alone."""
    role = "arn:aws:iam::123456789012:role/lister"
    first, second = data_client(**role_session(role, "first")), data_client(**role_session(role, "second"))
    other = data_client(**role_session("arn:aws:iam::123456789012:role/other", "other"))
    name = f"list-{table}"
    done = first.batch_execute_statement(Sqls=["select 1"], StatementName=f"{name}-done", **AS_ETL)["Id"]
    assert wait(first, done)["Status"] == "FINISHED"
    failed = first.execute_statement(Sql="select * from api.missing", StatementName=f"{name}-failed", **AS_ETL)["Id"]
    assert wait(first, failed)["Status"] == "FAILED"
    first.execute_statement(Sql="select 1", StatementName=f"List-{table}", **AS_ETL)  # another case: no match

    def listed(client: Any, **filters: Any) -> dict[str, dict[str, Any]]:
        return {s["Id"]: s for s in client.list_statements(StatementName=name, **filters)["Statements"]}

    assert set(listed(first)) == {done}
    every = listed(second, Status="ALL")
    assert set(every) == {done, failed} and every[failed]["Status"] == "FAILED"
    assert every[done]["IsBatchStatement"] is True and every[done]["QueryStrings"] == ["select 1"]
    assert every[done]["StatementName"] == f"{name}-done"
    assert set(listed(first, Status="FAILED")) == {failed}
    assert listed(second, Status="ALL", RoleLevel=False) == {}
    assert set(listed(first, Status="ALL", RoleLevel=False)) == {done, failed}
    assert listed(other, Status="ALL") == {}
    paged = first.list_statements(StatementName=name, Status="ALL", MaxResults=1)
    assert len(paged["Statements"]) == 1 and paged["NextToken"]
    rest = first.list_statements(StatementName=name, Status="ALL", MaxResults=1, NextToken=paged["NextToken"])
    assert {s["Id"] for s in paged["Statements"] + rest["Statements"]} == {done, failed}


def test_cancel_aborts_a_running_statement(stack: LocalStack) -> None:
    client = data_client()
    statement_id = client.execute_statement(Sql="select pg_sleep(60)", **AS_ETL)["Id"]
    deadline = time.monotonic() + 20
    while client.describe_statement(Id=statement_id)["Status"] != "STARTED" and time.monotonic() < deadline:
        time.sleep(0.05)
    began = time.monotonic()
    assert client.cancel_statement(Id=statement_id)["Status"] is True
    described = wait(client, statement_id, timeout=10)
    assert described["Status"] == "ABORTED" and time.monotonic() - began < 10
    with pytest.raises(ClientError) as late:
        client.cancel_statement(Id=statement_id)
    assert late.value.response["Error"]["Code"] == "ValidationException"
    assert late.value.response["Error"]["Message"] == (
        f"Could not cancel a query that is already in ABORTED state with ID: {statement_id}"
    )


def test_throttling_hook(stack: LocalStack, faults: str) -> None:
    set_faults(faults, throttle_next=2)
    strict = data_client(NO_RETRIES)
    for _ in range(2):
        with pytest.raises(ClientError) as throttled:
            strict.execute_statement(Sql="select 1", **AS_ETL)
        assert throttled.value.response["Error"]["Code"] == "ThrottlingException"
        assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert wait(strict, strict.execute_statement(Sql="select 1", **AS_ETL)["Id"])["Status"] == "FINISHED"
    set_faults(faults, throttle_next=2, throttle_operations=["GetClusterCredentials"])
    retried = boto3.client("redshift").get_cluster_credentials(DbUser="etl_user", ClusterIdentifier=LOCAL_CLUSTER_ID)
    assert retried["ResponseMetadata"]["RetryAttempts"] == 2  # botocore's own retries absorbed both


@pytest.mark.parametrize("mode", ["close", "500"])
def test_lost_response_of_a_committed_batch(stack: LocalStack, db: Db, table: str, faults: str, mode: str) -> None:
    number = 30 if mode == "close" else 31
    request = {"Sqls": [f"insert into {table} values ({number}, 'lost')"], "ClientToken": f"lost-{mode}", **AS_ETL}
    set_faults(faults, lose_response_of_next_batch=1, lose_response_mode=mode)
    strict = data_client(NO_RETRIES)
    expected: type[Exception] = ConnectionClosedError if mode == "close" else ClientError
    with pytest.raises(expected):
        strict.batch_execute_statement(**request)
    assert db.count(f"{table} where id = {number}") == 1  # it committed although the client got an error
    again = strict.batch_execute_statement(**request)
    assert wait(strict, again["Id"])["Status"] == "FINISHED"
    assert db.count(f"{table} where id = {number}") == 1  # the same Id; nothing ran again
    set_faults(faults, lose_response_of_next_batch=1, lose_response_mode=mode)
    retried = data_client().batch_execute_statement(Sqls=[f"insert into {table} values ({number + 10}, 'x')"], **AS_ETL)
    assert retried["ResponseMetadata"]["RetryAttempts"] == 1  # botocore resent it with its own ClientToken
    assert db.count(f"{table} where id = {number + 10}") == 1


def test_cluster_credentials_log_in_through_pgbouncer(stack: LocalStack, faults: str) -> None:
    ep, redshift = stack.endpoints, boto3.client("redshift")
    issued = redshift.get_cluster_credentials(
        DbUser="etl_user", DbName="shared_db", ClusterIdentifier=LOCAL_CLUSTER_ID, DurationSeconds=1800
    )
    assert issued["DbUser"] == "IAM:etl_user"
    assert 1700 < issued["Expiration"].timestamp() - time.time() <= 1800
    for _ in range(2):  # the second login reuses PgBouncer's pooled server connection: still etl_user
        with closing(login(ep, issued["DbUser"], issued["DbPassword"])) as conn:
            assert who(conn) == ("etl_user", "IAM:etl_user")
            conn.cursor().execute("select count(*) from api.t")  # etl_user's own table
    stack.run_as_admin("CREATE ROLE api_readers NOLOGIN")
    created = redshift.get_cluster_credentials(
        DbUser="api_new_user", AutoCreate=True, DbGroups=["api_readers"], ClusterIdentifier=LOCAL_CLUSTER_ID
    )
    assert created["DbUser"] == "IAMA:api_new_user"
    with closing(login(ep, created["DbUser"], created["DbPassword"])) as conn:
        assert who(conn)[0] == "api_new_user"
        cursor = conn.cursor()
        cursor.execute("select pg_has_role('api_new_user', 'api_readers', 'member')")
        assert cursor.fetchone()[0] is True
    absent = redshift.get_cluster_credentials(DbUser="api_nobody", ClusterIdentifier=LOCAL_CLUSTER_ID)
    with pytest.raises((InterfaceError, ProgrammingError)):  # AWS: succeeds, but the login fails
        login(ep, absent["DbUser"], absent["DbPassword"])
    assert set_faults(faults, expire_credentials=["IAM:etl_user"])["expired_credentials"] == ["IAM:etl_user"]
    with pytest.raises((InterfaceError, ProgrammingError)):
        login(ep, issued["DbUser"], issued["DbPassword"])


def test_credential_seconds_issues_logins_that_really_expire_then(stack: LocalStack, faults: str) -> None:
    """The ``credential_seconds`` control: whatever lifetime is asked for (here the real API's longest), a login lasts
    that long, an open session goes on, and once it expired no new session logs in with it (PgBouncer's pooled
    server connection for the user included)."""
    ep, redshift = stack.endpoints, boto3.client("redshift")
    assert set_faults(faults, credential_seconds=2)["credential_seconds"] == 2
    issued = redshift.get_cluster_credentials(
        DbUser="etl_user", ClusterIdentifier=LOCAL_CLUSTER_ID, DurationSeconds=3600
    )
    assert issued["Expiration"].timestamp() - time.time() <= 2
    with closing(login(ep, issued["DbUser"], issued["DbPassword"])) as conn:
        assert who(conn) == ("etl_user", "IAM:etl_user")
        deadline = time.monotonic() + 30
        refused = False
        while not refused and time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                login(ep, issued["DbUser"], issued["DbPassword"]).close()
            except (InterfaceError, ProgrammingError):
                refused = True
        assert refused, "the password still worked 30 s after its 2 s"
        assert who(conn) == ("etl_user", "IAM:etl_user")  # a session already open is not ended
    assert set_faults(faults, reset=True)["credential_seconds"] is None
    renewed = redshift.get_cluster_credentials(DbUser="etl_user", ClusterIdentifier=LOCAL_CLUSTER_ID)
    assert renewed["Expiration"].timestamp() - time.time() > 800  # the lifetime asked for (the default 900) again


def test_iam_identity_credentials_and_data_api(stack: LocalStack) -> None:
    ep = stack.endpoints
    role = "arn:aws:iam::123456789012:role/glue-elt-job"
    keys = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="it")["Credentials"]
    as_role = {
        "aws_access_key_id": keys["AccessKeyId"],
        "aws_secret_access_key": keys["SecretAccessKey"],
        "aws_session_token": keys["SessionToken"],
    }
    with_iam = boto3.client("redshift", **as_role).get_cluster_credentials_with_iam(
        ClusterIdentifier=LOCAL_CLUSTER_ID, DbName="shared_db"
    )
    serverless = boto3.client("redshift-serverless", **as_role).get_credentials(
        workgroupName=LOCAL_WORKGROUP, dbName="shared_db", durationSeconds=900
    )
    assert with_iam["DbUser"] == serverless["dbUser"] == "IAMR:glue-elt-job"
    with closing(login(ep, serverless["dbUser"], serverless["dbPassword"])) as conn:
        assert who(conn) == ("IAMR:glue-elt-job", "IAMR:glue-elt-job")
    client = data_client(**as_role)
    submitted = client.execute_statement(WorkgroupName=LOCAL_WORKGROUP, Database="shared_db", Sql="select current_user")
    assert submitted["DbUser"] == "IAMR:glue-elt-job" and "ClusterIdentifier" not in submitted
    assert wait(client, submitted["Id"])["Status"] == "FINISHED"
    assert values(client, submitted["Id"]) == [["IAMR:glue-elt-job"]]
    default = boto3.client("redshift-serverless").get_credentials(workgroupName=LOCAL_WORKGROUP)
    assert default["dbUser"] == "IAM:moto"  # moto's identity for its default keys


def test_secret_arn(stack: LocalStack) -> None:
    client = data_client()
    arn = boto3.client("secretsmanager").describe_secret(SecretId=make_secret(stack.endpoints, "api/etl"))["ARN"]
    done = wait(client, client.execute_statement(SecretArn=arn, Sql="select current_user", **CLUSTER)["Id"])
    assert done["SecretArn"] == arn and values(client, done["Id"]) == [["etl_user"]]
    boto3.client("secretsmanager").create_secret(Name="api/empty", SecretString=json.dumps({"username": "x"}))
    with pytest.raises(ClientError, match="username and password in secret cannot be empty"):
        client.execute_statement(SecretArn="api/empty", Sql="select 1", **CLUSTER)


def test_unknown_cluster_and_workgroup(stack: LocalStack) -> None:
    redshift = boto3.client("redshift")
    with pytest.raises(redshift.exceptions.ClusterNotFoundFault) as unknown:
        redshift.get_cluster_credentials(DbUser="etl_user", ClusterIdentifier="no-such-cluster")
    assert unknown.value.response["Error"]["Code"] == "ClusterNotFound"
    assert unknown.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(redshift.exceptions.ClusterNotFoundFault):
        redshift.get_cluster_credentials_with_iam(ClusterIdentifier="no-such-cluster")
    with pytest.raises(redshift.exceptions.ClusterNotFoundFault):
        redshift.describe_clusters(ClusterIdentifier="no-such-cluster")
    with pytest.raises(ClientError, match="InvalidParameterValue"):
        redshift.get_cluster_credentials(DbUser="etl_user", ClusterIdentifier=LOCAL_CLUSTER_ID, DurationSeconds=60)
    serverless = boto3.client("redshift-serverless")
    with pytest.raises(serverless.exceptions.ResourceNotFoundException):
        serverless.get_credentials(workgroupName="no-such-workgroup")
    data = data_client()
    for where in ({"ClusterIdentifier": "no-such-cluster"}, {"WorkgroupName": "no-such-workgroup"}):
        with pytest.raises(data.exceptions.ValidationException, match="Redshift endpoint doesn't exist in this region"):
            data.execute_statement(Sql="select 1", Database="shared_db", **where)
    with pytest.raises(ClientError) as unserved:
        data.list_databases(Database="shared_db", ClusterIdentifier=LOCAL_CLUSTER_ID)  # a catalog operation
    assert unserved.value.response["Error"]["Code"] == "UnknownOperationException"
