"""The Data API executor's request flow on a scripted client: polling with backoff, results, batch failures."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from glue_elt.core.retry import RetryPolicy
from glue_elt.core.stopping import StopRequest, stop_scope
from glue_elt.errors import ExecutionError, StoppedError
from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.auth.spec import ConnectionSpec
from glue_elt.redshift.batch import BatchResult, BatchStatementError
from glue_elt.redshift.data_api.executor import DataApiExecutor
from glue_elt.redshift.data_api.pace import Pacer

SPEC = ConnectionSpec("s", "dev", user="etl", cluster_identifier="c1")


class ScriptedClient:
    """Answers each operation from a queue; records the requests."""

    def __init__(self, **answers: list[Any]) -> None:
        self.answers = {name: iter(items) for name, items in answers.items()}
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(**request: Any) -> dict[str, Any]:
            self.requests.append((name, request))
            answer = next(self.answers[name])
            if isinstance(answer, BaseException):
                raise answer
            return answer

        return call


class Clients:
    def __init__(self, client: ScriptedClient) -> None:
        self._client = client

    def client(self, service: str) -> ScriptedClient:
        assert service == "redshift-data"
        return self._client


class Secrets:
    def __init__(self, client: ScriptedClient) -> None:
        self.clients = Clients(client)

    def spec(self, secret_name: str) -> ConnectionSpec:
        return SPEC


def executor_for(client: ScriptedClient, sleeps: list[float], waits: list[float] | None = None) -> DataApiExecutor:
    """Polling sleeps go to ``sleeps``; the pacer's (rate limits, busy answers) to ``waits``."""
    pacer = Pacer(sleep=(waits if waits is not None else []).append)
    return DataApiExecutor(
        cast(SecretStore, Secrets(client)), poll_delays=(0.1, 0.2, 0.4), sleep=sleeps.append, pacer=pacer
    )


def throttled(operation: str) -> ClientError:
    body: Any = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
    body["ResponseMetadata"] = {"HTTPStatusCode": 400}
    return ClientError(body, operation)


def statuses(*names: str, **last: Any) -> list[dict[str, Any]]:
    answers = [{"Id": "a", "Status": name} for name in names]
    answers[-1].update(last)
    return answers


def test_query_polls_with_backoff_and_reads_every_page() -> None:
    client = ScriptedClient(
        execute_statement=[{"Id": "a"}],
        describe_statement=statuses("SUBMITTED", "PICKED", "STARTED", "STARTED", "FINISHED", HasResultSet=True),
        get_statement_result=[
            {"Records": [[{"longValue": 1}]], "NextToken": "t"},
            {"Records": [[{"longValue": 2}]]},
        ],
    )
    sleeps: list[float] = []
    rows = executor_for(client, sleeps).query("s", "SELECT n FROM t WHERE a = %s", ["x"])
    assert rows == [(1,), (2,)]
    assert sleeps == [0.1, 0.2, 0.4, 0.4]  # the last delay repeats
    name, request = client.requests[0]
    assert name == "execute_statement"
    assert uuid.UUID(request.pop("ClientToken"))  # one per submission, kept through busy answers
    assert request == {
        "Database": "dev",
        "ClusterIdentifier": "c1",
        "DbUser": "etl",
        "Sql": "SELECT n FROM t WHERE a = :p1",
        "Parameters": [{"name": "p1", "value": "x"}],
    }
    assert client.requests[-1] == ("get_statement_result", {"Id": "a", "NextToken": "t"})


def test_execute_returns_result_rows_and_raises_the_servers_error() -> None:
    client = ScriptedClient(
        execute_statement=[{"Id": "a"}, {"Id": "b"}],
        describe_statement=[
            {"Id": "a", "Status": "FINISHED", "ResultRows": 7},
            {"Id": "b", "Status": "FAILED", "Error": "ERROR: permission denied for relation t"},
        ],
    )
    executor = executor_for(client, [])
    assert executor.execute("s", "DELETE FROM t") == 7
    with pytest.raises(ExecutionError, match=r"^permission denied for relation t$") as raised:
        executor.execute("s", "DELETE FROM t")
    assert not raised.value.transient
    assert executor.calls == {"ExecuteStatement": 2, "DescribeStatement": 2}


