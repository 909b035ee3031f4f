"""Prepare, pre-flight and load one migration row.

Each load is one transaction that also records the row in the state table, retried on transient errors; a row
the run id already committed is skipped, so neither a retry nor a second process of the same run id inserts
twice. The transaction opens with ``LOCK target`` (see the step's ``sql`` module); what it must know of other
loads of the same row it learns once the lock is granted:

- with the driver, the state table is asked on another connection, outside the transaction (so the load
  transaction still only appends to the state table and never forms a read/write cycle with other loads);
- with the Data API, whose transaction is one request, a second process of the run id sends the same
  ``ClientToken`` and is answered with the first process's batch (see ``_load_batch``);
- in truncate mode the TRUNCATE has committed before the lock, so the load instead checks that the target is
  still empty: when another load came in between, the row is tried again from its TRUNCATE.

A row whose target was missing at inspection opens instead with a ``CREATE TABLE`` that fails when another process
created the target meanwhile; the row is then loaded at once as any existing target (``target_creation``).
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from dataclasses import dataclass, replace

from glue_elt.core.redaction import redact
from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import (
    ExecutionError,
    GlueELTError,
    UnreachableError,
    with_prefix,
)
from glue_elt.redshift.batch import MAX_REPLAYED_BATCHES, BatchExecutor, BatchStatementError, client_token
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.names import Identifier
from glue_elt.redshift.state import RunLedger
from glue_elt.redshift.tags import row_tag
from glue_elt.redshift.types import ColumnType
from glue_elt.steps.redshift_cross_account_migration import batch_examples
from glue_elt.steps.redshift_cross_account_migration.batch_load import Role, batch_failure, load_batch
from glue_elt.steps.redshift_cross_account_migration.content_scope import ChunkRange
from glue_elt.steps.redshift_cross_account_migration.layout import Layout
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationPlan, MigrationRow, OverwriteMode
from glue_elt.steps.redshift_cross_account_migration.results import RowOutcome, RowStatus
from glue_elt.steps.redshift_cross_account_migration.session_load import run_load
from glue_elt.steps.redshift_cross_account_migration.sql import EMPTIED_CHANGED, LoadSql, load_sql
from glue_elt.steps.redshift_cross_account_migration.target_creation import (
    CreatedMeanwhileError,
    already_exists,
    create_target,
)

logger = logging.getLogger(__name__)


class _RowCommittedError(Exception):
    """Raised inside a load transaction (which then rolls back) when the row turned out to be committed."""

    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


@dataclass
class LoadState:
    """What a row's attempts learn: the generation of its Data API batches (it changes only when a batch has ended
    in failure, so a lost answer is asked for again with the same token), the query id of the committed batch's
    INSERT, and whether another process created the target this row was to create."""

    generation: int = 1
    query_id: int | None = None
    created_elsewhere: bool = False
    deleted: int | None = None
    """The rows the committed load's DELETE removed (an upsert's: the rows it replaced), when reported."""

    def current(self, prepared: PreparedRow) -> PreparedRow:
        """``prepared``, without its ``CREATE TABLE`` once another process created the target."""
        if not self.created_elsewhere or prepared.sql.create is None:
            return prepared
        return replace(prepared, sql=replace(prepared.sql, create=None))


@dataclass(frozen=True)
class LoadOptions:
    """Run-wide settings of the loads."""

    overwrite_mode: OverwriteMode = OverwriteMode.DELETE
    verify_counts: bool = False
    verify_content: bool = False


@dataclass(frozen=True)
class PreparedRow:
    """A validated, inspected row with its identity and SQL, ready for pre-flight and load."""

    row: MigrationRow
    key: str
    plan: MigrationPlan
    sql: LoadSql
    layout: Layout | None = None

    def outcome(self, status: RowStatus, rows: int | None, started: float) -> RowOutcome:
        """The row's outcome: a target created by this load, and how its columns compare, are part of it."""
        created = status is RowStatus.SUCCEEDED and self.sql.create is not None
        report = self.layout.columns.report if self.layout is not None else None
        seconds = time.monotonic() - started
        return RowOutcome(self.row, status, rows, seconds, load_type=self.plan.load_type, created=created,
                          schema=report)  # fmt: skip


