"""A verification's outputs: each table as a row outcome (so the exit status, the error file and the metrics work as
for a load), the total line, and the JSON report ``--summary_output_path`` receives.

A table that is equal is a row that succeeded; one that differs, or could not be verified, a row that failed, its
error the table's verdict. The error file (``--error_output_path``) therefore lists exactly the config rows of the
tables to look at again, and can be run as a config file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from glue_elt.steps.redshift_cross_account_migration.results import MigrationResult, RowOutcome, RowStatus
from glue_elt.steps.redshift_cross_account_migration.verify.verdict import TableVerdict, Verdict

REPORT_FILE = "verify.json"
"""The report's name under a ``--summary_output_path`` prefix (``<prefix><run id>/verify.json``): beside a load's
``summary.json`` of the same run id, never over it."""


def outcomes(verdicts: Sequence[TableVerdict]) -> tuple[RowOutcome, ...]:
    """Each table's verdict as a row outcome."""
    return tuple(
        RowOutcome(
            verdict.row,
            RowStatus.SUCCEEDED if verdict.verdict is Verdict.EQUAL else RowStatus.FAILED,
            None,
            verdict.seconds,
            None if verdict.verdict is Verdict.EQUAL else verdict.text(),
            verdict.load_type,
            verdict.unreachable,
        )
        for verdict in verdicts
    )


def counts(verdicts: Sequence[TableVerdict]) -> dict[str, int]:
    """How many tables are equal, different, and not verified."""
    return {verdict.value: sum(1 for v in verdicts if v.verdict is verdict) for verdict in Verdict}


def total_line(result: MigrationResult, seconds: float) -> str:
    """The run's one-line total."""
    found = counts(result.verification or ())
    stopped = " (CANCELLED: the tables not done are not verified)" if result.cancelled else ""
    return (
        f"verify run {result.run_id}{stopped}: {found['equal']} table(s) equal, {found['different']} different, "
        f"{found['failed']} not verified; read-only, nothing written on the cluster, in {seconds:.2f} s"
    )


def verify_document(
    result: MigrationResult, mode: str, started: datetime, finished: datetime, seconds: float
) -> dict[str, Any]:
    """The JSON report: the run, its counts and total line, each table's verdict with its figures and differing
    ranges, the error file, and (schema mode) what the schema holds that no row compares."""
    verdicts = result.verification or ()
    document: dict[str, Any] = {
        "run_id": result.run_id,
        "mode": mode,
        "verify_only": True,
        "cancelled": result.cancelled,
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "seconds": round(seconds, 3),
        "counts": counts(verdicts),
        "equal": all(verdict.verdict is Verdict.EQUAL for verdict in verdicts),
        "error_file": result.error_file,
        "summary": total_line(result, seconds),
        "tables": [verdict.document() for verdict in verdicts],
    }
    if mode == "schema":
        document["not_compared"] = [{"table": item.table, "reason": item.reason} for item in result.not_migrated]
    return document