def test_a_failed_batch_names_its_statement_and_a_finished_one_gives_each_count() -> None:
    parts_ok = [
        {"Id": "b:1", "Status": "FINISHED", "ResultRows": 0},
        {"Id": "b:2", "Status": "FINISHED", "ResultRows": 5},
    ]
    parts_failed = [
        {"Id": "c:1", "Status": "FINISHED"},
        {"Id": "c:2", "Status": "FAILED", "Error": "ERROR: 1023\n  Detail: Serializable isolation violation"},
        {"Id": "c:3", "Status": "ABORTED"},
    ]
    client = ScriptedClient(
        batch_execute_statement=[{"Id": "b"}, {"Id": "c"}],
        describe_statement=[
            {"Id": "b", "Status": "FINISHED", "SubStatements": parts_ok},
            {"Id": "c", "Status": "FAILED", "Error": parts_failed[1]["Error"], "SubStatements": parts_failed},
        ],
    )
    executor = executor_for(client, [])
    assert executor.run_batch("s", ["A", "B"], "tok").rows == (0, 5)
    assert client.requests[0][1]["ClientToken"] == "tok" and client.requests[0][1]["Sqls"] == ["A", "B"]
    with pytest.raises(BatchStatementError) as raised:
        executor.run_batch("s", ["A", "B", "C"], "tok2")
    assert raised.value.index == 1 and raised.value.transient


def test_an_autocommit_batch_is_sent_in_auto_commit_mode_and_gives_each_statements_query_id_and_seconds() -> None:
    parts = [{"Id": "b:1", "Status": "FINISHED", "ResultRows": 3, "RedshiftQueryId": 41, "Duration": 250_000_000}]
    client = ScriptedClient(
        batch_execute_statement=[{"Id": "b"}, {"Id": "c"}],
        describe_statement=[{"Id": "b", "Status": "FINISHED", "SubStatements": parts}] * 2,
    )
    executor = executor_for(client, [])
    result = executor.run_batch("s", ["VACUUM t"], "tok", autocommit=True)
    assert (result.rows, result.query_ids, result.seconds) == ((3,), (41,), (0.25,))
    assert client.requests[0][1]["ExecutionMode"] == "AUTO_COMMIT"
    executor.run_batch("s", ["VACUUM t"], "tok2")
    assert "ExecutionMode" not in client.requests[2][1]  # a transaction: the service's default


def test_a_statement_over_100_kb_is_refused_before_any_call() -> None:
    client = ScriptedClient()
    with pytest.raises(ExecutionError, match="at most 100 KB"):
        executor_for(client, []).run_batch("s", ["SELECT 1", "SELECT '" + "x" * 110_000 + "'"])
    assert client.requests == []


def test_a_transaction_is_sent_as_one_batch_when_it_ends() -> None:
    client = ScriptedClient(
        batch_execute_statement=[{"Id": "b"}],
        describe_statement=[{"Id": "b", "Status": "FINISHED", "SubStatements": [{"ResultRows": -1}] * 2}],
    )
    executor = executor_for(client, [])
    with executor.transaction("s") as session:
        assert session.execute("CREATE SCHEMA x") == -1
        session.execute("CREATE TABLE x.t (a int)")
        with pytest.raises(ExecutionError, match="cannot read rows"):
            session.query("SELECT 1")
    assert [name for name, _ in client.requests] == ["batch_execute_statement", "describe_statement"]
    assert client.requests[0][1]["Sqls"] == ["CREATE SCHEMA x", "CREATE TABLE x.t (a int)"]


def test_a_batch_error_reported_only_in_its_sub_statement_is_read_there() -> None:
    """The top-level ``Error`` may be empty; the failed sub-statement's text still marks 1023 transient and
    names the guard's failure ("by zero")."""
    parts = [
        {"Id": "c:1", "Status": "FINISHED"},
        {"Id": "c:2", "Status": "FAILED", "Error": "ERROR: 1023\n  Detail: Serializable isolation violation"},
        {"Id": "c:3", "Status": "ABORTED"},
    ]
    guard = [{"Id": "d:1", "Status": "FAILED", "Error": "ERROR: division by zero"}]
    client = ScriptedClient(
        batch_execute_statement=[{"Id": "c"}, {"Id": "d"}],
        describe_statement=[
            {"Id": "c", "Status": "FAILED", "SubStatements": parts},
            {"Id": "d", "Status": "FAILED", "Error": "", "SubStatements": guard},
        ],
    )
    executor = executor_for(client, [])
    with pytest.raises(BatchStatementError, match=r"^1023 ") as raised:
        executor.run_batch("s", ["A", "B", "C"], "tok")
    assert raised.value.index == 1 and raised.value.transient
    with pytest.raises(BatchStatementError, match=r"^division by zero$") as raised:
        executor.run_batch("s", ["G"], "tok2")
    assert raised.value.index == 0 and not raised.value.transient


