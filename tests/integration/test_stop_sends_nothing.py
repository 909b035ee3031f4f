"""A stop keeps every statement not yet sent from being sent, in every phase of both steps, with both executors:
``cancel()`` before ``run()`` sends no statement at all and creates no state table; a stop during the S3 read, the
pre-flight or the state-table set-up sends nothing after it; the SQL step stopped before its transaction commits
commits nothing. Each stop is made in-process by a hook on the dependency being called (the S3 store, the executor),
and the server's statement log (``LocalStack.statement_log``) shows what was sent after it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from glue_elt import RedshiftCrossAccountDataMigration
from glue_elt.aws.s3 import S3Store, S3Uri
from glue_elt.errors import GlueELTError
from glue_elt.redshift.batch import BatchResult
from glue_elt.redshift.data_api.executor import DataApiExecutor
from glue_elt.redshift.driver.executor import RedshiftExecutor
from glue_elt.redshift.executor import Executor, Row, Session
from glue_elt.steps.base import GlueELTStep
from glue_elt.steps.redshift_cross_account_migration.results import RowStatus
from glue_elt.steps.redshift_sql.step import RedshiftSqlStep
from local_stack import LocalStack
from local_stack.statement_log import StatementLog
from tests.conftest import BUCKET, Db, read_json

PutConfig = Callable[[str, str], str]
HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
MARKER = "SELECT 'glue-elt test: the stop is requested now'"
STOPS_OWN = ("rollback", "SELECT PG_TERMINATE_BACKEND(")
"""What may reach the server after a stop: the stop's own ending of a busy session, and the driver's ROLLBACK."""
EXECUTORS = ("driver", "data_api")


class StopHook:
    """Stops ``step`` the first time it is called with a text containing ``needle`` (any text when ``None``), after
    sending ``MARKER`` on a connection of its own so that the statement log shows the moment."""

    def __init__(self, stack: LocalStack, needle: str | None = None) -> None:
        self.stack, self.needle = stack, needle
        self.step: GlueELTStep[Any] | None = None
        self.fired = False

    def __call__(self, text: str) -> None:
        if self.fired or self.step is None or (self.needle is not None and self.needle not in text):
            return
        self.fired = True
        with contextlib.closing(self.stack.etl_connect()) as connection:
            connection.autocommit = True  # the marker alone, no BEGIN
            connection.cursor().execute(MARKER)
        self.step.cancel()


class HookedSession:
    """A transaction's session that calls the hook before each statement."""

    def __init__(self, session: Session, hook: StopHook) -> None:
        self.session, self.hook = session, hook

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        self.hook(sql)
        return self.session.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        self.hook(sql)
        return self.session.query(sql, params)


