"""Fault injection against the real stack: nothing lost, nothing doubled."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redshift_connector

from glue_elt import MigrationResult, RedshiftCrossAccountDataMigration, RedshiftExecutor, RowStatus
from glue_elt.redshift.auth.secrets import RedshiftCredentials
from glue_elt.redshift.driver.executor import connect_redshift
from glue_elt.redshift.tags import untagged
from local_stack import LocalStack, StackEndpoints
from tests.conftest import BUCKET, Db

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
PutConfig = Callable[[str, str], str]
FAST_RETRIES = {"max_retries": 2, "retry_wait_seconds": 0.05}


def seed(db: Db, source: str, target: str, tables: list[str], rows: int = 50) -> None:
    """Each source table gets ``rows`` rows; each target table has ``id NOT NULL`` (which Redshift enforces) and
    a primary key on ``id``, which only the stand-in enforces: tests use it to make an INSERT wait on a lock
    (``blocking_row``), never to catch a duplicate."""
    for table in tables:
        db.admin(
            f"CREATE TABLE {source}.{table} (id int, v text)",
            f"INSERT INTO {source}.{table} SELECT g, 'v' || g FROM generate_series(1, {rows}) g",
        )
        db.as_etl(f"CREATE TABLE {target}.{table} (id int NOT NULL PRIMARY KEY, v text)")


def config_for(
    put_config: PutConfig, source: str, target: str, secret: str, tables: list[str], load_type: str = "append"
) -> str:
    lines = [f"shared_db.{source}.{t}###{target}.{t}#{secret}#{load_type}" for t in tables]
    return put_config(f"{target}/{load_type}.csv", HEADER + "\n" + "\n".join(lines) + "\n")


@contextlib.contextmanager
def blocking_row(stack: LocalStack, table: str, row_id: int = 1) -> Iterator[Any]:
    """Hold an uncommitted insert of ``row_id`` so that the step's load waits on its lock: the ``LOCK`` that opens
    the load transaction waits for this transaction to end (EXPLAIN does not)."""
    conn = stack.admin_connect()
    conn.autocommit = False
    conn.cursor().execute(f"INSERT INTO {table} (id, v) VALUES ({row_id}, 'blocker')")
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.rollback()
        with contextlib.suppress(Exception):
            conn.close()


def waiting_insert_pid(db: Db, table: str, timeout: float = 30.0) -> int:
    """The backend pid of the ETL user's load of ``table`` (its ``LOCK``, or an INSERT) once it waits on a lock."""
    deadline = time.monotonic() + timeout
    name = table.split(".")[-1]
    while time.monotonic() < deadline:
        rows = db.rows(
            "SELECT pid FROM pg_stat_activity WHERE usename = 'etl_user' AND wait_event_type = 'Lock' "
            f"AND (query LIKE '%*/ INSERT INTO %{name}%' OR query LIKE '%*/ LOCK %{name}%')"  # after the tag
        )
        if rows:
            return int(rows[0][0])
        time.sleep(0.05)
    raise AssertionError(f"no load of {table} waited on the lock within {timeout}s")


class StepThread(threading.Thread):
    """Runs a step in the background and keeps its result or exception."""

    def __init__(self, step: RedshiftCrossAccountDataMigration) -> None:
        super().__init__(daemon=True)
        self.step = step
        self.result: MigrationResult | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.step.run()
        except BaseException as error:
            self.error = error
        finally:
            self.step.close()

    def outcome(self, timeout: float = 60.0) -> MigrationResult:
        self.join(timeout)
        assert not self.is_alive(), "the step did not finish"
        assert self.error is None, self.error
        assert self.result is not None
        return self.result


