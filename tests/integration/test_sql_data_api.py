"""RedshiftSqlStep through the Redshift Data API (the local API server, reached by unmodified boto3), what only that
executor does: the script and its record as one batch under a ``ClientToken`` per run id, so a second process of
the run id, or a re-run while a killed process's batch still runs, is answered by the first batch; a replayed failed
batch moves the script to a new token; autocommit statements answered by their first batch; the session settings at
the head of the batch; and the scripts a batch cannot hold, refused before anything runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import pytest

from glue_elt.errors import ConfigError, ExecutionError
from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.data_api.executor import DataApiExecutor
from glue_elt.redshift.executor import Executor
from glue_elt.steps.redshift_sql.outcomes import Status
from local_stack import LocalStack, StackEndpoints
from local_stack.aws_api.process import set_faults
from tests.conftest import Db
from tests.integration.test_entry_points import launch
from tests.integration.test_redshift_sql import FAST_RETRIES, MODULE, state_rows, table_exists, through
from tests.integration.test_redshift_sql import run_sql as run_step
from tests.integration.test_session_settings import attempts, slow_target

PutConfig = Callable[[str, str], str]


def run_sql(secret: str, uri: str, **more: object) -> Any:
    return run_step(through("data_api", secret, uri, **FAST_RETRIES, **more))


def inserting(db: Db, table: str, timeout: float = 30.0) -> None:
    """Wait until an insert into ``table`` runs on the server (its trigger sleeps)."""
    deadline = time.monotonic() + timeout
    while not db.rows(
        "SELECT 1 FROM pg_stat_activity WHERE usename = 'etl_user' AND state = 'active' "
        f"AND query LIKE '%INSERT INTO {table}%' AND pid <> pg_backend_pid()"
    ):
        assert time.monotonic() < deadline, f"no insert into {table} started"
        time.sleep(0.05)


def test_two_processes_of_one_run_id_run_the_script_once(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, endpoints: StackEndpoints
) -> None:
    """Two processes started together send the same ClientToken: the service runs one batch and answers both with
    it (the trigger counts one insert), so the rows and the record are there once and both processes succeed."""
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.log (id int)")
    counter = slow_target(db, f"{target}.log", 2)
    uri = put_config(f"sql/{target}/twice.sql", f"INSERT INTO {target}.log SELECT g FROM generate_series(1, 10) g;\n")
    command = [sys.executable, "-m", MODULE, "--sql_path", uri, "--secret_name", cluster_secret]
    command += ["--executor", "data_api", "--run_id", f"twice-{target}"]
    run_sql(cluster_secret, put_config(f"sql/{target}/warm.sql", "SELECT 1"))  # the state table exists first
    barrier = threading.Barrier(2)
    done: list[subprocess.CompletedProcess[str]] = []

    def go() -> None:
        barrier.wait()
        done.append(launch(command, endpoints))

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    assert attempts(db, counter) == 1  # one batch ran
    assert db.rows(f"SELECT count(*), count(DISTINCT id) FROM {target}.log") == [(10, 10)]
    assert len(state_rows(db, f"twice-{target}")) == 1


def test_a_rerun_while_a_killed_processs_batch_still_runs_waits_for_it_and_runs_nothing(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, endpoints: StackEndpoints
) -> None:
    """The first process is killed (no stop, no cancel) while its batch runs on; the re-run finds nothing committed,
    sends the same ClientToken, is answered with that batch (created before the re-run began: replayed) and waits
    for it: the script is skipped, its rows there once."""
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.log (id int)")
    counter = slow_target(db, f"{target}.log", 3)
    uri = put_config(f"sql/{target}/killed.sql", f"INSERT INTO {target}.log VALUES (1), (2);\n")
    run_id = f"killed-{target}"
    command = [sys.executable, "-m", MODULE, "--sql_path", uri, "--secret_name", cluster_secret]
    command += ["--executor", "data_api", "--run_id", run_id]
    with subprocess.Popen(command, env={**os.environ, **endpoints.aws_env()}, stderr=subprocess.DEVNULL) as first:
        try:
            inserting(db, f"{target}.log")
        finally:
            first.send_signal(signal.SIGKILL)
    assert state_rows(db, run_id) == []  # its batch has not committed yet
    result = run_sql(cluster_secret, uri, run_id=run_id)
    assert result.status == "skipped" and {o.status for o in result.outcomes} == {Status.SKIPPED}
    assert attempts(db, counter) == 1 and db.count(f"{target}.log") == 2
    assert len(state_rows(db, run_id)) == 1


def test_a_replayed_failed_batch_moves_the_script_to_a_new_token_once_the_cause_is_fixed(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    """The first run's batch fails (a division by zero); the service would answer its ClientToken with that failure
    for 8 hours. The re-run, once the data is fixed, is answered with the old failure (replayed), moves on to the
    next token at once and commits: two batch requests, one new batch."""
    target = schemas[1]
    db.as_etl(
        f"CREATE TABLE {target}.divisor (d int)",
        f"INSERT INTO {target}.divisor VALUES (0)",
        f"CREATE TABLE {target}.out (v int)",
    )
    text = f"INSERT INTO {target}.out SELECT 10 / d FROM {target}.divisor;\nINSERT INTO {target}.out VALUES (1)"
    uri = put_config(f"sql/{target}/fixed.sql", text)
    run_id = f"fixed-{target}"
    with pytest.raises(ExecutionError, match=r"statement 1 \(line 1: INSERT INTO .*\) failed: division by zero"):
        run_sql(cluster_secret, uri, run_id=run_id)
    db.as_etl(f"UPDATE {target}.divisor SET d = 2")
    executor = DataApiExecutor(SecretStore())
    caplog.clear()
    result = run_step(through("data_api", cluster_secret, uri, run_id=run_id, **FAST_RETRIES), executor=executor)
    assert result.status == "committed" and [o.rows for o in result.outcomes] == [1, 1]
    assert "an earlier process's batch of this script had failed; running it anew" in caplog.text
    assert executor.calls["BatchExecuteStatement"] == 2
    assert db.rows(f"SELECT v FROM {target}.out ORDER BY v") == [(1,), (5,)]
    assert state_rows(db, run_id)[0][2:] == ("sql", 2)


def test_an_autocommit_statement_a_killed_process_ran_is_answered_by_its_batch_on_the_rerun(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, endpoints: StackEndpoints
) -> None:
    """Autocommit mode: each statement is a batch of its own under its own ClientToken. The process is killed while
    statement 2 runs, before its record; the re-run skips statement 1 (recorded), is answered for statement 2 by the
    killed process's batch (awaited, not run again: the driver would run it again) and runs statement 3."""
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.a (id int)", f"CREATE TABLE {target}.b (id int)")
    counter = slow_target(db, f"{target}.b", 3)
    text = f"INSERT INTO {target}.a VALUES (1);\nINSERT INTO {target}.b VALUES (1);\nVACUUM {target}.a"
    uri = put_config(f"sql/{target}/auto.sql", text)
    run_id = f"auto-{target}"
    command = [sys.executable, "-m", MODULE, "--sql_path", uri, "--secret_name", cluster_secret]
    command += ["--executor", "data_api", "--run_id", run_id, "--non_transactional", "autocommit"]
    with subprocess.Popen(command, env={**os.environ, **endpoints.aws_env()}, stderr=subprocess.DEVNULL) as first:
        try:
            inserting(db, f"{target}.b")
        finally:
            first.send_signal(signal.SIGKILL)
    result = run_sql(cluster_secret, uri, run_id=run_id, non_transactional="autocommit")
    assert [o.status for o in result.outcomes] == [Status.SKIPPED, Status.SKIPPED, Status.SUCCEEDED]
    assert attempts(db, counter) == 1 and (db.count(f"{target}.a"), db.count(f"{target}.b")) == (1, 1)
    assert sorted(row[2] for row in state_rows(db, run_id)) == ["sql", *["sql statement"] * 3]


