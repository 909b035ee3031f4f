"""Run migration rows in three phases: prepare (validate + build SQL), pre-flight (EXPLAIN), load.

Each load is one transaction that also records the row in the state table, retried on transient
errors; a row already recorded for the run id is skipped, so a retry never inserts twice.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from glue_elt.errors import ExecutionError, GlueELTError
from glue_elt.executor import RedshiftExecutor, Session
from glue_elt.migration import catalog
from glue_elt.migration.names import Identifier
from glue_elt.migration.rows import MigrationRow, RowOutcome, RowStatus
from glue_elt.migration.sql import LoadSql, OverwriteMode, load_sql
from glue_elt.migration.state import UNDEFINED_TABLE, StateTable
from glue_elt.migration.validation import MigrationPlan
from glue_elt.redaction import redact

logger = logging.getLogger(__name__)
T = TypeVar("T")
MAX_RETRY_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class LoadOptions:
    """Run-wide settings of the loads."""

    run_id: str
    state_table: StateTable
    overwrite_mode: OverwriteMode = OverwriteMode.DELETE
    max_retries: int = 3
    retry_wait_seconds: float = 1.0
    verify_counts: bool = False


@dataclass(frozen=True)
class PreparedRow:
    """A validated row with its identity and SQL, ready for pre-flight and load."""

    row: MigrationRow
    key: str
    plan: MigrationPlan
    sql: LoadSql


def failed(row: MigrationRow, error: GlueELTError, started: float) -> RowOutcome:
    """A failed outcome with a secret-free message."""
    return RowOutcome(row, RowStatus.FAILED, None, time.monotonic() - started, redact(str(error)))


def is_retryable(error: BaseException) -> bool:
    """Transient execution errors are retried; everything else fails at once."""
    return isinstance(error, ExecutionError) and error.transient


def run_load(session: Session, sql: LoadSql) -> int:
    """Checks, count, statements of one row inside its transaction; returns the rows inserted.

    Raises ``ExecutionError`` (so the transaction rolls back) when a check finds a row or the inserted
    count differs from the source count.
    """
    for check in sql.checks:
        found = session.query(check.sql)
        if found:
            raise ExecutionError(f"{check.message}: {_sample(found[0])}; nothing was changed")
    expected = int(session.query(sql.count)[0][0]) if sql.count else None
    rows = -1
    for statement in sql.statements:
        rows = session.execute(statement)
    if expected is not None and rows != expected:
        raise ExecutionError(
            f"row count mismatch: the insert copied {rows} row(s) but the filtered source has {expected}; rolled back"
        )
    return rows


def _sample(row: tuple[object, ...]) -> str:
    text = ", ".join("NULL" if value is None else str(value) for value in row)
    return f"({text[:200]})"


class RowRunner:
    """Prepares, checks and loads rows through one executor; target columns are read once per schema."""

    def __init__(self, executor: RedshiftExecutor, options: LoadOptions) -> None:
        self._executor = executor
        self._options = options
        self._columns: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._column_errors: dict[tuple[str, str], GlueELTError] = {}
        self._state_ready: set[str] = set()
        self._committed: dict[tuple[str, str], int] = {}

    def read_target_columns(self, plans: list[MigrationPlan]) -> None:
        """Read the columns of every target that needs them (no ``source_columns``): one catalog query
        per secret and schema, for just the tables named. A failed query fails only those rows, later."""
        wanted: dict[tuple[str, str], set[str]] = {}
        for plan in plans:
            key = (plan.row.secret_name, plan.target.schema)
            if plan.columns is None and key not in self._columns:
                wanted.setdefault(key, set()).add(plan.target.table)
        for (secret, schema), tables in wanted.items():
            label = f"catalog of {schema}"
            try:
                read = functools.partial(catalog.schema_columns, self._executor, secret, schema, tables)
                self._columns[(secret, schema)] = self._retrying_named(label, read)
            except GlueELTError as error:
                self._column_errors[(secret, schema)] = error

    def prepare(self, plan: MigrationPlan, key: str) -> PreparedRow:
        """Build the SQL of a validated row (its target's columns come from ``read_target_columns``)."""
        columns = plan.columns or self._target_columns(plan)
        sql = load_sql(plan, columns, self._options.overwrite_mode, verify_counts=self._options.verify_counts)
        return PreparedRow(plan.row, key, plan, sql)

    def preflight(self, prepared: PreparedRow) -> None:
        """EXPLAIN the row's statements on the server; raises ``ExecutionError`` with its message."""

        def explain() -> None:
            for statement in prepared.sql.preflight():
                self._executor.query(prepared.row.secret_name, statement)

        self._retrying(prepared.row, explain)

    def load(self, prepared: PreparedRow) -> RowOutcome:
        """Load one row exactly once for this run id; any error fails only this row.

        A row this run id committed before (read by ``ensure_state_table``) is skipped at once. A first attempt
        needs no further lookup; a retry looks the row up again, in case the failed attempt committed
        but its acknowledgement was lost.
        """
        started = time.monotonic()
        done = self._committed.get((prepared.row.secret_name, prepared.key))
        if done is not None:
            return RowOutcome(prepared.row, RowStatus.SKIPPED, done, time.monotonic() - started)
        attempts = [0]

        def attempt() -> tuple[RowStatus, int]:
            attempts[0] += 1
            return self._load_once(prepared, check_state=attempts[0] > 1)

        try:
            status, rows = self._retrying(prepared.row, attempt)
        except GlueELTError as error:
            return failed(prepared.row, error, started)
        return RowOutcome(prepared.row, status, rows, time.monotonic() - started)

    def _load_once(self, prepared: PreparedRow, *, check_state: bool) -> tuple[RowStatus, int]:
        secret, state, run_id = prepared.row.secret_name, self._options.state_table, self._options.run_id
        if prepared.sql.truncate is not None:  # commits on its own: check first, outside the load
            if check_state:
                with self._executor.transaction(secret) as session:
                    done = state.committed_rows(session, run_id, prepared.key)
                if done is not None:
                    return RowStatus.SKIPPED, done
            self._executor.execute(secret, prepared.sql.truncate)
            check_state = False
        with self._executor.transaction(secret) as session:
            done = state.committed_rows(session, run_id, prepared.key) if check_state else None
            if done is not None:
                return RowStatus.SKIPPED, done
            rows = run_load(session, prepared.sql)
            state.record(session, run_id, prepared.key, prepared.row.target_table, prepared.plan.load_type, rows)
        return RowStatus.SUCCEEDED, rows

    def ensure_state_table(self, secret_name: str) -> None:
        """Create the state table on ``secret_name``'s cluster if needed and read which rows this run id
        has committed already (one query). Call before loading the secret's rows, never concurrently."""
        if secret_name not in self._state_ready:
            committed = self._retrying_named(secret_name, lambda: self._read_state(secret_name))
            self._committed.update({(secret_name, key): rows for key, rows in committed.items()})
            self._state_ready.add(secret_name)

    def _read_state(self, secret_name: str) -> dict[str, int]:
        """Rows this run id committed; the state table is created when it is missing (first use)."""
        state = self._options.state_table
        try:
            return state.committed_run_rows(functools.partial(self._executor.query, secret_name), self._options.run_id)
        except ExecutionError as error:
            if error.sqlstate != UNDEFINED_TABLE:
                raise
        with self._executor.transaction(secret_name) as session:
            state.ensure(session)
        return {}

    def _retrying(self, row: MigrationRow, action: Callable[[], T]) -> T:
        return self._retrying_named(row.label, action)

    def _retrying_named(self, label: str, action: Callable[[], T]) -> T:
        options = self._options

        def log_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            logger.warning(
                "%s: transient error (%s); retry %d/%d in %.1f s",
                label,
                error,
                state.attempt_number,
                options.max_retries,
                wait,
            )

        retrying = Retrying(
            stop=stop_after_attempt(options.max_retries + 1),
            wait=wait_exponential(multiplier=options.retry_wait_seconds, max=MAX_RETRY_WAIT_SECONDS)
            + wait_random(0, options.retry_wait_seconds),
            retry=retry_if_exception(is_retryable),
            before_sleep=log_retry,
            reraise=True,
        )
        return retrying(action)

    def _target_columns(self, plan: MigrationPlan) -> tuple[Identifier, ...]:
        key = (plan.row.secret_name, plan.target.schema)
        if key in self._column_errors:
            raise self._column_errors[key]
        if key not in self._columns:
            self.read_target_columns([plan])
            return self._target_columns(plan)
        names = self._columns[key].get(plan.target.table)
        if not names:
            raise ExecutionError(
                f"target table {plan.row.target_table} does not exist or its columns are not visible "
                f"to the secret's user"
            )
        return tuple(Identifier(name) for name in names)
