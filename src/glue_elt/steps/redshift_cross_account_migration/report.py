"""What a run tells its user: a log line per finished row, progress bars on a terminal (the rows done, and a bar per
chunked row while it loads: ``chunk_bars``), a summary."""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from glue_elt.steps.redshift_cross_account_migration.chunk_bars import ChunkBars
from glue_elt.steps.redshift_cross_account_migration.chunk_events import NO_CHUNK_OBSERVER, ChunkObserver
from glue_elt.steps.redshift_cross_account_migration.results import MigrationResult, RowOutcome, RowStatus

logger = logging.getLogger(__name__)


class Progress:
    """Counts finished rows and logs each as ``[k/N]``; shows tqdm bars only when stderr is a terminal (``bar``
    forces them on or off): one of the rows done, and one per chunked row while it loads (``chunks``, the observer
    its load tells). ``file`` is where the bars are drawn (stderr)."""

    def __init__(self, total: int, *, bar: bool | None = None, file: TextIO | None = None) -> None:
        self._total = total
        self._done = 0
        self._lock = threading.Lock()
        self._bar: Any = None
        self.chunks: ChunkObserver = NO_CHUNK_OBSERVER
        if bar if bar is not None else sys.stderr.isatty():
            from tqdm import tqdm

            out = file or sys.stderr
            self._bar = tqdm(total=total, unit="table", file=out, dynamic_ncols=True, leave=False)
            self.chunks = ChunkBars(out, first_position=1)

    @contextlib.contextmanager
    def active(self) -> Iterator[Progress]:
        """Keep log lines above the bar while rows run; remove the bar afterwards."""
        if self._bar is None:
            yield self
            return
        from tqdm.contrib.logging import logging_redirect_tqdm

        try:
            with logging_redirect_tqdm():
                yield self
        finally:
            self._bar.close()

    def running(self, tables: Sequence[str]) -> None:
        """Show the tables loading now beside the bar (nothing without a bar)."""
        if self._bar is not None:
            self._bar.set_postfix_str(", ".join(tables), refresh=True)

    def finished(self, outcome: RowOutcome) -> None:
        """Record and log one finished row (thread-safe; numbering follows completion order)."""
        with self._lock:
            self._done += 1
            log_outcome(self._done, self._total, outcome)
            if self._bar is not None:
                self._bar.update(1)


def log_outcome(index: int, total: int, outcome: RowOutcome) -> None:
    """One line for a finished row: rows and seconds, or the reason it failed."""
    row = outcome.row
    load_type = outcome.load_type_name
    if outcome.status is RowStatus.VALID:
        logger.info("[%d/%d] %s %s: passed every check (dry run)", index, total, row.label, load_type)
    elif outcome.status is RowStatus.SKIPPED:
        logger.info(
            "[%d/%d] %s %s: skipped, already committed by this run id (%d row(s))",
            index, total, row.label, load_type, outcome.rows_affected or 0,
        )  # fmt: skip
    elif outcome.succeeded:
        logger.info(
            "[%d/%d] %s %s: %s%d row(s) inserted%s in %.2f s%s",
            index, total, row.label, load_type, "target created, " if outcome.created else "",
            outcome.rows_affected or 0, replaced_text(outcome.rows_replaced), outcome.seconds,
            f" (query {outcome.query_id})" if outcome.query_id is not None else "",
        )  # fmt: skip
    else:
        logger.error(
            "[%d/%d] %s %s: FAILED after %.2f s: %s",
            index, total, row.label, load_type, outcome.seconds, outcome.error,
        )  # fmt: skip


def replaced_text(replaced: int | None) -> str:
    """`` (n target row(s) replaced)`` for an upsert's count, else nothing."""
    return "" if replaced is None else f" ({replaced} target row(s) replaced)"


def log_summary(result: MigrationResult, seconds: float) -> None:
    """The per-row metrics table, then the one-line summary."""
    if result.outcomes:
        lines = [f"{'status':<9} {'rows':>12} {'seconds':>8}  target (load type)"]
        for outcome in result.outcomes:
            rows = "-" if outcome.rows_affected is None else str(outcome.rows_affected)
            load_type = outcome.load_type_name
            lines.append(
                f"{outcome.status.value:<9} {rows:>12} {outcome.seconds:>8.2f}  {outcome.row.label} ({load_type})"
            )
        logger.info("run %s per row:\n%s", result.run_id, "\n".join(lines))
    created = [outcome.row.target_table for outcome in result.outcomes if outcome.created]
    if created:
        logger.info("run %s created %d target table(s): %s", result.run_id, len(created), ", ".join(created))
    logger.info("%s", summary_line(result, seconds))


def summary_line(result: MigrationResult, seconds: float) -> str:
    """The run's one-line summary (also in the summary document)."""
    if result.dry_run:
        return f"run {result.run_id} (dry run): {result.valid} would run, {result.failed} would fail; nothing written"
    inserted = sum(o.rows_affected or 0 for o in result.outcomes if o.status is RowStatus.SUCCEEDED)
    counted = [o.rows_replaced for o in result.outcomes if o.rows_replaced is not None]
    replaced = replaced_text(sum(counted) if counted else None)
    stopped = " (CANCELLED: the rows not finished roll back; a re-run with the same run id completes them)"
    head = f"run {result.run_id}{stopped if result.cancelled else ''}"
    return (
        f"{head}: {result.succeeded} succeeded, {result.failed} failed, {result.skipped} skipped "
        f"(already committed by this run id); {inserted} row(s) inserted{replaced} in {seconds:.2f} s"
    )
