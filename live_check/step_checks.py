"""Both steps through their Python API: the migration step with both executors (a created target, an overwrite, a
load stopped with ``step.cancel()`` from another thread), the SQL step with both executors (a script run twice
under one run id; through the Data API the script and its record are one ``BatchExecuteStatement``), and a VACUUM
through the Data API in autocommit mode (an ``AUTO_COMMIT`` batch: whether Redshift runs it there is an open
question of the compatibility record).

The SQL script and the cancelled load's config file are handed to the steps in memory (``MemoryStore``, the steps'
``s3`` argument): the check needs no bucket, and S3 is not what it checks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from glue_elt import RedshiftCrossAccountDataMigration, RedshiftSqlStep
from glue_elt.aws.s3 import S3Store, S3Uri
from glue_elt.errors import GlueELTError
from live_check.report import Report
from live_check.server import Server
from live_check.workspace import CUSTOMERS_ROWS, ORDERS_ROWS, Names

EXECUTORS = ("driver", "data_api")
CANCEL_SAFETY_SECONDS = 300
"""``--statement_timeout_seconds`` of the cancelled load: should the cancel fail, the server still ends the slow
statement after this long (a live cluster bills while it runs)."""


class MemoryStore(S3Store):
    """An ``S3Store`` whose objects are held in memory (``s3://live-check/<key>``); writes are kept too."""

    def __init__(self, objects: Mapping[str, str]) -> None:
        super().__init__()
        self.objects = {key: text.encode() for key, text in objects.items()}

    def read_bytes(self, uri: S3Uri, *, what: str) -> bytes:
        return self.objects[uri.key]

    def write_json(self, uri: S3Uri, document: Any, *, what: str) -> None:
        self.objects[uri.key] = repr(document).encode()


class StepChecks:
    """Runs the steps on the run's objects and records each outcome in ``report``."""

    def __init__(self, consumer: Server, names: Names, report: Report) -> None:
        self.consumer, self.names, self.report = consumer, names, report

    def common(self, executor: str, run: str) -> dict[str, str]:
        """Parameters every run of the check shares: its secret, executor, state table and a run id of its own."""
        return {
            "secret_name": self.consumer.secret_name,
            "executor": executor,
            "state_table": f"{self.names.work}.migration_state",
            "run_id": f"live-check-{self.names.suffix}-{run}",
        }

    def run_all(self) -> None:
        """Every step check, in order (each later one builds on the tables the first creates)."""
        self.migrate("driver", create=True)
        self.migrate("data_api", create=False)
        for executor in EXECUTORS:
            self.sql_script(executor)
        self.sql_vacuum()
        for executor in EXECUTORS:
            self.cancel(executor)

    def counts(self) -> tuple[int, int]:
        """Rows of the two target tables."""
        target = self.names.target
        return (
            int(self.consumer.value(f"SELECT COUNT(*) FROM {target}.{self.names.orders}")),
            int(self.consumer.value(f"SELECT COUNT(*) FROM {target}.{self.names.customers}")),
        )

    def migrate(self, executor: str, *, create: bool) -> None:
        """Schema mode from the share's schema, ``overwrite``: the first run creates both targets
        (``--create_missing_targets``), the second overwrites them (a stale row is added first)."""
        names = self.names
        what = f"migration, {executor}: " + ("targets created, then loaded" if create else "overwrite")
        if not create:
            self.consumer.run(
                f"INSERT INTO {names.target}.{names.customers} VALUES (-1, 'stale: overwrite removes it')"
            )
        params = {
            **self.common(executor, f"migrate-{executor}"),
            "source_schema": f"{names.source_database}.{names.source_schema}",
            "target_schema": names.target,
            "discover_from": "source",
            "include": f"{names.orders},{names.customers}",
            "load_type": "overwrite",
            "create_missing_targets": "true" if create else "false",
        }
        outcome = _attempt(lambda: _run(RedshiftCrossAccountDataMigration(params)))
        if isinstance(outcome, str):
            self.report.check(what, False, outcome)
            return
        statuses = sorted(
            f"{o.row.target_table}: {o.status.value}{' (created)' if o.created else ''}" for o in outcome.outcomes
        )
        created_ok = all(o.created == create for o in outcome.outcomes)
        counts = self.counts()
        passed = (
            outcome.failed == 0
            and len(outcome.outcomes) == 2
            and created_ok
            and counts == (ORDERS_ROWS, CUSTOMERS_ROWS)
        )
        self.report.check(what, passed, f"{'; '.join(statuses)}; target rows {counts}")

    def sql_script(self, executor: str) -> None:
        """A script in one transaction, then the same run id again: committed once, then skipped (through the Data
        API, the script and its record are one batch)."""
        names = self.names
        mart = f"{names.work}.mart_{executor}"
        script = (
            f"CREATE TABLE {mart} (customer_id INT, orders BIGINT, amount NUMERIC(18,2));\n"
            f"INSERT INTO {mart} SELECT customer_id, COUNT(*), SUM(amount) FROM {names.target}.{names.orders} "
            "GROUP BY customer_id;\n"
        )
        params = {**self.common(executor, f"sql-{executor}"), "sql_path": "s3://live-check/script.sql"}
        statuses = []
        for _ in range(2):
            step = RedshiftSqlStep(params, s3=MemoryStore({"script.sql": script}))
            outcome = _attempt(lambda: _run(step))  # noqa: B023 (called at once)
            statuses.append(outcome if isinstance(outcome, str) else outcome.status)
        rows = int(self.consumer.value(f"SELECT COUNT(*) FROM {mart}")) if statuses[0] == "committed" else None
        passed = statuses == ["committed", "skipped"] and rows == 7
        self.report.check(f"SQL step, {executor}: one transaction, once per run id", passed,
                          f"first run {statuses[0]}, second {statuses[1]}; {rows} row(s) in the mart")  # fmt: skip

    def sql_vacuum(self) -> None:
        """``VACUUM`` of the Data API's mart through the Data API in autocommit mode: a batch of its own in
        ``ExecutionMode`` ``AUTO_COMMIT``. VACUUM cannot run in a transaction block (dg/r_VACUUM_command.html); that it
        runs in such a batch is in no page this project found."""
        mart = f"{self.names.work}.mart_data_api"
        params = {
            **self.common("data_api", "sql-vacuum"),
            "sql_path": "s3://live-check/vacuum.sql",
            "non_transactional": "autocommit",
        }
        step = RedshiftSqlStep(params, s3=MemoryStore({"vacuum.sql": f"VACUUM {mart};\n"}))
        outcome = _attempt(lambda: _run(step))
        passed = not isinstance(outcome, str) and outcome.status == "committed"
        detail = outcome if isinstance(outcome, str) else f"{outcome.status}: {outcome.summary_line()}"
        self.report.check("SQL step, data_api: VACUUM in autocommit mode (an AUTO_COMMIT batch)", passed, detail)

    def cancel(self, executor: str) -> None:
        """An append whose filter runs for minutes, stopped by ``step.cancel()`` from another thread once the server
        runs it: the run reports itself cancelled, the target is unchanged, nothing of the run is still active."""
        names = self.names
        source = names.source(names.orders)
        slow = f"(SELECT COUNT(*) FROM {source} a, {source} b, {source} c, {source} d)"
        config = (
            "source_table#source_columns#source_filter#target_table#secret_name#load_type\n"
            f"{source}##id < {slow}#{names.target}.{names.orders}#{self.consumer.secret_name}#append\n"
        )
        params = {
            **self.common(executor, f"cancel-{executor}"),
            "config_path": "s3://live-check/cancel.csv",
            "statement_timeout_seconds": str(CANCEL_SAFETY_SECONDS),
        }
        del params["secret_name"]
        step = RedshiftCrossAccountDataMigration(params, s3=MemoryStore({"cancel.csv": config}))
        before, tag = self.counts(), f"run={params['run_id']} "
        box: dict[str, Any] = {}
        thread = threading.Thread(target=lambda: box.update(outcome=_attempt(lambda: _run(step))), daemon=True)
        thread.start()
        seen = _until(lambda: self.active(tag) > 0 or not thread.is_alive(), 120.0)
        step.cancel()
        thread.join(timeout=60)
        outcome = box.get("outcome", "the run did not end within 60 s of cancel()")
        cancelled = not isinstance(outcome, str) and outcome.cancelled
        after, still = self.counts(), _until(lambda: self.active(tag) == 0, 30.0)
        passed = seen and cancelled and after == before and still
        detail = (
            f"load seen running: {seen}; result cancelled: {cancelled if not isinstance(outcome, str) else outcome}; "
            f"target rows before {before}, after {after}; nothing of the run active afterwards: {still}"
            f"{self.statuses(tag)}"
        )
        self.report.check(f"cancel(), {executor}: a running load stopped from another thread", passed, detail)

    def active(self, tag: str) -> int:
        """How many statements whose text holds ``tag`` the server is still running (the tag is a parameter, so
        this query's own text never matches)."""
        if self.consumer.is_redshift():
            query = (
                "SELECT COUNT(*) FROM sys_query_history WHERE status IN ('planning', 'queued', 'running', 'returning') "
                "AND query_text LIKE '%%' || %s || '%%'"
            )
        else:
            query = (
                "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() "
                "AND query LIKE '%%' || %s || '%%'"
            )
        return int(self.consumer.value(query, (tag,)))

    def statuses(self, tag: str) -> str:
        """On Redshift, the ``SYS_QUERY_HISTORY`` statuses of the run's statements (the spelling of its status values is
        not in a page this project could read: shown so that a reader can judge the check above)."""
        if not self.consumer.is_redshift():
            return ""
        query = "SELECT DISTINCT status FROM sys_query_history WHERE query_text LIKE '%%' || %s || '%%'"
        found = sorted(str(row[0]).strip() for row in self.consumer.rows(query, (tag,)))
        return f"; SYS_QUERY_HISTORY statuses of the run: {found}"


def _run(step: Any) -> Any:
    try:
        return step.run()
    finally:
        step.close()


def _attempt(action: Callable[[], Any]) -> Any:
    """``action()``, or the glue-elt error that stopped it as text."""
    try:
        return action()
    except GlueELTError as error:
        return f"{type(error).__name__}: {error}"


def _until(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll ``condition`` every 0.1 s until it holds (True) or ``timeout`` seconds passed (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