class Hooked:
    """Calls ``hook`` with each statement before the executor is asked to send it."""

    hook: StopHook

    def execute(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> int:
        self.hook(sql)
        return super().execute(secret_name, sql, params)

    def query(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        self.hook(sql)
        return super().query(secret_name, sql, params)

    def query_beside(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        self.hook(sql)
        return super().query_beside(secret_name, sql, params)

    @contextmanager
    def transaction(self, secret_name: str) -> Iterator[Session]:
        with super().transaction(secret_name) as session:
            yield HookedSession(session, self.hook)


class HookedDriver(Hooked, RedshiftExecutor):
    pass


class HookedDataApi(Hooked, DataApiExecutor):
    def run_batch(
        self, secret_name: str, statements: Sequence[str], client_token: str | None = None, *, autocommit: bool = False
    ) -> BatchResult:
        for sql in statements:
            self.hook(sql)
        return super().run_batch(secret_name, statements, client_token, autocommit=autocommit)


def hooked_executor(kind: str, hook: StopHook) -> Executor:
    executor: HookedDriver | HookedDataApi = HookedDriver() if kind == "driver" else HookedDataApi()
    executor.hook = hook
    return executor


class HookedS3(S3Store):
    """Calls the hook when a read from S3 has returned (a SIGTERM during the read)."""

    def __init__(self, hook: StopHook) -> None:
        super().__init__()
        self.hook = hook

    def read_bytes(self, uri: S3Uri, *, what: str) -> bytes:
        data = super().read_bytes(uri, what=what)
        self.hook(what)
        return data


def sent_after_the_stop(log: StatementLog) -> list[str]:
    """The statements the server logged after ``MARKER`` (all of them without one), but the stop's own."""
    texts = [statement.text for statement in log.statements]
    after = texts[texts.index(MARKER) + 1 :] if MARKER in texts else texts
    return [text for text in after if not text.startswith(STOPS_OWN)]


def absent(db: Db, *tables: str) -> bool:
    return all(db.rows(f"SELECT to_regclass('{table}')") == [(None,)] for table in tables)


@pytest.fixture
def migration(db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig) -> dict[str, object]:
    """Arguments of a migration of two tables (each target holds one row), with a state table not made yet."""
    source, target = schemas
    for name in ("a", "b"):
        db.admin(f"CREATE TABLE {source}.{name} (id int)", f"INSERT INTO {source}.{name} VALUES (1), (2)")
        db.as_etl(f"CREATE TABLE {target}.{name} (id int)", f"INSERT INTO {target}.{name} VALUES (0)")
    lines = [f"shared_db.{source}.{name}###{target}.{name}#{cluster_secret}#append" for name in ("a", "b")]
    uri = put_config(f"{target}/stop-early.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    state = f"{target}.stop_state"
    return {"config_path": uri, "max_parallel": 1, "run_id": f"early-{target}", "state_table": state}


def migrate_stopped(
    stack: LocalStack, args: dict[str, object], kind: str, needle: str | None, *, on_s3: bool = False
) -> tuple[Any, StatementLog, StopHook]:
    """Run the migration with a hook on its executor (or, ``on_s3``, on its S3 store) that stops it at ``needle``."""
    hook = StopHook(stack, needle)
    executor = hooked_executor(kind, StopHook(stack, "never") if on_s3 else hook)
    step = RedshiftCrossAccountDataMigration(args, executor=executor, s3=HookedS3(hook) if on_s3 else None)
    hook.step = step
    with stack.statement_log() as log:
        result = step.run()
    executor.close()
    return result, log, hook


def assert_migration_cancelled(db: Db, result: Any, target: str) -> None:
    assert result.cancelled
    assert [(o.status, o.error) for o in result.outcomes] == [(RowStatus.FAILED, "cancelled")] * 2
    assert [db.count(f"{target}.{name}") for name in ("a", "b")] == [1, 1]


@pytest.mark.parametrize("kind", EXECUTORS)
def test_a_migration_cancelled_before_run_sends_nothing(
    stack: LocalStack, db: Db, schemas: tuple[str, str], migration: dict[str, object], kind: str
) -> None:
    step = RedshiftCrossAccountDataMigration({**migration, "executor": kind})
    step.cancel()
    with stack.statement_log() as log:
        result = step.run()
    step.close()
    assert log.statements == [], log.texts()
    assert absent(db, f"{schemas[1]}.stop_state")
    assert_migration_cancelled(db, result, schemas[1])


@pytest.mark.parametrize("kind", EXECUTORS)
@pytest.mark.parametrize(
    ("phase", "needle"),
    [("s3_read", None), ("preflight", "EXPLAIN"), ("state_table", "CREATE TABLE IF NOT EXISTS")],
)
def test_a_migration_stopped_in_a_phase_sends_nothing_after_the_stop(
    stack: LocalStack,
    db: Db,
    schemas: tuple[str, str],
    migration: dict[str, object],
    kind: str,
    phase: str,
    needle: str | None,
) -> None:
    result, log, hook = migrate_stopped(stack, migration, kind, needle, on_s3=phase == "s3_read")
    assert hook.fired
    assert sent_after_the_stop(log) == [], log.texts()
    if phase == "s3_read":
        assert log.texts() == [MARKER]
    assert absent(db, f"{schemas[1]}.stop_state")
    assert_migration_cancelled(db, result, schemas[1])


SCRIPT = "INSERT INTO {target}.events VALUES (1);\nINSERT INTO {target}.events VALUES (2);\n"


@pytest.fixture
def sql_args(db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig) -> dict[str, object]:
    """Arguments of a two-statement script into an empty table, with a state table not made yet."""
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.events (id int)")
    uri = put_config(f"sql/{target}/stop-early.sql", SCRIPT.format(target=target))
    return {
        "sql_path": uri,
        "secret_name": cluster_secret,
        "run_id": f"early-sql-{target}",
        "state_table": f"{target}.stop_state",
        "summary_output_path": f"s3://{BUCKET}/{target}/stop-early-summary.json",
    }


def run_sql_stopped(step: RedshiftSqlStep, stack: LocalStack) -> tuple[dict[str, Any], StatementLog]:
    """Run the stopped SQL step; it raises the error that stopped it: return its summary document and the log."""
    with stack.statement_log() as log, pytest.raises(GlueELTError, match=r"^cancelled: "):
        step.run()
    step.close()
    return read_json(str(step.settings.summary_output_path)), log


def assert_sql_cancelled(db: Db, summary: dict[str, Any], target: str, statuses: list[str]) -> None:
    assert summary["cancelled"] is True and summary["status"] == "failed"
    assert summary["error"].startswith("cancelled: ")
    assert [s["status"] for s in summary["statements"]] == statuses
    assert db.count(f"{target}.events") == 0  # nothing committed


@pytest.mark.parametrize("kind", EXECUTORS)
def test_a_sql_script_cancelled_before_run_sends_nothing(
    stack: LocalStack, db: Db, schemas: tuple[str, str], sql_args: dict[str, object], kind: str
) -> None:
    step = RedshiftSqlStep(sql_args, executor=DataApiExecutor() if kind == "data_api" else None)
    step.cancel()
    summary, log = run_sql_stopped(step, stack)
    assert log.statements == [], log.texts()
    target = schemas[1]
    assert absent(db, f"{target}.stop_state", f"{target}.stop_state_lock")
    assert_sql_cancelled(db, summary, target, ["not run", "not run"])


@pytest.mark.parametrize("kind", EXECUTORS)
@pytest.mark.parametrize(
    ("phase", "needle", "statuses"),
    [
        ("s3_read", None, ["not run", "not run"]),
        ("state_table", "CREATE TABLE IF NOT EXISTS", ["not run", "not run"]),
        ("before_commit", "LOCK ", ["rolled back", "rolled back"]),
        ("dry_run_explain", "EXPLAIN", ["not run", "not run"]),
    ],
)
def test_a_sql_script_stopped_in_a_phase_sends_nothing_after_the_stop_and_commits_nothing(
    stack: LocalStack,
    db: Db,
    schemas: tuple[str, str],
    sql_args: dict[str, object],
    kind: str,
    phase: str,
    needle: str | None,
    statuses: list[str],
) -> None:
    hook = StopHook(stack, needle)
    on_s3 = phase == "s3_read"
    executor = hooked_executor(kind, StopHook(stack, "never") if on_s3 else hook)
    args = {**sql_args, "dry_run": "true"} if phase == "dry_run_explain" else sql_args
    step = RedshiftSqlStep(args, executor=executor, s3=HookedS3(hook) if on_s3 else None)
    hook.step = step
    summary, log = run_sql_stopped(step, stack)
    executor.close()
    assert hook.fired
    assert sent_after_the_stop(log) == [], log.texts()
    if on_s3:
        assert log.texts() == [MARKER]
    target = schemas[1]
    if phase != "before_commit":
        assert absent(db, f"{target}.stop_state")
    else:
        assert db.rows(f"SELECT count(*) FROM {target}.stop_state") == [(0,)]
    if kind == "data_api" and phase == "before_commit":  # the script's batch is one request, stopped before it went
        statuses = ["not run", "not run"]
    assert_sql_cancelled(db, summary, target, statuses)
