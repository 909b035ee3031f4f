"""Loads a big row in chunks (``--chunk_rows``): ranges of one column, each its own transaction, each recorded.

A chunk is loaded as a row of its own by the ``RowRunner``, under a key of its own (``chunks.chunk_key``), with the
row's statements and one more condition, its range: everything a row's load guarantees (the target's lock, the
look-up of its record beside the transaction, the Data API's ``ClientToken``) holds for each chunk, so each chunk
commits exactly once for the run id, and a re-run skips the chunks that committed and loads the rest. Once every
chunk has committed, the row itself is recorded (its total), so a later re-run skips it at once.

Per load type: ``append`` chunks go straight into the target. ``overwrite`` chunks go into a staging table that one
short transaction then swaps in for the target, with the row's record (``staged_overwrite``). ``incremental`` fixes
the target's watermark once, when the row is planned, and kept in the plan: each chunk adds the source rows above it
in its range (read ``MAX(watermark)`` again after the first chunk and the second would see the first's rows).
``upsert`` is cut by a merge key, so each key's DELETE and INSERT are in one chunk, and the merge key check runs per
chunk. With ``--verify content`` each chunk's check reads only the chunk's range of the target (or stage) when that
is exact (``content_scope``); when it is not, the log says why once per row. Between chunks a reader sees the chunks
committed so far (an overwrite's: the old rows). The estimate is ``COUNT(*)`` of the filtered source; only a row
above ``--chunk_rows`` pays for the percentile query (``chunks``).

What a person sees: a log line per chunk and per row, each chunk told to a ``ChunkObserver`` (``chunk_events``: a
terminal's bars), and in the outcome the chunks committed of those planned; every way a chunked row fails says in its
error how many of how many committed, since the error file (a config file) has no field for it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from glue_elt.core.redaction import redact
from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import GlueELTError, with_prefix
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.names import TableName, display_identifier, quote_literal
from glue_elt.redshift.state import RunLedger
from glue_elt.steps.redshift_cross_account_migration import chunk_choice, chunks
from glue_elt.steps.redshift_cross_account_migration.chunk_events import NO_CHUNK_OBSERVER, ChunkedRow, ChunkObserver
from glue_elt.steps.redshift_cross_account_migration.chunk_store import ChunkPlans
from glue_elt.steps.redshift_cross_account_migration.chunks import Chunk, ChunkPlan
from glue_elt.steps.redshift_cross_account_migration.content_scope import ChunkRange, written_column
from glue_elt.steps.redshift_cross_account_migration.layout import Layout, shown
from glue_elt.steps.redshift_cross_account_migration.model import LoadType
from glue_elt.steps.redshift_cross_account_migration.results import RowOutcome, RowStatus
from glue_elt.steps.redshift_cross_account_migration.runner import PreparedRow, RowRunner, content_types, failed
from glue_elt.steps.redshift_cross_account_migration.staged_overwrite import StagedOverwrite, stages

logger = logging.getLogger(__name__)


class ChunkedLoads:
    """Loads each row whole, or in chunks when ``chunk_rows`` is given and its source holds more rows (or the run
    id has a chunk plan for it already)."""

    def __init__(
        self,
        runner: RowRunner,
        executor: Executor,
        ledger: RunLedger,
        plans: ChunkPlans,
        staged: StagedOverwrite,
        retry: RetryPolicy,
        chunk_rows: int | None,
        preferred_column: str = "",
    ) -> None:
        self._runner = runner
        self._executor = executor
        self._ledger = ledger
        self.plans = plans
        self._staged = staged
        self._retry = retry
        self._chunk_rows = chunk_rows
        self._preferred = preferred_column

    def load(self, prepared: PreparedRow, observer: ChunkObserver = NO_CHUNK_OBSERVER) -> RowOutcome:
        """The row's outcome: loaded whole, or chunk by chunk on its plan (made now, or kept from an earlier run);
        ``observer`` is told of each chunk (``chunk_events``)."""
        started = time.monotonic()
        secret, key = prepared.row.secret_name, prepared.key
        plan = self.plans.planned(secret, key)
        if self._ledger.committed(secret, key) is not None:
            if plan is None:
                return self._runner.load(prepared)  # skipped at once
            if stages(prepared):
                self._staged.drop_retired(prepared)  # in case the run that swapped ended before it dropped it
            return replace(self._runner.load(prepared), chunks=(len(plan.chunks), len(plan.chunks)))
        if plan is None:
            try:
                plan = self._plan(prepared, dry_run=False)
            except GlueELTError as error:
                planning = with_prefix(error, "planning its chunks: ")
                return failed(prepared.row, planning, started, prepared.plan.load_type)
            if plan is None:
                return self._runner.load(prepared)
        return self._load_chunks(prepared, plan, started, observer)

    def describe(self, prepared: PreparedRow) -> str | None:
        """A dry run's chunk plan for the row (read-only queries), or ``None`` when it would load whole."""
        plan = self._plan(prepared, dry_run=True)
        if plan is None:
            return None
        lines = [f"chunk plan: ~{plan.estimated_rows:,} row(s) in {len(plan.chunks)} chunk(s) of "
                 f"{display_identifier(plan.column.name)}:"]  # fmt: skip
        for chunk in plan.chunks:
            lines.append(f"  {chunk.number}: {chunk.describe(display_identifier(plan.column.name))}"
                         f" (~{chunk.estimated_rows:,} rows)")  # fmt: skip
        if stages(prepared):
            stage = shown(self._staged.stage(prepared))
            lines.append(f"each chunk into {stage}, then {stage} swapped in for the target with the row's record")
        return "\n  ".join(lines)

    def _plan(self, prepared: PreparedRow, *, dry_run: bool) -> ChunkPlan | None:
        """The row's new plan (kept unless ``dry_run``), or ``None`` when it loads whole (the log says why)."""
        if self._chunk_rows is None or prepared.layout is None:
            return None
        label, secret = prepared.row.label, prepared.row.secret_name
        chosen = chunk_choice.choose(prepared.plan, prepared.layout.source_columns, self._preferred)
        if isinstance(chosen, str):
            logger.info("%s loads whole: %s", label, chosen)
            return None
        if stages(prepared):
            self._staged.check(prepared)  # before any write: what the swap could not carry over
        source, condition = prepared.plan.source, prepared.plan.filter_sql
        rows = self._query_one(prepared, chunks.count_sql(source, condition))
        estimated = int(str(rows[0]))
        if estimated <= self._chunk_rows:
            logger.info("%s loads whole: %s row(s), not more than --chunk_rows %d", label, f"{estimated:,}",
                        self._chunk_rows)  # fmt: skip
            return None
        watermark = self._watermark(prepared)
        count = chunks.chunk_count(estimated, self._chunk_rows)
        answer = self._query_one(prepared, chunks.fitting_percentile_sql(source, condition, chosen.name, count))
        plan = chunks.plan_from(chosen.name, chosen.sql_type, estimated, answer, watermark)
        if dry_run:
            return plan
        target = prepared.row.target_table
        kept = self._retry.call(label, lambda: self.plans.save(secret, prepared.key, target, plan))
        logger.info("%s: %s row(s), planned in %d chunk(s) of %s", label, f"{estimated:,}", len(kept.chunks),
                    display_identifier(kept.column.name))  # fmt: skip
        return kept

    def _watermark(self, prepared: PreparedRow) -> str | None:
        """An incremental row's target watermark, fixed for all its chunks (``None``: not incremental, or empty)."""
        plan = prepared.plan
        if plan.load_type is not LoadType.INCREMENTAL or plan.watermark is None:
            return None
        renamed = dict(zip(prepared.layout.columns.source, prepared.layout.columns.target)) if prepared.layout else {}
        column = renamed.get(plan.watermark, plan.watermark)
        found = self._query_one(prepared, f"SELECT MAX({column.sql()}) FROM {plan.target.sql()}")
        return None if found[0] is None else chunks.value_text(found[0])

    def _query_one(self, prepared: PreparedRow, sql: str) -> tuple[object, ...]:
        secret = prepared.row.secret_name
        return tuple(self._retry.call(prepared.row.label, lambda: self._executor.query(secret, sql))[0])

    def _load_chunks(
        self, prepared: PreparedRow, plan: ChunkPlan, started: float, observer: ChunkObserver
    ) -> RowOutcome:
        """Every chunk not yet committed, in order; the row's record once all have committed."""
        label, total = prepared.row.label, len(plan.chunks)
        rows, creates, now = 0, prepared.sql.create is not None, 0
        column = display_identifier(plan.column.name)
        try:
            into = self._staged.create(prepared) if stages(prepared) else None
        except GlueELTError as error:
            secret = prepared.row.secret_name
            keys = (chunks.chunk_key(prepared.key, chunk.number) for chunk in plan.chunks)
            done = sum(1 for key in keys if self._ledger.committed(secret, key) is not None)
            message = f"the staging table could not be created, {done} of {total} chunk(s) committed: {error}"
            outcome = failed(prepared.row, error, started, prepared.plan.load_type)
            return replace(outcome, error=redact(message), chunks=(done, total))
        self._say_whole_reads(prepared, plan)
        watched = ChunkedRow(label, prepared.key, total, plan.estimated_rows)
        try:
            for chunk in plan.chunks:
                chunk_started = time.monotonic()
                observer.chunk_started(watched, chunk)
                outcome = self._runner.load(self._chunk_row(prepared, plan, chunk, create=creates, into=into))
                if outcome.status is RowStatus.FAILED:
                    ended = replace(outcome, chunks_loaded=now, seconds=time.monotonic() - started)  # the row's
                    return self._chunk_failed(prepared, plan, chunk, ended)
                creates = False  # the first chunk created the target (or another process did)
                rows += max(outcome.rows_affected or 0, 0)
                loaded = outcome.status is RowStatus.SUCCEEDED
                observer.chunk_finished(watched, chunk, max(outcome.rows_affected or 0, 0), loaded=loaded)
                if loaded:
                    now += 1
                    seconds = time.monotonic() - chunk_started
                    logger.info("%s: chunk %d/%d (%s): %s row(s) in %.1f s", label, chunk.number, total,
                                chunk.describe(column), f"{outcome.rows_affected or 0:,}", seconds)  # fmt: skip
        finally:
            observer.row_ended(watched)
        try:
            swapped = self._commit(prepared, rows, into)
        except GlueELTError as error:
            what = "swap" if into is not None else "record"
            message = (f"all {total} chunk(s) committed, but the row's {what} failed (a re-run with this run id "
                       f"{what}s it without loading a chunk again): {error}")  # fmt: skip
            outcome = failed(prepared.row, error, started, prepared.plan.load_type)
            return replace(outcome, error=redact(message), chunks=(total, total), chunks_loaded=now)
        status = RowStatus.SUCCEEDED if swapped or now else RowStatus.SKIPPED
        logger.info("%s: %d chunk(s), %s row(s) in %.1f s", label, total, f"{rows:,}", time.monotonic() - started)
        return replace(prepared.outcome(status, rows, started), chunks=(total, total), chunks_loaded=now)

    def _commit(self, prepared: PreparedRow, rows: int, stage: TableName | None) -> bool:
        """Record the row once its chunks are in: with a stage, the swap that makes it the target (``True`` when this
        process swapped); else the row's record alone (``False``: the chunks' commits were the load)."""
        if stage is not None:
            return self._staged.swap(prepared, rows)
        secret = prepared.row.secret_name
        kind = prepared.plan.load_type.value
        record = self._ledger.record_of(secret, prepared.key, prepared.row.target_table, kind, rows)
        self._retry.call(prepared.row.label, lambda: self._executor.execute(secret, record))
        return False

    def _say_whole_reads(self, prepared: PreparedRow, plan: ChunkPlan) -> None:
        """With ``--verify content``, log (once for the row) why each chunk's check must read the whole target, if
        it must (``content_scope.written_column``)."""
        layout = prepared.layout
        if not self._runner.verifies_content or layout is None:
            return
        scope = chunk_range(layout, plan, plan.chunks[0])
        found = written_column(scope, layout.columns.source, layout.columns.target, content_types(layout))
        if isinstance(found, str):
            logger.info("%s: --verify content reads the whole target (or stage) for each chunk: %s",
                        prepared.row.label, found)  # fmt: skip

    def _chunk_row(
        self, prepared: PreparedRow, plan: ChunkPlan, chunk: Chunk, *, create: bool, into: TableName | None
    ) -> PreparedRow:
        """The chunk as a row of its own: the row's statements, its range added to the filter, its own key; an
        overwrite's chunk is appended to the stage ``into``."""
        row_plan, layout = prepared.plan, prepared.layout
        if row_plan.load_type is LoadType.OVERWRITE:  # into the stage, or a target the first chunk creates
            row_plan = replace(row_plan, target=into or row_plan.target, load_type=LoadType.APPEND)
        assert layout is not None  # a chunked row was inspected
        conditions = [f"({row_plan.filter_sql})"] if row_plan.filter_sql else []
        watermark = row_plan.watermark
        if row_plan.load_type is LoadType.INCREMENTAL and watermark is not None:
            row_plan = replace(row_plan, load_type=LoadType.APPEND)  # above the plan's watermark, not the target's
            if plan.watermark is not None:
                types = {column.name: column.type.sql() or column.data_type for column in layout.source_columns}
                limit = f"CAST({quote_literal(plan.watermark)} AS {types[watermark.name]})"
                conditions.append(f"{watermark.sql()} > {limit}")
        conditions.append(chunk.condition(plan.column, plan.column_type))
        row_plan = replace(row_plan, filter_sql=" AND ".join(conditions))
        if not create:
            layout = replace(layout, create=None)
        key = chunks.chunk_key(prepared.key, chunk.number)
        return self._runner.prepare(row_plan, key, layout, chunk_range(layout, plan, chunk))

    def _chunk_failed(self, prepared: PreparedRow, plan: ChunkPlan, chunk: Chunk, outcome: RowOutcome) -> RowOutcome:
        """The row's failure at ``chunk``: which chunk, how many committed, and (a limit) what to do."""
        committed = chunk.number - 1
        total = len(plan.chunks)
        hint = ""
        if outcome.stopped_by_limit:
            hint = "; lower --chunk_rows so that each chunk fits the limit"
        at = f"chunk {chunk.number}/{total} ({chunk.describe(display_identifier(plan.column.name))})"
        message = (
            f"{at} failed, {committed} of {total} committed (a re-run with this run id resumes after them): "
            f"{outcome.error}{hint}"
        )
        return replace(outcome, row=prepared.row, error=redact(message), chunks=(committed, total),
                       load_type=prepared.plan.load_type, schema=outcome.schema, ended_at=at)  # fmt: skip


def chunk_range(layout: Layout, plan: ChunkPlan, chunk: Chunk) -> ChunkRange:
    """``chunk``'s range on the source's chunk column, with the column's type as the catalog shows it."""
    types = {column.name: column.type for column in layout.source_columns}
    return ChunkRange(plan.column, types.get(plan.column.name), plan.column_type, chunk)