def test_the_script_batch_opens_with_the_session_settings(
    stack: LocalStack, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """``--query_group`` and ``--statement_timeout_seconds`` are the first statements of the script's batch (the
    front door sends the group as ``application_name``); the timeout stops a statement and the script rolls back."""
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.events (id int)")
    uri = put_config(f"sql/{target}/settings.sql", f"INSERT INTO {target}.events VALUES (1);\nSELECT 1")
    with stack.statement_log() as log:
        result = run_sql(cluster_secret, uri, query_group="nightly-sql", statement_timeout_seconds="60")
    assert result.status == "committed"
    by_pid: dict[int, list[str]] = {}
    for statement in log.statements:
        by_pid.setdefault(statement.pid, []).append(statement.text)
    (script,) = [texts for texts in by_pid.values() if any(f"INSERT INTO {target}.events" in t for t in texts)]
    own = [t for t in script if t not in ("SELECT pg_backend_pid()", "begin transaction", "commit")]
    assert own[:2] == ["SET application_name TO 'nightly-sql'", "SET statement_timeout TO 60000"], script
    assert own[-2].startswith('LOCK "glue_elt"."migration_state_lock"') and "migration_state" in own[-1]


def test_a_script_the_batch_cannot_hold_is_refused_before_anything_runs(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, endpoints: StackEndpoints
) -> None:
    """40 statements at most per batch: 38 of the script's beside the LOCK and the record, 36 with a query group
    and a timeout; a statement over 100 KB. Autocommit mode sends each statement on its own, so the count is no
    limit there."""
    target = schemas[1]
    statements = [f"CREATE TABLE {target}.t{n} (a int)" for n in range(1, 40)]
    uri = put_config(f"sql/{target}/long.sql", ";\n".join(statements))
    with pytest.raises(ConfigError) as refused:
        run_step(through("data_api", cluster_secret, uri), executor=cast(Executor, None))
    assert str(refused.value).startswith(
        f"SQL script {uri} cannot run through the Data API (--executor data_api): it has 39 statements, and the "
        "script runs as one BatchExecuteStatement, which takes at most 40: 38 of the script's beside the commit "
        "lock's LOCK and the script's record. Split it into scripts of at most 38 statements"
    )
    assert str(refused.value).endswith("Nothing ran. --executor driver takes it (up to 16 MB per statement, any "
                                       "number of statements)")  # fmt: skip
    short = put_config(f"sql/{target}/37.sql", ";\n".join(statements[:37]))
    settings = {"query_group": "g", "statement_timeout_seconds": "60"}
    with pytest.raises(ConfigError, match=r"it has 37 statements, .* 36 of the script's beside the commit lock's LOCK "
                       r"and the script's record and the SET statements of --query_group"):  # fmt: skip
        run_step(through("data_api", cluster_secret, short, **settings), executor=cast(Executor, None))
    big = put_config(f"sql/{target}/big.sql", f"SELECT '{'x' * 101 * 1024}'")
    with pytest.raises(ConfigError, match=r"statement 1 \(line 1: SELECT 'x+…\) is 10[12] KB as sent; the Data API"):
        run_step(through("data_api", cluster_secret, big), executor=cast(Executor, None))
    done = launch([sys.executable, "-m", MODULE, "--sql_path", uri, "--secret_name", "x", "--executor", "data_api"],
                  endpoints)  # fmt: skip
    assert done.returncode == 2 and "takes at most 40" in done.stderr
    assert not table_exists(db, f"{target}.t1")

    result = run_sql(cluster_secret, uri, non_transactional="autocommit")
    assert result.status == "committed" and len(result.outcomes) == 39 and table_exists(db, f"{target}.t39")


def test_an_answer_lost_while_the_batch_runs_is_asked_for_under_the_same_token_and_the_script_runs_once(
    stack: LocalStack,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The script's batch still runs (its insert takes 3 s) when its answers are lost, more often than boto3 tries
    (pinned to 3): the step's retry finds nothing committed yet, sends the same ClientToken again, is answered with
    the running batch and waits for it. A new request would have run the script a second time."""
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.events (id int)")
    counter = slow_target(db, f"{target}.events", 3)
    run_sql(cluster_secret, put_config(f"sql/{target}/warm.sql", "SELECT 1"))  # the state table exists first
    uri = put_config(f"sql/{target}/lost.sql", f"INSERT INTO {target}.events VALUES (1), (2)")
    set_faults(stack.endpoints.redshift_api_url, lose_response_of_next_batch=5, lose_response_mode="close_running")
    try:
        result = run_sql(cluster_secret, uri)
    finally:
        set_faults(stack.endpoints.redshift_api_url, reset=True)
    assert result.status == "committed" and attempts(db, counter) == 1 and db.count(f"{target}.events") == 2


def test_a_second_process_with_other_settings_is_answered_by_the_first_ones_batch(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, endpoints: StackEndpoints
) -> None:
    """The second process adds ``--query_group``, so its batch opens with another statement under the same
    ClientToken; the service refuses the token for other statements, the executor finds the first batch by its name
    (``ListStatements``) and waits for it: the script is skipped, its rows there once."""
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.log (id int)")
    counter = slow_target(db, f"{target}.log", 3)
    run_sql(cluster_secret, put_config(f"sql/{target}/warm.sql", "SELECT 1"))  # the state table exists first
    uri = put_config(f"sql/{target}/other.sql", f"INSERT INTO {target}.log VALUES (1), (2);\n")
    run_id = f"other-{target}"
    command = [sys.executable, "-m", MODULE, "--sql_path", uri, "--secret_name", cluster_secret]
    command += ["--executor", "data_api", "--run_id", run_id]
    env = {**os.environ, **endpoints.aws_env()}
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as first:
        inserting(db, f"{target}.log")
        second = run_sql(cluster_secret, uri, run_id=run_id, query_group="other-group")
        _, log = first.communicate(timeout=60)
    assert first.returncode == 0, log
    assert second.status == "skipped"
    assert attempts(db, counter) == 1 and db.count(f"{target}.log") == 2 and len(state_rows(db, run_id)) == 1


def test_a_batch_reported_aborted_while_it_still_runs_is_awaited_and_the_script_runs_once(
    stack: LocalStack, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """The service answers ABORTED while the batch, still queued, goes on and commits (aws/aws-sdk-js-v3#3056): the
    executor waits until the batch's session has ended, the state table shows the script committed, and neither
    this run nor a re-run of the run id sends a second batch."""
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.events (id int)")
    counter = slow_target(db, f"{target}.events", 1)
    run_sql(cluster_secret, put_config(f"sql/{target}/warm.sql", "SELECT 1"))  # the state table exists first
    uri = put_config(f"sql/{target}/aborted.sql", f"INSERT INTO {target}.events VALUES (1), (2)")
    run_id = f"aborted-{target}"
    url = stack.endpoints.redshift_api_url
    set_faults(url, report_aborted_next_batch=1, aborted_batch_queued_seconds=3)
    try:
        first = run_sql(cluster_secret, uri, run_id=run_id)
    finally:
        set_faults(url, reset=True)
    again = run_sql(cluster_secret, uri, run_id=run_id)
    assert (first.status, again.status) == ("committed", "skipped"), first.error
    assert attempts(db, counter) == 1 and db.count(f"{target}.events") == 2 and len(state_rows(db, run_id)) == 1
