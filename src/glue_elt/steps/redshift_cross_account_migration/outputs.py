"""The run's documents on S3: the failed rows (a valid config file) and the run summary."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from glue_elt.aws.s3 import S3Store, S3Uri
from glue_elt.steps.redshift_cross_account_migration.model import MigrationResult
from glue_elt.steps.redshift_cross_account_migration.report import summary_line

logger = logging.getLogger(__name__)


def summary_document(
    result: MigrationResult, mode: str, started: datetime, finished: datetime, seconds: float
) -> dict[str, Any]:
    """One JSON document describing the run: id, mode, times, counts, every row's outcome and, in schema mode,
    the objects found but not migrated (``not_migrated``: each one's ``table`` and ``reason``)."""
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
    """Write the failed rows to ``uri`` (nothing when none failed, no path, or a dry run)."""
    if uri is None or result.failed == 0 or result.dry_run:
        return result
    problem = s3.publish(uri, result.failed_rows(), what="error file")
    if problem is not None:
        return replace(result, output_error=problem)
    return replace(result, error_file=str(uri))


def write_summary(s3: S3Store, uri: S3Uri | None, document: dict[str, Any], result: MigrationResult) -> MigrationResult:
    """Write the summary document to ``uri`` (when given; also for a dry run)."""
    if uri is None:
        return result
    problem = s3.publish(uri, document, what="run summary")
    return result if problem is None else replace(result, output_error=problem)
