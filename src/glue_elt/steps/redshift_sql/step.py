"""``RedshiftSqlStep``: run a SQL script from S3 on a Redshift cluster, in one transaction, exactly once per run id.

Run as a Glue job or ``python -m glue_elt.steps.redshift_sql --help``.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from glue_elt.aws.s3 import output_uri
from glue_elt.core.redaction import redact, register_secret
from glue_elt.core.retry import RetryPolicy
from glue_elt.core.run_id import resolve_run_id
from glue_elt.core.stopping import CANCELLED, stop_scope
from glue_elt.errors import GlueELTError, OutputError, with_prefix
from glue_elt.observability.lineage import NO_LINEAGE
from glue_elt.observability.lineage_naming import aws_region, secret_specs, spec_namespace
from glue_elt.observability.metrics import SECONDS, Figure
from glue_elt.redshift.batch import BatchExecutor
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.factory import ExecutorKind, build_executor
from glue_elt.redshift.state import RunLedger
from glue_elt.redshift.tags import run_tag
from glue_elt.steps import shared_params
from glue_elt.steps.base import EXIT_OK, EXIT_ROWS_FAILED, GlueELTStep
from glue_elt.steps.redshift_sql.batches import BatchScriptRunner, check_batches
from glue_elt.steps.redshift_sql.lineage import script_run, with_rows
from glue_elt.steps.redshift_sql.outcomes import Outcome, Run, Status, script_key
from glue_elt.steps.redshift_sql.run import ScriptRunner
from glue_elt.steps.redshift_sql.script import Script, Statement, split_script
from glue_elt.steps.redshift_sql.settings import (
    STEP_PARAMETERS,
    SqlSettings,
    check_transactional,
    decode_script,
    read_settings,
)
from glue_elt.steps.summaries import publish_summary

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SqlResult:
    """What a run did: ``status`` is ``committed``, ``skipped`` (this run id committed the script before),
    ``failed``, or for a dry run ``checked`` / ``check failed``; one outcome per statement, in order."""

    run_id: str
    sql_path: str
    dry_run: bool
    autocommit: bool
    status: str
    outcomes: tuple[Outcome, ...]
    seconds: float
    error: str | None = None
    cancelled: bool = False
    """A stop (SIGTERM, SIGINT, ``cancel()``) ended the run: what had not committed rolled back."""

    def count(self, status: Status) -> int:
        """How many statements ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status is status)

    @property
    def rows(self) -> int:
        """Rows the statements reported, summed."""
        return sum(o.rows or 0 for o in self.outcomes if o.status is Status.SUCCEEDED)

    def summary_line(self) -> str:
        """The run in one line."""
        total, head = len(self.outcomes), f"run {self.run_id}{' (dry run)' if self.dry_run else ''}: {self.sql_path}"
        if self.dry_run:
            shown = (Status.CHECKED, Status.NOT_CHECKED, Status.FAILED)
            counts = ", ".join(f"{self.count(status)} {status.value}" for status in shown)
            return f"{head}: {total} statement(s): {counts}; nothing written"
        if self.status == "skipped":
            return f"{head}: already committed by this run id ({total} statement(s)); skipped"
        mode = " (autocommit, statement by statement)" if self.autocommit else ""
        if self.status == "committed":
            skipped = f", {self.count(Status.SKIPPED)} skipped" if self.count(Status.SKIPPED) else ""
            done = f"{self.count(Status.SUCCEEDED)} statement(s){skipped}, {self.rows} row(s)"
            return f"{head}: committed{mode}: {done} in {self.seconds:.2f} s"
        failed = next((o.statement.number for o in self.outcomes if o.status is Status.FAILED), None)
        where = f" at statement {failed} of {total}" if failed else ""
        kept = "statements before it stay committed" if self.autocommit else "rolled back, nothing committed"
        return f"{head}: FAILED{where}{mode}; {kept if failed else 'see the error'} ({self.seconds:.2f} s)"


