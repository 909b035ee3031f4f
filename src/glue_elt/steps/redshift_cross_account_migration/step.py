"""``RedshiftCrossAccountDataMigration``: copy tables from a data-share into Redshift, server-side.

Run as a Glue job or ``python -m glue_elt.steps.redshift_cross_account_migration --help``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime, timezone

from glue_elt.core.params import parse_bool
from glue_elt.core.retry import RetryPolicy
from glue_elt.core.run_id import resolve_run_id
from glue_elt.core.stopping import stop_scope
from glue_elt.errors import ConfigError, ExecutionError
from glue_elt.observability.lineage import NO_LINEAGE
from glue_elt.observability.metrics import SECONDS, Figure
from glue_elt.redshift.executor import Executor, SecretReleasing
from glue_elt.redshift.factory import build_executor
from glue_elt.redshift.state import RunLedger
from glue_elt.redshift.tags import run_tag
from glue_elt.steps import shared_params
from glue_elt.steps.base import EXIT_OK, EXIT_ROWS_FAILED, EXIT_UNREACHABLE, GlueELTStep
from glue_elt.steps.redshift_cross_account_migration import settings as settings_module
from glue_elt.steps.redshift_cross_account_migration.chunk_store import ChunkPlans
from glue_elt.steps.redshift_cross_account_migration.chunked import ChunkedLoads
from glue_elt.steps.redshift_cross_account_migration.config_file import decode_config, parse_config
from glue_elt.steps.redshift_cross_account_migration.config_json import parse_json_config
from glue_elt.steps.redshift_cross_account_migration.discovery import Discovery, discover
from glue_elt.steps.redshift_cross_account_migration.inspection import ClusterChecks, InspectOptions
from glue_elt.steps.redshift_cross_account_migration.lineage import row_lineage
from glue_elt.steps.redshift_cross_account_migration.model import Verify, row_keys
from glue_elt.steps.redshift_cross_account_migration.orchestrator import Orchestrator
from glue_elt.steps.redshift_cross_account_migration.outputs import summary_document, write_failed_rows, write_summary
from glue_elt.steps.redshift_cross_account_migration.report import log_summary
from glue_elt.steps.redshift_cross_account_migration.results import MigrationResult, RowStatus
from glue_elt.steps.redshift_cross_account_migration.resume import log_stopped, rerun_hint
from glue_elt.steps.redshift_cross_account_migration.runner import LoadOptions, RowRunner
from glue_elt.steps.redshift_cross_account_migration.settings import (
    SOURCE_NAMESPACE,
    VERIFY_ONLY,
    ConfigFileMode,
    MigrationSettings,
    read_settings,
)
from glue_elt.steps.redshift_cross_account_migration.staged_overwrite import StagedOverwrite
from glue_elt.steps.redshift_cross_account_migration.verify import report as verify_report
from glue_elt.steps.redshift_cross_account_migration.verify import tables as verify_tables
from glue_elt.steps.redshift_cross_account_migration.verify.run import verify_all

logger = logging.getLogger(__name__)
STEP_TAG = "migrate"
"""The step's name in its statements' tag (``glue_elt.redshift.tags``), as ``glue-elt migrate`` names it."""
VERIFY_TAG = "verify"
"""The tag's step name in a ``--verify_only`` run (``glue-elt verify``)."""


VERIFIED = {
    Verify.COUNTS: "each load's row count is checked against its filtered source before it commits",
    Verify.CONTENT: "each load's rows are checked against the source rows read, by count and checksum, before it "
    "commits",
}


def verification_note(settings: MigrationSettings) -> str:
    """What the run's opening line says of ``--verify`` (or ``--verify_counts``), as the user gave it: nothing when
    the loads check nothing."""
    verification = settings.verification
    if verification is Verify.NONE:
        return ""
    given = "--verify_counts true" if settings.verify is Verify.NONE else f"--verify {verification.value}"
    return f"; {given}: {VERIFIED[verification]}"


