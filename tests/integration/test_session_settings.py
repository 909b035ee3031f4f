"""--statement_timeout_seconds and --query_group on the stack: a statement over the limit fails its row alone (not
retried; the other rows load) or rolls the SQL step's script back, naming the limit; the query group is set on
every session (the stand-in's front door sends it as ``application_name``: see
``local_stack.redshift_rules.stand_in_sql``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from glue_elt import RowStatus
from glue_elt.redshift.batch import BatchResult
from glue_elt.redshift.data_api.executor import DataApiExecutor
from glue_elt.redshift.driver.executor import RedshiftExecutor
from glue_elt.redshift.session import SessionSettings
from local_stack import LocalStack
from tests.conftest import Db, run_step
from tests.integration.test_redshift_sql import run_sql

PutConfig = Callable[[str, str], str]
HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
FAST = {"max_retries": 2, "retry_wait_seconds": 0.01}


def slow_target(db: Db, table: str, seconds: float) -> str:
    """A trigger that makes every insert into ``table`` sleep, counting the attempts in a sequence (``nextval``
    survives the rollback); returns the sequence's name."""
    schema, name = table.split(".")
    counter = f"{schema}.{name}_attempts"
    db.admin(
        f"CREATE SEQUENCE {counter}",
        f"CREATE FUNCTION {schema}.{name}_sleep() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS "
        f"$$ BEGIN PERFORM nextval('{counter}'); PERFORM pg_sleep({seconds}); RETURN NULL; END $$",
        f"CREATE TRIGGER {name}_sleep BEFORE INSERT ON {table} FOR EACH STATEMENT EXECUTE FUNCTION "
        f"{schema}.{name}_sleep()",
    )
    return counter


