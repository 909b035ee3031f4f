"""Run migration rows in three phases: prepare (validate + build SQL), pre-flight (EXPLAIN), load.

Each load is one transaction that also records the row in the state table, retried on transient
errors; a row already recorded for the run id is skipped, so a retry never inserts twice.
"""

from __future__ import annotations

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
from glue_elt.executor import RedshiftExecutor
from glue_elt.migration import catalog
from glue_elt.migration.names import Identifier
from glue_elt.migration.rows import MigrationRow, RowOutcome, RowStatus
from glue_elt.migration.sql import LoadSql, OverwriteMode, load_sql
from glue_elt.migration.state import StateTable
from glue_elt.migration.validation import MigrationPlan, validate_row
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


class RowRunner:
    """Prepares, checks and loads rows through one executor; target columns are read once per schema."""

    def __init__(self, executor: RedshiftExecutor, options: LoadOptions) -> None:
        self._executor = executor
        self._options = options
        self._columns: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._state_ready: set[str] = set()

    def prime_columns(self, secret_name: str, schema: str, columns: dict[str, list[str]]) -> None:
        """Seed the column cache with an already fetched schema (saves a round trip)."""
        self._columns[(secret_name, schema)] = columns

    def prepare(self, row: MigrationRow, key: str) -> PreparedRow:
        """Validate ``row`` and build its SQL (reads the target's columns when none are given)."""
        plan = validate_row(row)
        columns = plan.columns or self._target_columns(plan)
        return PreparedRow(row, key, plan, load_sql(plan, columns, self._options.overwrite_mode))

    def preflight(self, prepared: PreparedRow) -> None:
        """EXPLAIN the row's statements on the server; raises ``ExecutionError`` with its message."""

        def explain() -> None:
            with self._executor.transaction(prepared.row.secret_name) as session:
                for statement in prepared.sql.preflight():
                    session.query(statement)

        self._retrying(prepared.row, explain)

    def load(self, prepared: PreparedRow) -> RowOutcome:
        """Load one row exactly once for this run id; any error fails only this row."""
        started = time.monotonic()
        try:
            status, rows = self._retrying(prepared.row, lambda: self._load_once(prepared))
        except GlueELTError as error:
            return failed(prepared.row, error, started)
        return RowOutcome(prepared.row, status, rows, time.monotonic() - started)

    def _load_once(self, prepared: PreparedRow) -> tuple[RowStatus, int]:
        secret, state, run_id = prepared.row.secret_name, self._options.state_table, self._options.run_id
        if prepared.sql.truncate is not None:  # commits on its own: check first, outside the load
            with self._executor.transaction(secret) as session:
                done = state.committed_rows(session, run_id, prepared.key)
            if done is not None:
                return RowStatus.SKIPPED, done
            self._executor.execute(secret, prepared.sql.truncate)
        with self._executor.transaction(secret) as session:
            done = state.committed_rows(session, run_id, prepared.key)
            if done is not None:
                return RowStatus.SKIPPED, done
            for statement in prepared.sql.statements:
                rows = session.execute(statement)
            state.record(session, run_id, prepared.key, prepared.row.target_table, prepared.plan.load_type, rows)
        return RowStatus.SUCCEEDED, rows

    def ensure_state_table(self, secret_name: str) -> None:
        """Create the state table on ``secret_name``'s cluster if needed (call before loading its rows)."""
        if secret_name not in self._state_ready:
            self._retrying_named(secret_name, lambda: self._create_state_table(secret_name))
            self._state_ready.add(secret_name)

    def _create_state_table(self, secret_name: str) -> None:
        with self._executor.transaction(secret_name) as session:
            self._options.state_table.ensure(session)

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
        if key not in self._columns:

            def read() -> dict[str, list[str]]:
                with self._executor.transaction(plan.row.secret_name) as session:
                    return catalog.schema_columns(session, plan.target.schema)

            self._columns[key] = self._retrying(plan.row, read)
        names = self._columns[key].get(plan.target.table)
        if not names:
            raise ExecutionError(
                f"target table {plan.row.target_table} does not exist or its columns are not visible "
                f"to the secret's user"
            )
        return tuple(Identifier(name) for name in names)
