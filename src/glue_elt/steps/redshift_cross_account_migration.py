"""``RedshiftCrossAccountDataMigration``: copy tables from a data-share into Redshift, server-side.

Run as a Glue job or ``python -m glue_elt.steps.redshift_cross_account_migration --help``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from glue_elt.executor import RedshiftExecutor
from glue_elt.migration import catalog
from glue_elt.migration.config_file import decode_config, parse_config, parse_json_config
from glue_elt.migration.names import display_identifier
from glue_elt.migration.orchestrator import Orchestrator
from glue_elt.migration.outputs import summary_document, write_failed_rows, write_summary
from glue_elt.migration.report import log_summary
from glue_elt.migration.rows import MigrationResult, MigrationRow
from glue_elt.migration.runner import LoadOptions, RowRunner
from glue_elt.migration.settings import (
    ConfigFileMode,
    MigrationSettings,
    SchemaMode,
    read_settings,
)
from glue_elt.migration.state import DEFAULT_STATE_TABLE
from glue_elt.params import Param, Resolver
from glue_elt.s3 import S3Store
from glue_elt.secrets import SecretStore, assumed_role_secrets_client
from glue_elt.step import EXIT_OK, EXIT_ROWS_FAILED, GlueELTStep

logger = logging.getLogger(__name__)


def new_run_id() -> str:
    """A sortable, unique run id for runs outside Glue (Glue passes ``--JOB_RUN_ID``)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def schema_rows(mode: SchemaMode, tables: list[str]) -> list[MigrationRow]:
    """One row per table of the target schema, read from the same-named table of the source schema."""
    target_schema = display_identifier(mode.target_schema.name)
    return [
        MigrationRow(
            source_table=f"{mode.source_schema}.{display_identifier(table)}",
            target_table=f"{target_schema}.{display_identifier(table)}",
            secret_name=mode.secret_name,
            load_type=mode.load_type,
            merge_keys=mode.merge_keys,
            watermark_column=mode.watermark_column,
        )
        for table in tables
    ]