def test_throttled_calls_wait_without_using_the_retries() -> None:
    """Six throttled submissions, more than the policy's one retry: one attempt, one token, rows loaded."""
    client = ScriptedClient(
        execute_statement=[*(throttled("ExecuteStatement") for _ in range(6)), {"Id": "a"}],
        describe_statement=[throttled("DescribeStatement"), {"Id": "a", "Status": "FINISHED", "ResultRows": 3}],
    )
    waits: list[float] = []
    executor = executor_for(client, [], waits)
    attempts: list[int] = []

    def attempt() -> int:
        attempts.append(1)
        return executor.execute("s", "DELETE FROM t")

    assert RetryPolicy(max_retries=1, wait_seconds=0).call("row", attempt) == 3
    assert len(attempts) == 1 and len(waits) >= 7
    tokens = {request["ClientToken"] for name, request in client.requests if name == "execute_statement"}
    assert len(tokens) == 1
    assert executor.calls == {"ExecuteStatement": 7, "DescribeStatement": 2}


def test_busy_past_the_wait_is_one_transient_error() -> None:
    client = ScriptedClient(execute_statement=[throttled("ExecuteStatement")])
    executor = DataApiExecutor(cast(SecretStore, Secrets(client)), pacer=Pacer(busy_seconds=0, sleep=[].append))
    with pytest.raises(ExecutionError, match=r"ThrottlingException.*busy for 0 s") as raised:
        executor.execute("s", "DELETE FROM t")
    assert raised.value.transient


def test_a_batch_created_before_the_executors_first_statement_is_marked_replayed() -> None:
    """AWS answers a known ClientToken with the batch it first named, whatever its outcome (mgmt/data-api.html):
    the service's ``CreatedAt`` tells an earlier process's batch from this executor's own."""
    began, earlier, later = (dt.datetime(2026, 12, 3, 7, 0, s, tzinfo=dt.timezone.utc) for s in (30, 10, 40))
    failed = {"Status": "FAILED", "Error": "ERROR: permission denied", "SubStatements": [{"Status": "FAILED"}]}
    client = ScriptedClient(
        execute_statement=[{"Id": "q"}],
        batch_execute_statement=[{"Id": "old"}, {"Id": "old-ok"}, {"Id": "new"}],
        describe_statement=[
            {"Id": "q", "Status": "FINISHED", "CreatedAt": began},
            {"Id": "old", "CreatedAt": earlier, **failed},
            {"Id": "old-ok", "Status": "FINISHED", "CreatedAt": earlier, "SubStatements": [{"ResultRows": 3}]},
            {"Id": "new", "Status": "FINISHED", "CreatedAt": later, "SubStatements": [{"ResultRows": 4}]},
        ],
    )
    executor = executor_for(client, [])
    executor.execute("s", "SELECT 1")
    with pytest.raises(BatchStatementError) as raised:
        executor.run_batch("s", ["A"], "tok-old")
    assert raised.value.replayed and not raised.value.transient
    assert executor.run_batch("s", ["A"], "tok-old-ok") == BatchResult(
        "old-ok", (3,), replayed=True, query_ids=(0,), seconds=(0.0,)
    )
    assert executor.run_batch("s", ["A"], "tok-new") == BatchResult(
        "new", (4,), replayed=False, query_ids=(0,), seconds=(0.0,)
    )


def test_without_a_statement_of_its_own_yet_no_batch_counts_as_replayed() -> None:
    client = ScriptedClient(
        batch_execute_statement=[{"Id": "b"}],
        describe_statement=[
            {
                "Id": "b",
                "Status": "FINISHED",
                "CreatedAt": dt.datetime(2020, 1, 1),
                "SubStatements": [{"ResultRows": 1}],
            }
        ],
    )
    assert not executor_for(client, []).run_batch("s", ["A"], "tok").replayed


def test_a_stopped_run_submits_nothing() -> None:
    client = ScriptedClient()
    executor, stop = executor_for(client, []), StopRequest()
    stop.request()
    with stop_scope(stop):
        with pytest.raises(StoppedError):
            executor.execute("s", "insert into t values (1)")
        with pytest.raises(StoppedError):
            executor.run_batch("s", ["insert into t values (1)"], "token")
        with pytest.raises(StoppedError), executor.transaction("s") as session:
            session.execute("insert into t values (2)")
    assert client.requests == []