def test_killed_backend_is_retried_and_loads_once(
    stack: LocalStack,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: PutConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, target = schemas
    seed(db, source, target, ["t"])
    config = config_for(put_config, source, target, etl_secret, ["t"])
    with caplog.at_level(logging.WARNING), blocking_row(stack, f"{target}.t") as blocker:
        runner = StepThread(RedshiftCrossAccountDataMigration({"config_path": config, **FAST_RETRIES}))
        runner.start()
        pid = waiting_insert_pid(db, f"{target}.t")
        assert db.rows(f"SELECT pg_terminate_backend({pid})") == [(True,)]
        blocker.rollback()
        result = runner.outcome()
    (outcome,) = result.outcomes
    assert outcome.status is RowStatus.SUCCEEDED and outcome.rows_affected == 50
    assert db.count(f"{target}.t") == 50 and db.rows(f"SELECT count(DISTINCT id) FROM {target}.t") == [(50,)]
    assert "transient error" in caplog.text and "retry 1/2" in caplog.text


def test_pgbouncer_down_fails_affected_rows_and_a_rerun_completes_only_those(
    stack: LocalStack,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    endpoints: StackEndpoints,
    put_config: PutConfig,
) -> None:
    source, target = schemas
    tables = ["t1", "t2", "t3", "t4", "t5"]
    seed(db, source, target, tables)
    config = config_for(put_config, source, target, etl_secret, tables)
    args = {"config_path": config, "JOB_RUN_ID": f"jr_bouncer_{target}", "max_parallel": 1, **FAST_RETRIES}
    try:
        with blocking_row(stack, f"{target}.t3"):
            runner = StepThread(RedshiftCrossAccountDataMigration(args))
            runner.start()
            waiting_insert_pid(db, f"{target}.t3")
            stack.stop_bouncer()
            result = runner.outcome()
    finally:
        stack.start_bouncer()
    assert [o.status for o in result.outcomes] == [RowStatus.SUCCEEDED] * 2 + [RowStatus.FAILED] * 3
    for outcome in result.outcomes[3:]:
        assert f"could not connect to 127.0.0.1:{endpoints.front_door_port}/shared_db as etl_user" in (
            outcome.error or ""
        )
    assert [db.count(f"{target}.{t}") for t in tables] == [50, 50, 0, 0, 0]

    rerun = RedshiftCrossAccountDataMigration(args)
    second = rerun.run()
    rerun.close()
    assert [o.status for o in second.outcomes] == [RowStatus.SKIPPED] * 2 + [RowStatus.SUCCEEDED] * 3
    assert [o.rows_affected for o in second.outcomes] == [50] * 5
    assert [db.count(f"{target}.{t}") for t in tables] == [50] * 5


class LoseCommitAck:
    """A real connection whose first commit after an INSERT into ``table`` commits on the server, then
    drops the connection before the client hears back (as a network failure during COMMIT would)."""

    fired = False

    def __init__(self, connection: Any, table: str) -> None:
        self._connection = connection
        self._table = table
        self._statements: list[str] = []

    def cursor(self) -> Any:
        cursor = self._connection.cursor()
        execute = cursor.execute

        def recording_execute(sql: str, *args: Any, **kwargs: Any) -> Any:
            self._statements.append(untagged(sql))
            return execute(sql, *args, **kwargs)

        cursor.execute = recording_execute
        return cursor

    @property
    def autocommit(self) -> bool:
        return bool(self._connection.autocommit)

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        self._connection.autocommit = value

    def commit(self) -> None:
        self._connection.commit()
        loaded = any(s.startswith("INSERT INTO") and self._table in s for s in self._statements)
        self._statements.clear()
        if loaded and not LoseCommitAck.fired:
            LoseCommitAck.fired = True
            self._connection.close()
            raise redshift_connector.InterfaceError("connection reset by peer while reading the COMMIT reply")

    def rollback(self) -> None:
        self._statements.clear()
        self._connection.rollback()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._connection.close()


def test_lost_commit_acknowledgement_is_not_loaded_twice(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    seed(db, source, target, ["t"])
    db.as_etl(f"ALTER TABLE {target}.t DROP CONSTRAINT t_pkey")  # a duplicate would not be refused
    config = config_for(put_config, source, target, etl_secret, ["t"])
    LoseCommitAck.fired = False

    def connector(credentials: RedshiftCredentials) -> Any:
        return LoseCommitAck(connect_redshift(credentials), f'"{target}"."t"')

    step = RedshiftCrossAccountDataMigration(
        {"config_path": config, **FAST_RETRIES}, executor=RedshiftExecutor(connector=connector)
    )
    with caplog.at_level(logging.WARNING):
        result = step.run()
    step.executor.close()
    assert LoseCommitAck.fired
    (outcome,) = result.outcomes
    assert outcome.status is RowStatus.SKIPPED and outcome.rows_affected == 50
    assert db.count(f"{target}.t") == 50
    assert "connection reset by peer" in caplog.text


def test_truncate_mode_is_fast_but_not_atomic(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed(db, source, target, ["ok", "bad"], rows=5)
    db.as_etl(f"INSERT INTO {target}.ok VALUES (100, 'old')", f"INSERT INTO {target}.bad VALUES (100, 'old')")
    db.admin(f"INSERT INTO {source}.bad VALUES (NULL, 'violates NOT NULL')")
    config = config_for(put_config, source, target, etl_secret, ["ok", "bad"], load_type="overwrite")
    step = RedshiftCrossAccountDataMigration({"config_path": config, "overwrite_mode": "truncate"})
    result = step.run()
    step.close()
    assert [o.status for o in result.outcomes] == [RowStatus.SUCCEEDED, RowStatus.FAILED]
    assert db.count(f"{target}.ok") == 5
    assert db.count(f"{target}.bad") == 0  # the documented trade-off: TRUNCATE committed, the insert did not

    step = RedshiftCrossAccountDataMigration({"config_path": config})  # default delete mode
    db.as_etl(f"INSERT INTO {target}.bad VALUES (100, 'old')")
    result = step.run()
    step.close()
    assert result.outcomes[1].status is RowStatus.FAILED
    assert db.rows(f"SELECT id, v FROM {target}.bad") == [(100, "old")]  # atomic: previous rows kept


def test_unwritable_error_file_still_logs_the_summary_and_fails(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    config = put_config(
        f"{target}/bad.csv", f"{HEADER}\nshared_db.{source}.missing###{target}.missing#{etl_secret}#append\n"
    )
    step = RedshiftCrossAccountDataMigration(
        {"config_path": config, "error_output_path": "s3://no-such-bucket-glue-elt/errors/"}
    )
    with caplog.at_level(logging.INFO):
        result = step.run()
    step.close()
    assert result.output_error is not None and "NoSuchBucket" in result.output_error
    assert step.exit_code(result) == 1
    assert "0 succeeded, 1 failed" in caplog.text and "error file s3://no-such-bucket-glue-elt/errors/" in caplog.text
    assert BUCKET not in result.output_error


def test_a_glue_retry_with_a_new_job_run_id_skips_what_the_same_run_id_committed(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """Glue gives a retry a job run id of its own; ``--run_id``, passed to both, joins them."""
    source, target = schemas
    seed(db, source, target, ["t1", "t2"])
    config = config_for(put_config, source, target, etl_secret, ["t1", "t2"])
    first = RedshiftCrossAccountDataMigration(
        ["--config_path", config, "--run_id", f"day-{target}", "--JOB_RUN_ID", "jr_a"]
    )
    assert [o.status for o in first.run().outcomes] == [RowStatus.SUCCEEDED] * 2
    first.close()
    retry = RedshiftCrossAccountDataMigration(
        ["--config_path", config, "--run_id", f"day-{target}", "--JOB_RUN_ID", "jr_b"]
    )
    result = retry.run()
    retry.close()
    assert (result.run_id, [o.status for o in result.outcomes]) == (f"day-{target}", [RowStatus.SKIPPED] * 2)
    assert [db.count(f"{target}.{t}") for t in ("t1", "t2")] == [50, 50]