class RedshiftCrossAccountDataMigration(GlueELTStep[MigrationResult]):
    """Runs ``INSERT INTO target ... SELECT ... FROM shared_db.schema.table`` for every migration row.

    Rows come from a config file on S3 (``--config_path``) or from every base table of a target
    schema (``--source_schema``, ``--target_schema``, ``--secret_name``). Each row commits on its own;
    failed rows are logged, counted and written to ``--error_output_path``.
    """

    DESCRIPTION = "Copy tables from a Redshift data-share into the target cluster, server-side."
    PARAMETERS = (
        Param("config_path", "config file mode: s3://bucket/key.csv with one migration row per line"),
        Param("config_file_sep", "separator of the config file (one character)", "#"),
        Param("source_schema", "schema mode: source schema, e.g. shared_db.sales"),
        Param("target_schema", "schema mode: target schema whose base tables are all migrated"),
        Param("secret_name", "schema mode: Secrets Manager secret (name or ARN) of the target cluster"),
        Param("load_type", "schema mode: append, overwrite, incremental or upsert", "append"),
        Param("error_output_path", "s3:// key, or prefix ending in '/', for failed rows as JSON"),
        Param("fail_on_error", "exit non-zero when a row failed (true/false)", "true"),
        Param("overwrite_mode", "overwrite by 'delete' (atomic) or 'truncate' (fast, not atomic)", "delete"),
        Param("state_table", "table on the target cluster recording committed rows per run id", DEFAULT_STATE_TABLE),
        Param("max_retries", "retries of a row after a transient error (connection, 1023/40001, deadlock)", "3"),
        Param("retry_wait_seconds", "first retry wait; doubles each retry, with jitter", "1"),
        Param("max_parallel", "rows loaded at once (1 = serial, file order); one connection each", "4"),
        Param("merge_keys", "schema mode, load_type upsert: comma-separated key columns"),
        Param("watermark_column", "schema mode, load_type incremental: the column that only grows"),
        Param("dry_run", "validate and pre-flight only; print each row's SQL; write nothing (true/false)", "false"),
        Param("verify_counts", "append/overwrite: roll back a row whose insert count differs from the source", "false"),
        Param("summary_output_path", "s3:// key, or prefix ending in '/', for the run summary as JSON"),
        Param("assume_role_arn", "IAM role to assume (STS, once) for reading the secrets"),
        Param("JOB_RUN_ID", "run id (set by Glue); generated when absent"),
    )

    def __init__(
        self,
        args: Mapping[str, object] | Sequence[str] | None = None,
        *,
        executor: RedshiftExecutor | None = None,
        resolver: Resolver | None = None,
        s3: S3Store | None = None,
    ) -> None:
        super().__init__(args, executor=executor, resolver=resolver)
        self._s3 = s3 or S3Store()
        self._settings: MigrationSettings | None = None

    @property
    def settings(self) -> MigrationSettings:
        """The job parameters, read and checked once (``ConfigError`` when unusable)."""
        if self._settings is None:
            self._settings = read_settings(self._params.get)
        return self._settings

    def run(self) -> MigrationResult:
        """Migrate every row and return the outcomes; raises ``ConfigError`` before any write.

        Phases: read and validate every row, pre-flight every valid row on the server (EXPLAIN), then
        load the rows that passed, each in its own transaction, up to ``--max_parallel`` at once.
        With ``--dry_run true`` the run stops after the pre-flight and writes nothing.
        """
        started_at, started = datetime.now(UTC), time.monotonic()
        settings = self.settings
        run_id = self._params.get("JOB_RUN_ID") or new_run_id()
        runner = RowRunner(self.executor, load_options(settings, run_id))
        rows = self._rows(settings, runner)
        logger.info(
            "run %s%s: %d row(s) to migrate, up to %d at once",
            run_id, " (dry run)" if settings.dry_run else "", len(rows), settings.max_parallel,
        )  # fmt: skip
        outcomes = Orchestrator(runner, settings.max_parallel).migrate(rows, dry_run=settings.dry_run)
        result = MigrationResult(run_id, tuple(outcomes), dry_run=settings.dry_run)
        result = write_failed_rows(self._s3, settings.error_file_uri(run_id), result)
        seconds = time.monotonic() - started
        mode = "config_file" if isinstance(settings.mode, ConfigFileMode) else "schema"
        document = summary_document(result, mode, started_at, datetime.now(UTC), seconds)
        result = write_summary(self._s3, settings.summary_uri(run_id), document, result)
        log_summary(result, seconds)
        return result

    def create_executor(self) -> RedshiftExecutor:
        """An executor whose pools allow ``--max_parallel`` connections per secret, reading secrets as
        ``--assume_role_arn`` when given."""
        role = self.settings.assume_role_arn
        secrets = SecretStore(assumed_role_secrets_client(role)) if role else SecretStore()
        return RedshiftExecutor(secrets, max_connections_per_secret=self.settings.max_parallel)

    def exit_code(self, result: MigrationResult) -> int:
        """0 when all rows succeeded (or ``--fail_on_error false``), 1 otherwise."""
        if result.output_error is not None:
            return EXIT_ROWS_FAILED
        if result.failed and self.settings.fail_on_error:
            return EXIT_ROWS_FAILED
        return EXIT_OK

    def _rows(self, settings: MigrationSettings, runner: RowRunner) -> list[MigrationRow]:
        mode = settings.mode
        if isinstance(mode, ConfigFileMode):
            data = self._s3.read_bytes(mode.config_path, what="config file")
            source = str(mode.config_path)
            text = decode_config(data, source)
            if mode.config_path.key.lower().endswith(".json"):
                return parse_json_config(text, source)
            return parse_config(text, mode.separator, source)
        facts = runner.facts(mode.secret_name)
        if facts.folds_identifiers:
            mode = replace(mode, target_schema=mode.target_schema.folded())
        schema = mode.target_schema.name
        tables = catalog.base_tables(self.executor, mode.secret_name, facts.database, schema)
        if not tables:
            logger.warning("target schema %s has no base tables visible to user %s", schema, facts.user)
        return schema_rows(mode, tables)


def load_options(settings: MigrationSettings, run_id: str) -> LoadOptions:
    """The runner's options for this run."""
    return LoadOptions(
        run_id=run_id,
        state_table=settings.state_table,
        overwrite_mode=settings.overwrite_mode,
        max_retries=settings.max_retries,
        retry_wait_seconds=settings.retry_wait_seconds,
        verify_counts=settings.verify_counts,
    )


if __name__ == "__main__":
    # Run the class from its importable module so its logger is named after the module, not __main__.
    from glue_elt import RedshiftCrossAccountDataMigration as Step

    Step().start()
