"""Prepare, pre-flight and load one migration row.

Each load is one transaction that also records the row in the state table, retried on transient errors; a row
the run id already committed is skipped, so a retry never inserts twice.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from glue_elt.batch import BatchExecutor, BatchStatementError
from glue_elt.errors import GlueELTError, LoadCheckError, ObjectNotFoundError, UnreachableError, with_prefix
from glue_elt.executor import Executor, Session
from glue_elt.migration.batch_load import DIVIDE_BY_ZERO, Guard, client_token, load_batch
from glue_elt.migration.inspection import ClusterView
from glue_elt.migration.model import LoadType, MigrationPlan, MigrationRow, OverwriteMode, RowOutcome, RowStatus
from glue_elt.migration.sql import LoadSql, load_sql
from glue_elt.names import Identifier
from glue_elt.redaction import redact
from glue_elt.retry import RetryPolicy
from glue_elt.state import RunLedger


@dataclass(frozen=True)
class LoadOptions:
    """Run-wide settings of the loads."""

    overwrite_mode: OverwriteMode = OverwriteMode.DELETE
    verify_counts: bool = False


@dataclass(frozen=True)
class PreparedRow:
    """A validated, inspected row with its identity and SQL, ready for pre-flight and load."""

    row: MigrationRow
    key: str
    plan: MigrationPlan
    sql: LoadSql


def failed(row: MigrationRow, error: GlueELTError, started: float, load_type: LoadType | None = None) -> RowOutcome:
    """A failed outcome with a secret-free message; it says whether the cluster or AWS was unreachable."""
    message = redact(str(error))
    seconds = time.monotonic() - started
    return RowOutcome(row, RowStatus.FAILED, None, seconds, message, load_type, isinstance(error, UnreachableError))


def run_load(session: Session, sql: LoadSql) -> int:
    """One row's statements inside its transaction; returns the rows inserted.

    The first statement writes the connected database (DELETE or INSERT into the target), so no load
    transaction starts with a read of a data share. The checks and the count run after it: on Redshift they
    read the share as of the transaction's start, as the insert does. Raises ``LoadCheckError`` (so the
    transaction rolls back) when a check finds a row or the insert copied another number of rows than
    the count.
    """
    first, *rest = sql.statements
    rows = session.execute(first)
    for check in sql.checks:
        found = session.query(check.sql)
        if found:
            raise LoadCheckError(f"{check.failure(found[0])}: {_sample(found[0])}; nothing was changed")
    for statement in rest:
        rows = session.execute(statement)
    if sql.count is not None:
        expected = int(session.query(sql.count)[0][0])
        if rows != expected:
            raise LoadCheckError(
                f"row count mismatch: the insert copied {rows} row(s) but the filtered source has {expected}; "
                "rolled back"
            )
    return rows


def _sample(row: tuple[object, ...]) -> str:
    text = ", ".join("NULL" if value is None else str(value) for value in row)
    return f"({text[:200]})"


class RowRunner:
    """Builds, checks and loads rows through one executor, with one retry policy and the run's ledger."""

    def __init__(self, executor: Executor, ledger: RunLedger, retry: RetryPolicy, options: LoadOptions) -> None:
        self._executor = executor
        self._ledger = ledger
        self._retry = retry
        self._options = options

    def prepare(self, plan: MigrationPlan, key: str, view: ClusterView) -> PreparedRow:
        """Build the SQL of an inspected row; without ``source_columns`` its target's columns come from
        ``view`` (matched by name)."""
        columns = plan.columns or self._target_columns(plan, view)
        sql = load_sql(plan, columns, self._options.overwrite_mode, verify_counts=self._options.verify_counts)
        return PreparedRow(plan.row, key, plan, sql)

    def preflight(self, prepared: PreparedRow) -> None:
        """EXPLAIN the row's statements that read the source; the server's error is raised with its class
        and SQLSTATE, its message prefixed ``pre-flight check failed:``."""

        def explain() -> None:
            for statement in prepared.sql.preflight():
                self._executor.execute(prepared.row.secret_name, statement)  # success is the answer

        try:
            self._retry.call(prepared.row.label, explain)
        except GlueELTError as error:
            raise with_prefix(error, "pre-flight check failed: ") from None

    def load(self, prepared: PreparedRow) -> RowOutcome:
        """Load one row exactly once for this run id; any error fails only this row.

        A row this run id committed before (read when the ledger was opened) is skipped at once. A first
        attempt needs no further look-up; a retry looks the row up again first, in its own statement, in case
        the failed attempt committed but its acknowledgement was lost.
        """
        started = time.monotonic()
        load_type = prepared.plan.load_type
        done = self._ledger.committed(prepared.row.secret_name, prepared.key)
        if done is not None:
            return RowOutcome(prepared.row, RowStatus.SKIPPED, done, time.monotonic() - started, load_type=load_type)
        attempts = [0]
        batches = [1]  # the batch's generation: it changes only when a batch has ended in failure

        def attempt() -> tuple[RowStatus, int]:
            attempts[0] += 1
            return self._load_once(prepared, attempts[0], batches)

        try:
            status, rows = self._retry.call(prepared.row.label, attempt)
        except GlueELTError as error:
            return failed(prepared.row, error, started, load_type)
        return RowOutcome(prepared.row, status, rows, time.monotonic() - started, load_type=load_type)

    def _load_once(self, prepared: PreparedRow, attempt: int, batches: list[int]) -> tuple[RowStatus, int]:
        secret = prepared.row.secret_name
        if attempt > 1:  # outside the load transaction: it never reads the table it appends to
            done = self._ledger.look_up(secret, prepared.key)
            if done is not None:
                return RowStatus.SKIPPED, done
        if prepared.sql.truncate is not None:  # commits on its own (Redshift), so it runs alone
            self._executor.execute(secret, prepared.sql.truncate)
        if isinstance(self._executor, BatchExecutor):
            return RowStatus.SUCCEEDED, self._load_batch(self._executor, prepared, batches)
        with self._executor.transaction(secret) as session:
            rows = run_load(session, prepared.sql)
            target, load_type = prepared.row.target_table, prepared.plan.load_type.value
            self._ledger.record(session, secret, prepared.key, target, load_type, rows)
        return RowStatus.SUCCEEDED, rows

    def _load_batch(self, executor: BatchExecutor, prepared: PreparedRow, batches: list[int]) -> int:
        """The row's load as one batch request (see ``glue_elt.migration.batch_load``); returns the rows inserted.

        The request's ``ClientToken`` stays the same until a batch has ended in failure: after an answer that
        never came (the batch may still be running, or have committed), the same token is sent again and the
        service answers with that batch, which is then awaited; a second batch never runs beside it.
        """
        secret, row = prepared.row.secret_name, prepared.row
        record = functools.partial(
            self._ledger.record_from_count, secret, prepared.key, row.target_table, prepared.plan.load_type.value
        )
        batch = load_batch(prepared.sql, prepared.plan.target, record)
        token = client_token(self._ledger.run_id, prepared.key, batches[0])
        try:
            result = executor.run_batch(secret, batch.statements, token)
        except BatchStatementError as error:
            batches[0] += 1  # that batch has ended: a retry is a new request
            guard = batch.guards.get(error.index) if error.index is not None else None
            if guard is None or DIVIDE_BY_ZERO not in str(error).lower():
                raise
            raise LoadCheckError(self._guard_message(secret, guard)) from None
        return result.rows[batch.insert_index]

    def _guard_message(self, secret_name: str, guard: Guard) -> str:
        """What a tripped guard means; a check's query is run again (read-only) to show the offending row."""
        if guard.check is None:
            return (
                "row count mismatch: the insert copied another number of rows than the filtered source holds; "
                "rolled back"
            )
        found = self._executor.query(secret_name, guard.check.sql)
        if not found:
            alternative = f" (or {guard.check.null_message})" if guard.check.null_message else ""
            return f"{guard.check.message}{alternative}; nothing was changed"
        return f"{guard.check.failure(found[0])}: {_sample(found[0])}; nothing was changed"

    def _target_columns(self, plan: MigrationPlan, view: ClusterView) -> tuple[Identifier, ...]:
        names = view.columns.get(view.facts.key(plan.target))
        if not names:
            raise ObjectNotFoundError(
                f"target table {plan.row.target_table} does not exist or its columns are not visible "
                f"to user {view.facts.user}"
            )
        return tuple(Identifier(name) for name in names)