def summary_document(result: SqlResult, started: datetime, finished: datetime) -> dict[str, Any]:
    """The run as one JSON document."""
    return {
        "run_id": result.run_id,
        "sql_path": result.sql_path,
        "dry_run": result.dry_run,
        "non_transactional": "autocommit" if result.autocommit else "refuse",
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "seconds": round(result.seconds, 3),
        "status": result.status,
        "cancelled": result.cancelled,
        "summary": result.summary_line(),
        "error": result.error,
        "statements": [_statement_entry(o.statement, o) for o in result.outcomes],
    }


def _statement_entry(statement: Statement, outcome: Outcome) -> dict[str, Any]:
    return {
        "number": statement.number,
        "line": statement.line,
        "first_line": statement.head,
        "status": outcome.status.value,
        "rows": outcome.rows,
        "seconds": round(outcome.seconds, 3),
        "query_id": outcome.query_id,
        "error": outcome.note if outcome.status is Status.FAILED else None,
        "note": outcome.note if outcome.status is not Status.FAILED else None,
    }


class RedshiftSqlStep(GlueELTStep[SqlResult]):
    """Runs the SQL script at ``--sql_path`` on ``--secret_name``'s cluster: all statements in one transaction
    (or, with ``--non_transactional autocommit``, each on its own), exactly once per run id."""

    DESCRIPTION = "Run a SQL script from S3 on a Redshift cluster, in one transaction, exactly once per run id."
    PARAMETERS = STEP_PARAMETERS
    NAME = "sql"

    _settings: SqlSettings | None = None

    @property
    def settings(self) -> SqlSettings:
        """The job parameters, read and checked once (``ConfigError`` when unusable)."""
        if self._settings is None:
            self._settings = read_settings(self._params.get)
        return self._settings

    def run(self) -> SqlResult:
        """Run the script and return what happened; raises the error that stopped it (after logging the summary
        and writing the summary document). Parameters and the script are checked before connecting."""
        started_at, started = datetime.now(timezone.utc), time.monotonic()
        settings = self.settings
        source = str(settings.sql_path)
        text = decode_script(self._s3.read_bytes(settings.sql_path, what="SQL script"), source)
        script = split_script(text, source)
        for literal in script.secret_literals:
            register_secret(literal)
        check_transactional(script, settings, source)
        run_id = resolve_run_id(settings.run_id)
        if self._through_data_api(settings):
            check_batches(script, settings, run_id, source)
        mode = "dry run" if settings.dry_run else "autocommit mode" if settings.autocommit else "one transaction"
        logger.info("run %s: %s: %d statement(s), %s", run_id, source, len(script.statements), mode)
        with run_tag("sql", run_id), stop_scope(self.stop):  # after a stop, no statement is sent
            run = self._run_traced(script, settings, run_id, source, text)
        error = run.error
        if error is not None and self.stop.requested:
            error = with_prefix(error, f"{CANCELLED}: ")
        result = SqlResult(
            run_id, source, settings.dry_run, settings.autocommit, run.status, tuple(run.outcomes),
            time.monotonic() - started, redact(str(error)) if error else None, self.stop.requested,
        )  # fmt: skip
        (logger.error if error or result.status == "check failed" else logger.info)("%s", result.summary_line())
        output_error = self._write_summary(result, started_at, settings)
        self.publish_metrics(
            result if output_error is None else replace(result, error=str(output_error)), result.seconds
        )
        error = output_error or error
        if error is not None:
            raise error
        return result

    def _run_traced(self, script: Script, settings: SqlSettings, run_id: str, source: str, text: str) -> Run:
        """``_run`` with the script's lineage (``glue_elt.steps.redshift_sql.lineage``): START, then COMPLETE or FAIL;
        a lineage problem is the run's one lineage WARNING, never the run's failure."""
        lineage = self.lineage(dry_run=settings.dry_run)
        if lineage is NO_LINEAGE:
            return self._run(script, settings, run_id, source, text)
        traced, database = None, ""
        try:
            spec = secret_specs(self.executor)(settings.secret_name)
            database = spec.database
            traced = script_run(script.statements, source, spec_namespace(spec, aws_region()), database)
            lineage.start(traced)
        except Exception as problem:
            lineage.warn(f"{type(problem).__name__}: {problem}")
        try:
            run = self._run(script, settings, run_id, source, text)
        except Exception as failure:
            if traced is not None:
                lineage.fail(traced, redact(str(failure)))
            self.end_lineage(lineage)
            raise
        if traced is not None and run.status == "failed":
            lineage.fail(traced, redact(str(run.error)))
        elif traced is not None:
            lineage.complete(with_rows(traced, run.outcomes, database))
        self.end_lineage(lineage)
        return run

    def _run(self, script: Script, settings: SqlSettings, run_id: str, source: str, text: str) -> Run:
        retry = RetryPolicy(settings.max_retries, settings.retry_wait_seconds, stop=self.stop)
        executor, key = self.executor, script_key(text)
        runner = (
            BatchScriptRunner(executor, settings.secret_name, retry, key, source)
            if isinstance(executor, BatchExecutor)
            else ScriptRunner(executor, settings.secret_name, retry, key, source)
        )
        if settings.dry_run:
            return runner.dry_run(script.statements)
        ledger = RunLedger(self.executor, run_id, self.param(shared_params.JOB_NAME))
        try:
            open_state = functools.partial(ledger.open_on, settings.secret_name, settings.state_table, commit_lock=True)
            retry.call("state table", open_state)
        except GlueELTError as error:
            return Run([Outcome(s, Status.NOT_RUN) for s in script.statements], "failed", error)
        if settings.autocommit:
            return runner.in_autocommit(script.statements, ledger)
        return runner.in_one_transaction(script.statements, ledger)

    def _write_summary(self, result: SqlResult, started_at: datetime, settings: SqlSettings) -> GlueELTError | None:
        if settings.summary_output_path is None:
            return None
        uri = output_uri(settings.summary_output_path, result.run_id, "summary.json", what="--summary_output_path")
        document = summary_document(result, started_at, datetime.now(timezone.utc))
        problem = publish_summary(self._s3, uri, document)  # with the earlier runs of the run id found there
        return OutputError(problem) if problem is not None and result.error is None else None

    def metric_figures(self, result: SqlResult, seconds: float) -> Sequence[Figure]:
        """The run's figures for ``--metrics_namespace`` (none for a dry run): statements that succeeded (committed),
        failed and were skipped (committed before by this run id), rows they reported, whether the run failed (the
        script did not commit, or its summary was not written: 1 or 0), and its seconds."""
        if result.dry_run:
            return ()
        return (
            Figure("StatementsSucceeded", result.count(Status.SUCCEEDED)),
            Figure("StatementsFailed", result.count(Status.FAILED)),
            Figure("StatementsSkipped", result.count(Status.SKIPPED)),
            Figure("RowsAffected", result.rows),
            Figure("RunsFailed", 1 if result.status == "failed" or result.error else 0),
            Figure("DurationSeconds", seconds, SECONDS),
        )

    def _through_data_api(self, settings: SqlSettings) -> bool:
        """Whether the script goes through the Data API: ``--executor data_api``, or a batch executor passed in."""
        return settings.executor is ExecutorKind.DATA_API or isinstance(self._executor, BatchExecutor)

    def create_executor(self) -> Executor:
        """The ``--executor`` (the driver: one connection), reading the secret with ``boto3_session``'s credentials,
        or as ``--assume_role_arn``."""
        settings = self.settings
        return build_executor(settings.executor, settings.assume_role_arn, 1, settings.session, self.boto3_session)

    def exit_code(self, result: SqlResult) -> int:
        """1 when a dry run found a statement that would fail, else 0 (errors raise; see
        ``steps.base.exit_code_for``)."""
        return EXIT_ROWS_FAILED if result.status == "check failed" else EXIT_OK


if __name__ == "__main__":
    # Run the class from its importable module so its logger is named after the module, not __main__.
    from glue_elt.steps.redshift_sql.step import RedshiftSqlStep as Step

    Step().start()
