"""The run's documents on S3: the failed rows (a valid config file) and the run summary.

They describe the run id's state after this run (issue 32, item 4): the error file lists the rows that have not
committed, so a run that leaves none removes the error file an earlier attempt of the run id left at its key (else a
re-run from it would list rows the summary counts as loaded); the summary keeps the earlier attempts' summaries
(``glue_elt.steps.summaries``). Failed rows that cannot be written (no such bucket, access denied) are logged as the
file would have held them, so their values are not lost with the file (item 11).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from glue_elt.aws.s3 import S3Store, S3Uri
from glue_elt.errors import GlueELTError
from glue_elt.steps.redshift_cross_account_migration.model import RAW_LINE
from glue_elt.steps.redshift_cross_account_migration.report import summary_line
from glue_elt.steps.redshift_cross_account_migration.results import MigrationResult, RowOutcome
from glue_elt.steps.summaries import publish_summary

logger = logging.getLogger(__name__)


def chunks_document(outcome: RowOutcome) -> dict[str, int] | None:
    """A row's ``chunks`` in the summary: how many of its chunks the run id committed (now or before) of how many
    planned; ``None`` for a row loaded whole, or that failed before its chunk plan."""
    if outcome.chunks is None:
        return None
    committed, planned = outcome.chunks
    return {"committed": committed, "planned": planned}


def summary_document(
    result: MigrationResult, mode: str, started: datetime, finished: datetime, seconds: float
) -> dict[str, Any]:
    """One JSON document describing the run: id, mode, times, counts, every row's outcome and, in schema mode,
    the objects found but not migrated (``not_migrated``: each one's ``table`` and ``reason``). ``write_summary`` adds
    ``earlier_runs``."""
    document: dict[str, Any] = {
        "run_id": result.run_id,
        "mode": mode,
        "dry_run": result.dry_run,
        "cancelled": result.cancelled,
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "counts": {
            "succeeded": result.succeeded,
            "failed": result.failed,
            "skipped": result.skipped,
            **({"valid": result.valid} if result.dry_run else {}),
        },
        "error_file": result.error_file,
        "created_tables": [o.row.target_table for o in result.outcomes if o.created],
        "summary": summary_line(result, seconds),
        "rows": [
            {
                "target_table": outcome.row.target_table,
                "source_table": outcome.row.source_table,
                "load_type": outcome.load_type_name,
                "status": outcome.status.value,
                "rows_affected": outcome.rows_affected,
                "seconds": round(outcome.seconds, 3),
                "error": outcome.error,
                "created_target": outcome.created,
                "query_id": outcome.query_id,
                "chunks": chunks_document(outcome),
                **({RAW_LINE: outcome.row.raw} if outcome.row.raw is not None else {}),
                "rows_replaced": outcome.rows_replaced,
                **({"schema": outcome.schema.document()} if outcome.schema is not None else {}),
            }
            for outcome in result.outcomes
        ],
    }
    if mode == "schema":
        document["not_migrated"] = [{"table": item.table, "reason": item.reason} for item in result.not_migrated]
    return document


def write_failed_rows(s3: S3Store, uri: S3Uri | None, result: MigrationResult) -> MigrationResult:
    """Write the failed rows to ``uri`` (nothing for a dry run or without a path); when none failed, remove what an
    earlier attempt left there (``remove_stale_error_file``). When they cannot be written, they are logged."""
    if uri is None or result.dry_run:
        return result
    if result.failed == 0:
        problem = remove_stale_error_file(s3, uri)
        return result if problem is None else replace(result, output_error=problem)
    rows = result.failed_rows()
    problem = s3.publish(uri, rows, what="error file")
    if problem is not None:
        shown = json.dumps(rows, indent=2, ensure_ascii=False)
        logger.error("the failed rows, as the error file would have held them (%d):\n%s", len(rows), shown)
        return replace(result, output_error=problem)
    return replace(result, error_file=str(uri))


def remove_stale_error_file(s3: S3Store, uri: S3Uri) -> str | None:
    """Delete ``uri`` (no failure when nothing is there). When S3 refuses, look: a file there lists rows that have
    since committed, an output not right (the message, logged, is returned); nothing there (404) is fine; when it
    cannot be read either (no ``s3:ListBucket`` gives 403 for a missing key too), a WARNING says one may be there."""
    try:
        s3.delete(uri, what="error file")
        return None
    except GlueELTError as error:
        refused = str(error)
    try:
        found = s3.read_if_present(uri, what="error file") is not None
    except GlueELTError:
        logger.warning(
            "%s: if an earlier attempt of this run id left one, it lists rows that have since committed", refused
        )
        return None
    if not found:
        return None
    problem = f"{refused}: it lists rows of an earlier attempt of this run id that have since committed"
    logger.error("%s", problem)
    return problem


def write_summary(
    s3: S3Store, uri: S3Uri | None, document: dict[str, Any], result: MigrationResult, what: str = "run summary"
) -> MigrationResult:
    """Write the summary document (``what`` it is, for the log) to ``uri`` (when given; also for a dry run), with the
    earlier runs of the run id found there."""
    if uri is None:
        return result
    problem = publish_summary(s3, uri, document, what)
    return result if problem is None else replace(result, output_error=problem)