class RedshiftCrossAccountDataMigration(GlueELTStep[MigrationResult]):
    """Runs ``INSERT INTO target ... SELECT ... FROM shared_db.schema.table`` for every migration row.

    Rows come from a config file on S3 (``--config_path``) or from every base table of a schema, the target's
    or (``--discover_from source``) the source's (``--source_schema``, ``--target_schema``, ``--secret_name``;
    ``discovery``). Each row commits on its own;
    failed rows are logged, counted and written to ``--error_output_path``.
    """

    DESCRIPTION = "Copy tables from a Redshift data-share into the target cluster, server-side."
    PARAMETERS = settings_module.PARAMETERS
    NAME = "migrate"

    _settings: MigrationSettings | None = None

    @property
    def settings(self) -> MigrationSettings:
        """The job parameters, read and checked once (``ConfigError`` when unusable)."""
        if self._settings is None:
            self._settings = read_settings(self.setting_text)
        return self._settings

    def setting_text(self, name: str) -> str | None:
        """The text given for parameter ``name`` (``None``: not given), as the settings read it."""
        return self._params.get(name)

    def run(self) -> MigrationResult:
        """Migrate every row and return the outcomes; raises ``ConfigError`` before any write.

        Phases: read and validate every row, inspect each cluster (catalog, privileges), pre-flight every
        remaining row (EXPLAIN), then load the rows that passed, each in its own transaction, up to
        ``--max_parallel`` at once. With ``--dry_run true`` the run stops after the pre-flight and writes nothing.
        Once a stop was requested (``cancel()``, SIGTERM), no statement is sent any more: the rows not done are
        reported as cancelled, and the outputs are written.
        """
        started_at, started = datetime.now(timezone.utc), time.monotonic()
        run_id = resolve_run_id(self.param(shared_params.RUN_ID), self.param(shared_params.JOB_RUN_ID))
        if self.settings.verify_only:
            with run_tag(VERIFY_TAG, run_id), stop_scope(self.stop):
                return self._verify(run_id, started_at, started)
        with run_tag(STEP_TAG, run_id), stop_scope(self.stop):
            return self._migrate(run_id, started_at, started)

    def _migrate(self, run_id: str, started_at: datetime, started: float) -> MigrationResult:
        settings = self.settings
        retry = RetryPolicy(settings.max_retries, settings.retry_wait_seconds, stop=self.stop)
        options = InspectOptions(
            settings.overwrite_mode,
            create_missing=settings.create_missing_targets,
            allow_narrowing=settings.allow_narrowing,
            verify_counts=settings.verification is Verify.COUNTS,
            verify_content=settings.verification is Verify.CONTENT,
            dry_run=settings.dry_run,
        )
        checks = ClusterChecks(self.executor, retry, settings.state_table, options)
        ledger = RunLedger(self.executor, run_id, self.param(shared_params.JOB_NAME))
        verify = settings.verification
        load_options = LoadOptions(settings.overwrite_mode, verify is Verify.COUNTS, verify is Verify.CONTENT)
        runner = RowRunner(self.executor, ledger, retry, load_options)
        source_namespace = self.param(SOURCE_NAMESPACE)
        lineage = self.lineage(dry_run=settings.dry_run)
        try:
            found = self._rows_unless_stopped(settings, checks, retry)
            logger.info(
                "run %s%s: %d row(s) to migrate, up to %d at once%s",
                run_id, " (dry run)" if settings.dry_run else "", len(found.rows), settings.max_parallel,
                verification_note(settings),
            )  # fmt: skip
            observer = None if lineage is NO_LINEAGE else row_lineage(lineage, self.executor, source_namespace)
            release = self.executor.release_secret if isinstance(self.executor, SecretReleasing) else None
            preferred = "" if isinstance(settings.mode, ConfigFileMode) else settings.mode.chunk_column
            plans = ChunkPlans(self.executor, ledger)
            staged = StagedOverwrite(self.executor, ledger, retry, checks.facts)
            chunked = ChunkedLoads(runner, self.executor, ledger, plans, staged, retry, settings.chunk_rows, preferred)
            orchestrator = Orchestrator(
                checks, runner, ledger, settings.max_parallel, self.stop, observer, release, chunked,
                settings.heartbeat_seconds,
            )  # fmt: skip
            outcomes = orchestrator.migrate(found.rows, dry_run=settings.dry_run)
        finally:
            self.end_lineage(lineage)
        result = MigrationResult(
            run_id, tuple(outcomes), dry_run=settings.dry_run, not_migrated=found.not_migrated,
            cancelled=self.stop.requested,
        )  # fmt: skip
        result = write_failed_rows(self._s3, settings.error_file_uri(run_id), result)
        seconds = time.monotonic() - started
        mode = "config_file" if isinstance(settings.mode, ConfigFileMode) else "schema"
        document = summary_document(result, mode, started_at, datetime.now(timezone.utc), seconds)
        result = write_summary(self._s3, settings.summary_uri(run_id), document, result)
        log_stopped(result, rerun_hint(self._params.argv, run_id, self.parameter_names()))
        log_summary(result, seconds)
        self.publish_metrics(result, seconds)
        return result

    def _verify(self, run_id: str, started_at: datetime, started: float) -> MigrationResult:
        """``--verify_only``: every row's target against its filtered source, read-only (``verify``)."""
        settings = self.settings
        retry = RetryPolicy(settings.max_retries, settings.retry_wait_seconds, stop=self.stop)
        checks = ClusterChecks(self.executor, retry, settings.state_table, InspectOptions())
        found = self._rows_unless_stopped(settings, checks, retry)
        logger.info("run %s: verifying %d table(s), read-only, up to %d at once", run_id, len(found.rows),
                    settings.max_parallel)  # fmt: skip
        preferred = "" if isinstance(settings.mode, ConfigFileMode) else settings.mode.chunk_column
        prepared = verify_tables.prepare(self.executor, retry, checks.facts, found.rows,
                                         allow_narrowing=settings.allow_narrowing, preferred=preferred)  # fmt: skip
        verdicts = verify_all(self.executor, retry, prepared, row_keys(found.rows), max_parallel=settings.max_parallel,
                              queries=settings.verify_queries, stop=self.stop)  # fmt: skip
        result = MigrationResult(run_id, verify_report.outcomes(verdicts), not_migrated=found.not_migrated,
                                 cancelled=self.stop.requested, verification=tuple(verdicts))  # fmt: skip
        result = write_failed_rows(self._s3, settings.error_file_uri(run_id), result)
        seconds = time.monotonic() - started
        mode = "config_file" if isinstance(settings.mode, ConfigFileMode) else "schema"
        document = verify_report.verify_document(result, mode, started_at, datetime.now(timezone.utc), seconds)
        uri = settings.summary_uri(run_id, verify_report.REPORT_FILE)
        result = write_summary(self._s3, uri, document, result, "verification report")
        logger.info("%s", verify_report.total_line(result, seconds))
        self.publish_metrics(result, seconds)
        return result

    def create_executor(self) -> Executor:
        """The ``--executor`` (the driver's pools: ``--max_parallel`` connections across secrets, and as many look-up
        connections, at most one per secret), reading secrets with ``boto3_session``'s credentials, or as
        ``--assume_role_arn`` when given."""
        settings = self.settings
        return build_executor(
            settings.executor, settings.assume_role_arn, settings.max_parallel, settings.session, self.boto3_session
        )

    def metric_figures(self, result: MigrationResult, seconds: float) -> Sequence[Figure]:
        """The run's figures for ``--metrics_namespace`` (none for a dry run): rows succeeded, failed and skipped,
        rows inserted by the rows that succeeded, the chunks this run committed (of every row, a failed one's too) and
        the rows it loaded in chunks, whether the run failed (a row, or an output not written: 1 or 0), and its
        seconds."""
        if result.dry_run:
            return ()
        succeeded = [outcome for outcome in result.outcomes if outcome.status is RowStatus.SUCCEEDED]
        inserted = sum(outcome.rows_affected or 0 for outcome in succeeded)
        return (
            Figure("RowsSucceeded", result.succeeded),
            Figure("RowsFailed", result.failed),
            Figure("RowsSkipped", result.skipped),
            Figure("RowsInserted", inserted),
            Figure("ChunksCommitted", sum(outcome.chunks_loaded for outcome in result.outcomes)),
            Figure("RowsChunked", sum(1 for outcome in succeeded if outcome.chunks is not None)),
            Figure("RunsFailed", 0 if result.ok else 1),
            Figure("DurationSeconds", seconds, SECONDS),
        )

    def exit_code(self, result: MigrationResult) -> int:
        """0 when all rows succeeded (or ``--fail_on_error false``); 4 when a row failed because the cluster or
        AWS could not be reached; 1 otherwise."""
        if result.output_error is not None:
            return EXIT_ROWS_FAILED
        if result.failed and self.settings.fail_on_error:
            unreachable = any(o.unreachable for o in result.outcomes if o.status is RowStatus.FAILED)
            return EXIT_UNREACHABLE if unreachable else EXIT_ROWS_FAILED
        return EXIT_OK

    def _rows_unless_stopped(self, settings: MigrationSettings, checks: ClusterChecks, retry: RetryPolicy) -> Discovery:
        """``_rows``, or none when a stop ended schema mode's reading of the catalog (the run is then cancelled)."""
        try:
            return self._rows(settings, checks, retry)
        except ExecutionError:
            if not self.stop.requested:
                raise
            return Discovery([])

    def _rows(self, settings: MigrationSettings, checks: ClusterChecks, retry: RetryPolicy) -> Discovery:
        """The config file's rows, or schema mode's (``discovery``: ``ConfigError`` when there is none)."""
        mode = settings.mode
        if isinstance(mode, ConfigFileMode):
            data = self._s3.read_bytes(mode.config_path, what="config file")
            source = str(mode.config_path)
            text = decode_config(data, source)
            if mode.config_path.key.lower().endswith(".json"):
                return Discovery(parse_json_config(text, source))
            return Discovery(parse_config(text, mode.separator, source))
        return discover(self.executor, retry, checks.facts(mode.secret_name), mode)


class RedshiftMigrationVerification(RedshiftCrossAccountDataMigration):
    """``glue-elt verify``: the migration step with ``--verify_only true``, whatever else is given (the same
    parameters, so a Glue job of the migration step verifies with ``--verify_only true``)."""

    DESCRIPTION = "Compare each migration row's target with its filtered source, read-only: counts, checksums, ranges."
    NAME = "verify"

    def setting_text(self, name: str) -> str | None:
        """``--verify_only`` is ``true``; ``ConfigError`` when it is given as ``false``."""
        text = super().setting_text(name)
        if name != VERIFY_ONLY.name:
            return text
        if text is not None and not parse_bool(name, text):
            raise ConfigError("glue-elt verify only verifies: --verify_only false is glue-elt migrate")
        return "true"


if __name__ == "__main__":
    # Run the class from its importable module so its logger is named after the module, not __main__.
    from glue_elt.steps.redshift_cross_account_migration.step import RedshiftCrossAccountDataMigration as Step

    Step().start()
