"""Run migration rows in phases: inspect each cluster (catalog, privileges), prepare the SQL, pre-flight
(EXPLAIN), load.

Each load is one transaction that also records the row in the state table, retried on transient
errors; a row already recorded for the run id is skipped, so a retry never inserts twice.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
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
from glue_elt.migration.catalog import ClusterFacts
from glue_elt.migration.inspection import ClusterView, Inspection, inspect_cluster
from glue_elt.migration.names import Identifier
from glue_elt.migration.rows import MigrationRow, RowOutcome, RowStatus
from glue_elt.migration.sql import LoadSql, OverwriteMode, load_sql
from glue_elt.migration.state import StateTable
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
    """One row's statements inside its transaction; returns the rows inserted.

    The first statement writes the connected database (DELETE or INSERT into the target), so no load
    transaction starts with a read of a data share. The checks and the count run after it: on Redshift they
    read the share as of the transaction's start, as the insert does. Raises ``ExecutionError`` (so the
    transaction rolls back) when a check finds a row or the insert copied another number of rows than
    the count.
    """
    first, *rest = sql.statements
    rows = session.execute(first)
    for check in sql.checks:
        found = session.query(check.sql)
        if found:
            raise ExecutionError(f"{check.failure(found[0])}: {_sample(found[0])}; nothing was changed")
    for statement in rest:
        rows = session.execute(statement)
    if sql.count is not None:
        expected = int(session.query(sql.count)[0][0])
        if rows != expected:
            raise ExecutionError(
                f"row count mismatch: the insert copied {rows} row(s) but the filtered source has {expected}; "
                "rolled back"
            )
    return rows


def _sample(row: tuple[object, ...]) -> str:
    text = ", ".join("NULL" if value is None else str(value) for value in row)
    return f"({text[:200]})"


class RowRunner:
    """Inspects each cluster, prepares, checks and loads rows through one executor."""

    def __init__(self, executor: RedshiftExecutor, options: LoadOptions) -> None:
        self._executor = executor
        self._options = options
        self._facts: dict[str, ClusterFacts] = {}
        self._views: dict[str, ClusterView] = {}
        self._committed: dict[tuple[str, str], int] = {}

    def facts(self, secret_name: str) -> ClusterFacts:
        """Database, user and identifier folding of ``secret_name``'s session (read once per run)."""
        if secret_name not in self._facts:
            read = functools.partial(catalog.cluster_facts, self._executor, secret_name)
            self._facts[secret_name] = self._retrying_named(secret_name, read)
        return self._facts[secret_name]

    def inspect(self, secret_name: str, plans: dict[int, MigrationPlan]) -> Inspection:
        """Check ``plans`` (all of one secret) against the cluster's catalog and privileges, before any
        write; rows that fail are in the result's ``failures``. Raises when the cluster cannot be used."""

        def check() -> Inspection:
            facts = self.facts(secret_name)
            options = self._options
            return inspect_cluster(
                self._executor, secret_name, facts, plans, options.state_table, options.overwrite_mode
            )

        inspection = self._retrying_named(secret_name, check)
        self._views[secret_name] = inspection.view
        return inspection

    def prepare(self, plan: MigrationPlan, key: str) -> PreparedRow:
        """Build the SQL of an inspected row (its target's columns come from ``inspect``)."""
        columns = plan.columns or self._target_columns(plan)
        sql = load_sql(plan, columns, self._options.overwrite_mode, verify_counts=self._options.verify_counts)
        return PreparedRow(plan.row, key, plan, sql)

    def preflight(self, prepared: PreparedRow) -> None:
        """EXPLAIN the row's statements that read the source; raises ``ExecutionError`` with its message."""

        def explain() -> None:
            for statement in prepared.sql.preflight():
                self._executor.query(prepared.row.secret_name, statement)

        self._retrying(prepared.row, explain)

    def load(self, prepared: PreparedRow) -> RowOutcome:
        """Load one row exactly once for this run id; any error fails only this row.

        A row this run id committed before (read by ``ensure_state_table``) is skipped at once. A first attempt
        needs no further lookup; a retry looks the row up again first, in its own statement, in case the
        failed attempt committed but its acknowledgement was lost.
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
        secret, run_id = prepared.row.secret_name, self._options.run_id
        state = self._state(secret)
        if check_state:  # outside the load transaction: it never reads the table it appends to
            query = functools.partial(self._executor.query, secret)
            done = state.committed_rows(query, run_id, prepared.key)
            if done is not None:
                return RowStatus.SKIPPED, done
        if prepared.sql.truncate is not None:  # commits on its own (Redshift), so it runs alone
            self._executor.execute(secret, prepared.sql.truncate)
        with self._executor.transaction(secret) as session:
            rows = run_load(session, prepared.sql)
            state.record(session, run_id, prepared.key, prepared.row.target_table, prepared.plan.load_type, rows)
        return RowStatus.SUCCEEDED, rows

    def ensure_state_table(self, secret_name: str) -> None:
        """Create the state table on ``secret_name``'s cluster if ``inspect`` found none, and read which rows
        this run id has committed already (one query). Call after ``inspect``, before loading, never
        concurrently."""
        committed = self._retrying_named(secret_name, lambda: self._read_state(secret_name))
        self._committed.update({(secret_name, key): rows for key, rows in committed.items()})

    def _read_state(self, secret_name: str) -> dict[str, int]:
        view = self._views[secret_name]
        if not view.state_exists:
            self._create_state_table(secret_name, view)
            self._views[secret_name] = replace(view, state_exists=True, state_schema_exists=True)
            return {}
        query = functools.partial(self._executor.query, secret_name)
        return view.state.committed_run_rows(query, self._options.run_id)

    def _create_state_table(self, secret_name: str, view: ClusterView) -> None:
        """Create the state table; when that fails because a concurrent run created it first, use theirs."""
        try:
            with self._executor.transaction(secret_name) as session:
                for statement in view.state.create_statements(with_schema=not view.state_schema_exists):
                    session.execute(statement)
        except ExecutionError:
            key = view.facts.key(view.state.name)
            if key not in catalog.table_columns(self._executor, secret_name, [key]):
                raise
            logger.info("state table %s was created concurrently by another run", view.state.name.sql())

    def _state(self, secret_name: str) -> StateTable:
        return self._views[secret_name].state

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
        view = self._views[plan.row.secret_name]
        names = view.columns.get(view.facts.key(plan.target))
        if not names:
            raise ExecutionError(
                f"target table {plan.row.target_table} does not exist or its columns are not visible "
                f"to user {view.facts.user}"
            )
        return tuple(Identifier(name) for name in names)