def attempts(db: Db, counter: str) -> int:
    ((last, called),) = db.rows(f"SELECT last_value, is_called FROM {counter}")
    return int(last) if called else 0


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_statement_over_the_timeout_fails_its_row_alone_and_is_not_retried(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, executor: str
) -> None:
    source, target = schemas
    for name in ("fast", "slow"):
        db.admin(f"CREATE TABLE {source}.{name} (id int)", f"INSERT INTO {source}.{name} VALUES (1), (2)")
        db.as_etl(f"CREATE TABLE {target}.{name} (id int)")
    counter = slow_target(db, f"{target}.slow", 5)
    lines = [f"shared_db.{source}.{name}###{target}.{name}#{cluster_secret}#append" for name in ("fast", "slow")]
    uri = put_config(f"{target}/timeout.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    args = {"config_path": uri, "executor": executor, "statement_timeout_seconds": "1", "fail_on_error": "false"}
    fast, slow = run_step({**args, **FAST}).outcomes
    assert (fast.status, fast.rows_affected) == (RowStatus.SUCCEEDED, 2)
    assert slow.status is RowStatus.FAILED
    assert "ran longer than --statement_timeout_seconds 1 (Redshift's statement_timeout)" in (slow.error or "")
    assert attempts(db, counter) == 1  # not retried: another attempt would run as long
    assert (db.count(f"{target}.fast"), db.count(f"{target}.slow")) == (2, 0)


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_the_sql_steps_script_rolls_back_when_a_statement_runs_over(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, executor: str
) -> None:
    _, target = schemas
    db.as_etl(f"CREATE TABLE {target}.events (id int)")
    script = f"INSERT INTO {target}.events VALUES (1);\nSELECT pg_sleep(5);\n"
    uri = put_config(f"sql/{target}/slow.sql", script)
    args = {"sql_path": uri, "secret_name": cluster_secret, "statement_timeout_seconds": "0.5", "executor": executor}
    args.update(FAST)
    with pytest.raises(Exception, match=r"ran longer than --statement_timeout_seconds 0\.5") as raised:
        run_sql(args)
    assert "rolled back" in str(raised.value)
    assert db.count(f"{target}.events") == 0


def test_the_data_api_sets_the_query_group_before_each_batch_and_statement(
    stack: LocalStack, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t VALUES (1)")
    db.as_etl(f"CREATE TABLE {target}.t (id int)")
    uri = put_config(f"{target}/group.csv", f"{HEADER}\nshared_db.{source}.t###{target}.t#{cluster_secret}#append\n")
    args = {"config_path": uri, "executor": "data_api", "query_group": "nightly-etl"}
    with stack.statement_log() as log:
        (outcome,) = run_step(args).outcomes
    assert outcome.status is RowStatus.SUCCEEDED
    by_pid: dict[int, list[str]] = {}
    for statement in log.statements:
        by_pid.setdefault(statement.pid, []).append(statement.text)
    step_sessions = [
        texts for texts in by_pid.values() if any(t.startswith(("INSERT", "EXPLAIN", "SELECT")) for t in texts)
    ]
    assert step_sessions
    for texts in step_sessions:  # each of the API's sessions: its pid probe, then the group, then the step's SQL
        own = [t for t in texts if t not in ("SELECT pg_backend_pid()", "begin transaction", "commit", "rollback")]
        assert own[0] == "SET application_name TO 'nightly-etl'", texts


def test_the_driver_sets_the_query_group_once_per_connection(
    stack: LocalStack, db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    names = ("a", "b", "c")
    for name in names:
        db.admin(f"CREATE TABLE {source}.{name} (id int)", f"INSERT INTO {source}.{name} VALUES (1)")
        db.as_etl(f"CREATE TABLE {target}.{name} (id int)")
    lines = [f"shared_db.{source}.{n}###{target}.{n}#{etl_secret}#append" for n in names]
    uri = put_config(f"{target}/group.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    session = SessionSettings(query_group="nightly-etl", statement_timeout_seconds=600)
    executor = RedshiftExecutor(max_connections_per_secret=2, session=session)
    with stack.statement_log() as log:
        result = run_step({"config_path": uri, "max_parallel": 2}, executor=executor)
    executor.close()
    assert result.ok and result.succeeded == 3
    by_pid: dict[int, list[str]] = {}
    for statement in log.statements:
        by_pid.setdefault(statement.pid, []).append(statement.text)
    for texts in by_pid.values():
        assert texts[:2] == ["SET application_name TO 'nightly-etl'", "SET statement_timeout TO 600000"], texts
        assert texts.count("SET statement_timeout TO 600000") == 1  # once per connection, not per table


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_rerun_with_a_longer_timeout_loads_the_row_that_ran_over(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, executor: str
) -> None:
    """The Data API batch opens with the SET statements, so the re-run's batch is another request under the same
    ``ClientToken``: refused, the executor finds the earlier (failed) batch by name and moves on to a new token."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.slow (id int)", f"INSERT INTO {source}.slow VALUES (1), (2)")
    db.as_etl(f"CREATE TABLE {target}.slow (id int)")
    counter = slow_target(db, f"{target}.slow", 2)
    uri = put_config(
        f"{target}/rerun.csv", f"{HEADER}\nshared_db.{source}.slow###{target}.slow#{cluster_secret}#append\n"
    )
    args = {"config_path": uri, "executor": executor, "fail_on_error": "false", "run_id": f"long-{target}", **FAST}
    (first,) = run_step({**args, "statement_timeout_seconds": "0.5"}).outcomes
    assert first.status is RowStatus.FAILED and "--statement_timeout_seconds 0.5" in (first.error or "")
    (again,) = run_step({**args, "statement_timeout_seconds": "30", "query_group": "rerun"}).outcomes
    assert (again.status, again.rows_affected, again.error) == (RowStatus.SUCCEEDED, 2, None)
    assert db.count(f"{target}.slow") == 2 and attempts(db, counter) == 2
    assert db.rows(f"SELECT count(*) FROM glue_elt.migration_state WHERE run_id = '{args['run_id']}'") == [(1,)]


class HeldBack(DataApiExecutor):
    """A second process's executor whose row batches wait until ``ready()``: its pre-flight has read the target
    before the first process locks it, as when two processes start at once on a cluster."""

    def __init__(self, ready: Callable[[], bool], session: SessionSettings) -> None:
        super().__init__(session=session)
        self.ready, self.waiting = ready, threading.Event()

    def run_batch(self, secret_name: str, statements: Sequence[str], client_token: str | None = None) -> BatchResult:
        if client_token is not None:
            self.waiting.set()
            deadline = time.monotonic() + 30
            while not self.ready() and time.monotonic() < deadline:
                time.sleep(0.05)
        return super().run_batch(secret_name, statements, client_token)


def test_a_second_process_with_other_settings_awaits_the_first_ones_batch_and_loads_nothing(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """Two processes of one run id with other --query_group values: the second one's batch is refused under the
    shared ``ClientToken``; it finds the first one's running batch by name, awaits it, and skips the row."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.slow (id int)", f"INSERT INTO {source}.slow VALUES (1), (2)")
    db.as_etl(f"CREATE TABLE {target}.slow (id int)")
    counter = slow_target(db, f"{target}.slow", 3)
    line = f"shared_db.{source}.slow###{target}.slow#{cluster_secret}#append"
    uri = put_config(f"{target}/twice.csv", f"{HEADER}\n{line}\n")
    args = {"config_path": uri, "executor": "data_api", "run_id": f"twice-{target}", **FAST}
    held = HeldBack(lambda: attempts(db, counter) > 0, SessionSettings(query_group="second"))
    with ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(run_step, args, executor=held)
        assert held.waiting.wait(20)  # its pre-flight is done: the row is not committed yet
        (loaded,) = run_step({**args, "query_group": "first"}).outcomes
        (skipped,) = second.result(timeout=30).outcomes
    assert (loaded.status, loaded.rows_affected) == (RowStatus.SUCCEEDED, 2)
    assert (skipped.status, skipped.rows_affected) == (RowStatus.SKIPPED, 2)
    assert held.calls["ListStatements"] == 1 and held.calls["BatchExecuteStatement"] >= 1
    assert db.count(f"{target}.slow") == 2 and attempts(db, counter) == 1
    assert db.rows(f"SELECT count(*) FROM glue_elt.migration_state WHERE run_id = '{args['run_id']}'") == [(1,)]