def test_a_token_answered_by_a_batch_of_other_statements_gives_no_counts_of_its_own() -> None:
    """The earlier request of the token opened with a SET this one does not send: its counts are not this batch's."""
    ran = [{"QueryString": "SET query_group TO 'etl'", "ResultRows": 0}, {"QueryString": "A", "ResultRows": 5},
           {"QueryString": "B", "ResultRows": 7}]  # fmt: skip
    client = ScriptedClient(
        batch_execute_statement=[{"Id": "b"}, {"Id": "c"}],
        describe_statement=[
            {"Id": "b", "Status": "FINISHED", "SubStatements": ran},
            {"Id": "c", "Status": "FAILED", "Error": "ERROR: boom", "SubStatements": [*ran[:2], {"Status": "FAILED"}]},
        ],
    )
    executor = executor_for(client, [])
    assert executor.run_batch("s", ["A", "B"], "tok") == BatchResult("b", (), replayed=True, other_statements=True)
    with pytest.raises(BatchStatementError) as raised:
        executor.run_batch("s", ["A", "B"], "tok")
    assert raised.value.index is None  # its positions are not this request's


def test_a_batch_reported_aborted_is_awaited_until_its_session_has_ended() -> None:
    aborted = {"Id": "b", "Status": "ABORTED", "RedshiftPid": 4242, "SubStatements": [{"Status": "ABORTED"}]}
    client = ScriptedClient(
        batch_execute_statement=[{"Id": "b"}],
        describe_statement=[aborted, {"Id": "q1", "Status": "FINISHED", "HasResultSet": True},
                            {"Id": "q2", "Status": "FINISHED", "HasResultSet": True}],
        execute_statement=[{"Id": "q1"}, {"Id": "q2"}],
        get_statement_result=[{"Records": [[{"longValue": 1}]]}, {"Records": [[{"longValue": 0}]]}],
    )  # fmt: skip
    sleeps: list[float] = []
    with pytest.raises(BatchStatementError) as raised:
        executor_for(client, sleeps).run_batch("s", ["A"], "tok")
    assert raised.value.aborted
    asked = [request for name, request in client.requests if name == "execute_statement"]
    assert len(asked) == 2 and "sys_session_history" in asked[0]["Sql"]  # active once, then ended
    assert asked[0]["Parameters"] == [{"name": "p1", "value": "4242"}]


def test_a_stopping_executor_does_not_wait_for_an_aborted_batch() -> None:
    aborted = {"Id": "b", "Status": "ABORTED", "RedshiftPid": 4242, "SubStatements": [{"Status": "ABORTED"}]}
    client = ScriptedClient(batch_execute_statement=[{"Id": "b"}], describe_statement=[aborted])
    executor = executor_for(client, [])
    executor.cancel_running()
    with pytest.raises(BatchStatementError) as raised:
        executor.run_batch("s", ["A"], "tok")
    assert not raised.value.aborted
    assert [name for name, _ in client.requests] == ["batch_execute_statement", "describe_statement"]


def test_the_statement_log_masks_secret_literals_whatever_handler_the_caller_installed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A pipeline that logs glue_elt at DEBUG through a handler of its own has no redacting filter."""
    client = ScriptedClient(
        execute_statement=[{"Id": "a"}],
        describe_statement=[{"Id": "a", "Status": "FINISHED"}],
        batch_execute_statement=[{"Id": "b"}],
    )
    client.answers["describe_statement"] = iter(
        [{"Id": "a", "Status": "FINISHED"}, {"Id": "b", "Status": "FINISHED", "SubStatements": [{"ResultRows": 0}]}]
    )
    with caplog.at_level("DEBUG", logger="glue_elt"):
        executor = executor_for(client, [])
        executor.execute("s", "ALTER USER etl PASSWORD 'Hunter2secret'")
        executor.run_batch(
            "s", ["UNLOAD ('select 1') TO 's3://b/p' ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'Sk3y'"]
        )
    assert "ALTER USER etl PASSWORD '***'" in caplog.text
    assert not {"Hunter2secret", "AKIAEXAMPLE", "Sk3y"} & set(caplog.text.replace("'", " ").split())