def failed(row: MigrationRow, error: GlueELTError, started: float, load_type: LoadType | None = None) -> RowOutcome:
    """A failed outcome with a secret-free message; it says whether the cluster or AWS was unreachable, and whether a
    time limit stopped a statement."""
    message = redact(str(error))
    seconds = time.monotonic() - started
    return RowOutcome(row, RowStatus.FAILED, None, seconds, message, load_type, isinstance(error, UnreachableError),
                      stopped_by_limit=isinstance(error, ExecutionError) and error.stopped_by_limit)  # fmt: skip


def content_types(layout: Layout) -> dict[Identifier, ColumnType]:
    """Each target column's type (``--verify content`` casts the source's values to them)."""
    return {Identifier(column.name): column.type for column in layout.target_columns}


class RowRunner:
    """Builds, checks and loads rows through one executor, with one retry policy and the run's ledger."""

    def __init__(self, executor: Executor, ledger: RunLedger, retry: RetryPolicy, options: LoadOptions) -> None:
        self._executor = executor
        self._ledger = ledger
        self._retry = retry
        self._options = options

    @property
    def verifies_content(self) -> bool:
        """Whether the loads check their content (``--verify content``)."""
        return self._options.verify_content

    def prepare(self, plan: MigrationPlan, key: str, layout: Layout, chunk: ChunkRange | None = None) -> PreparedRow:
        """Build the SQL of an inspected row from its layout (the columns it moves, the target it creates); a chunk's
        (``chunk``: its range on the source) content check reads only that range of the target."""
        create = layout.create.sql if layout.create is not None else None
        sql = load_sql(
            plan,
            layout.columns.source,
            self._options.overwrite_mode,
            verify_counts=self._options.verify_counts,
            content_types=content_types(layout) if self._options.verify_content else None,
            target_columns=layout.columns.target,
            create=create,
            chunk=chunk,
        )
        return PreparedRow(plan.row, key, plan, sql, layout)

    def preflight(self, prepared: PreparedRow) -> None:
        """EXPLAIN the row's statements that read the source; the server's error is raised with its class
        and SQLSTATE, its message prefixed ``pre-flight check failed:``."""

        def explain() -> None:
            with row_tag(prepared.key):
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
            return prepared.outcome(RowStatus.SKIPPED, done, started)
        attempts = [0]
        state = LoadState()

        def attempt() -> tuple[RowStatus, int]:
            attempts[0] += 1
            state.deleted = None
            with row_tag(prepared.key):
                try:
                    return self._load_once(state.current(prepared), attempts[0], state)
                except CreatedMeanwhileError as created:
                    logger.info("%s: %s; loading it as an existing table", prepared.row.label, redact(str(created)))
                    state.created_elsewhere = True
                    attempts[0] += 1  # the next one looks the row up first: the other process may have loaded it
                    return self._load_once(state.current(prepared), attempts[0], state)

        try:
            status, rows = self._retry.call(prepared.row.label, attempt)
        except GlueELTError as error:
            report = prepared.layout.columns.report if prepared.layout is not None else None
            return replace(failed(prepared.row, error, started, load_type), schema=report)
        replaced = state.deleted if load_type is LoadType.UPSERT and status is RowStatus.SUCCEEDED else None
        outcome = state.current(prepared).outcome(status, rows, started)
        return replace(outcome, query_id=state.query_id, rows_replaced=replaced)

    def _load_once(self, prepared: PreparedRow, attempt: int, batches: LoadState) -> tuple[RowStatus, int]:
        secret, sql = prepared.row.secret_name, prepared.sql
        # Outside the load transaction, which never reads the state table. In truncate mode also on a first
        # attempt: a TRUNCATE commits at once and would empty a load that another process already committed.
        if attempt > 1 or sql.truncate is not None:
            done = self._ledger.look_up(secret, prepared.key)
            if done is not None:
                return RowStatus.SKIPPED, done
        if sql.truncate is not None:  # commits on its own (Redshift), so it runs alone
            self._executor.execute(secret, sql.truncate)
        if isinstance(self._executor, BatchExecutor):
            return self._load_batch(self._executor, prepared, batches)
        try:
            with self._executor.transaction(secret) as session:
                if sql.create is not None:
                    create_target(session, sql.create)
                session.execute(sql.lock)
                if sql.emptied is not None:
                    if session.query(sql.emptied):
                        raise ExecutionError(EMPTIED_CHANGED, transient=True)
                else:  # the lock is ours: every other load of this row has committed or not begun
                    done = self._ledger.look_up_beside(secret, prepared.key)
                    if done is not None:
                        raise _RowCommittedError(done)
                counts = run_load(session, sql)
                rows, batches.deleted = counts.inserted, counts.deleted
                target, load_type = prepared.row.target_table, prepared.plan.load_type.value
                self._ledger.record(session, secret, prepared.key, target, load_type, rows)
        except _RowCommittedError as committed:
            return RowStatus.SKIPPED, committed.rows
        return RowStatus.SUCCEEDED, rows

    def _load_batch(self, executor: BatchExecutor, prepared: PreparedRow, batches: LoadState) -> tuple[RowStatus, int]:
        """The row's load as one batch request (see the step's ``batch_load`` module); returns its status and rows.

        The request's ``ClientToken`` stays the same until a batch has ended in failure: after an answer that
        never came (the batch may still be running, or have committed), the same token is sent again and the
        service answers with that batch, which is then awaited; a second batch never runs beside it. A second
        process of the run id sends the same token too, so it is answered with the first one's batch rather than
        loading again. An answer that is a batch created before this process began (``replayed``) is an earlier
        process's: if it committed, the row is skipped; if it failed, that failure is not this run's, and the row
        moves on to a new token at once (the service would repeat the old answer for 8 hours). A token refused
        because its first request had other statements is answered by that request's batch all the same
        (``glue_elt.redshift.data_api.earlier``); committed, its rows are read from the state table. In truncate
        mode the token is new for every attempt: after this attempt's TRUNCATE, an earlier batch's rows are gone.
        """
        secret, row = prepared.row.secret_name, prepared.row
        record = functools.partial(
            self._ledger.record_from_count, secret, prepared.key, row.target_table, prepared.plan.load_type.value
        )
        batch = load_batch(prepared.sql, prepared.plan.target, record)
        attempt_nonce = uuid.uuid4().hex if prepared.sql.truncate is not None else None
        for _ in range(MAX_REPLAYED_BATCHES):
            token = client_token(
                self._ledger.run_id, self._ledger.scoped(prepared.key), attempt_nonce or str(batches.generation)
            )
            try:
                result = executor.run_batch(secret, batch.statements, token)
            except BatchStatementError as error:
                batches.generation += 1  # that batch has ended: a retry is a new request
                done = self._ledger.look_up(secret, prepared.key) if error.aborted else None
                if done is not None:  # reported ABORTED, yet it committed (its session has ended since)
                    return (RowStatus.SKIPPED if error.replayed else RowStatus.SUCCEEDED), done
                if error.replayed:
                    logger.info("%s: an earlier process's batch of this row had failed; loading anew", row.label)
                    continue
                failed = batch.at(error.index)
                if failed is not None and failed.role is Role.CREATE and already_exists(error):
                    raise CreatedMeanwhileError(str(error)) from None
                content = prepared.sql.content
                examples = functools.partial(batch_examples.find, executor, secret, batch, content) if content else None
                raise batch_failure(error, failed, functools.partial(self._executor.query, secret), examples) from None
            if result.other_statements:  # an earlier request of this token, with other statements, committed
                done = self._ledger.look_up(secret, prepared.key)
                return RowStatus.SKIPPED, -1 if done is None else done
            status = RowStatus.SKIPPED if result.replayed else RowStatus.SUCCEEDED
            query_ids = result.query_ids[batch.insert_index : batch.insert_index + 1]
            batches.query_id = query_ids[0] if query_ids and query_ids[0] > 0 else None
            deleted = result.rows[batch.delete_index] if batch.delete_index is not None else -1
            batches.deleted = deleted if deleted >= 0 else None  # ResultRows -1: "the value is null"
            return status, result.rows[batch.insert_index]
        raise ExecutionError(f"{MAX_REPLAYED_BATCHES} batches of earlier processes for this row had failed")
