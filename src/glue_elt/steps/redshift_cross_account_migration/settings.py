"""The migration step's job parameters (each declared once, with its parser and typed default), checked
before anything runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from glue_elt.aws.s3 import S3Uri, output_uri
from glue_elt.core import param_fields
from glue_elt.core.param_fields import given, nested, setting
from glue_elt.core.params import Param, boolean, choice, integer, number
from glue_elt.errors import ConfigError
from glue_elt.observability.lineage_naming import check_namespace
from glue_elt.redshift.factory import EXECUTOR, ExecutorKind
from glue_elt.redshift.session import SessionSettings
from glue_elt.redshift.state import StateTable
from glue_elt.steps import shared_params
from glue_elt.steps.redshift_cross_account_migration.config_file import separator
from glue_elt.steps.redshift_cross_account_migration.model import OverwriteMode, Verify
from glue_elt.steps.redshift_cross_account_migration.schema_mode import (
    ONLY_SCHEMA_MODE,
    SCHEMA_MODE_PARAMS,
    SCHEMA_PARAMETERS,
    SchemaMode,
    read_schema_mode,
)

MAX_PARALLEL_LIMIT = 64


def namespace(name: str, value: str) -> str:
    """A dataset namespace, ``scheme://authority``."""
    try:
        return check_namespace(value)
    except ValueError as error:
        raise ConfigError(f"--{name}: {error}") from None


CONFIG_PATH = Param(
    "config_path",
    "config file mode: s3://bucket/key of the config file; a .json key is read as JSON (the error file's format)",
    None,
    shared_params.s3_uri,
    doc=(
        "config file mode: `s3://bucket/key` of the config file; a `.json` key is read as JSON (the"
        " error file's format)"
    ),
    example="s3://b/migrations/orders.csv",
)
CONFIG_FILE_SEP = Param(
    "config_file_sep",
    "the delimited config file's separator (one character; a space or a tab too, a tab also written \\t)",
    "#",
    separator,
    doc="the delimited config file's separator: one character, a space or a tab too (a tab also written `\\t`)",
    example=";",
    whitespace_is_value=True,
)
ERROR_OUTPUT_PATH = Param(
    "error_output_path",
    "failed rows as JSON (a valid --config_path): an s3:// key ending in .json, or a prefix ending in '/' "
    "(then <prefix><run id>/failed_rows.json)",
    None,
    shared_params.output_path("failed_rows.json"),
    doc=(
        "failed rows as JSON, itself a valid `--config_path`: an `s3://` key ending in `.json`, or a prefix ending in "
        "`/` (then `<prefix><run id>/failed_rows.json`); a run with no failed row removes the file an earlier attempt "
        "left there; see [Output and exit status](load-types.md#output-and-exit-status)"
    ),
    example="s3://b/errors/",
)
FAIL_ON_ERROR = Param(
    "fail_on_error",
    "exit non-zero when a row failed (true/false)",
    True,
    boolean,
    doc="`false` makes a run with failed rows exit 0",
    example="false",
)
OVERWRITE_MODE = Param(
    "overwrite_mode",
    "how overwrite empties the target: delete (atomic) or truncate (fast, not atomic)",
    OverwriteMode.DELETE,
    choice(OverwriteMode),
    doc=(
        "how `overwrite` empties the target: `delete` (atomic) or `truncate` (fast, not atomic); "
        "see [Load types](load-types.md#load-types)"
    ),
    example="truncate",
)
MAX_PARALLEL = Param(
    "max_parallel",
    "rows loaded at once (1 = serial, file order); one connection each",
    4,
    integer(1, MAX_PARALLEL_LIMIT),
    doc=(
        "rows loaded at once (1 to 64); `1` runs the rows serially in file order; the driver holds at most this many"
        " load connections in all, however many secrets, and as many for the rows' look-ups (at most one per secret);"
        " the Data API holds none"
    ),
    example="8",
)
VERIFY = Param(
    "verify",
    "none, counts (append/overwrite: the row count) or content (every load type: count and checksum of the rows)",
    Verify.NONE,
    choice(Verify),
    doc=(
        "what each load checks in its transaction before it commits: `none`; `counts` (`append`/`overwrite`: the"
        " rows inserted against `COUNT(*)` of the filtered source); `content` (every load type: the rows written"
        " against the source rows read, by count and checksum, computed by the cluster); a mismatch rolls the row"
        " back and fails it; see [Verifying a migration](verifying.md)"
    ),
    example="content",
)
VERIFY_COUNTS = Param(
    "verify_counts",
    "append/overwrite: roll back a row whose insert count differs from the source (as --verify counts)",
    False,
    boolean,
    doc=(
        "`append`/`overwrite`: in the row's transaction, compare the rows inserted with `COUNT(*)` "
        "of the filtered source and roll back on a mismatch; the same as `--verify counts`"
    ),
    example="true",
)
VERIFY_ONLY = Param(
    "verify_only",
    "compare each row's target with its filtered source and write nothing (what glue-elt verify runs; true/false)",
    False,
    boolean,
    doc=(
        "compare each row's whole target with its filtered source by count and checksum, and narrow down the ranges"
        " that differ, without loading or writing anything (no lock, no state table); exit 0 when every table is"
        " equal, 1 otherwise. `glue-elt verify` is `glue-elt migrate --verify_only true`; see"
        " [Verifying a migration](verifying.md#glue-elt-verify)"
    ),
    example="true",
)
VERIFY_QUERIES = Param(
    "verify_queries",
    "with --verify_only: most queries that narrow down where one differing table differs (0: its figures only)",
    20,
    integer(0, 1000),
    doc=(
        "with `--verify_only`: the most queries that narrow down where one differing table differs, after its"
        " figures (`0`: the figures only); each query cuts every differing range into up to 16"
    ),
    example="40",
)
CREATE_MISSING_TARGETS = Param(
    "create_missing_targets",
    "create a target table (and its schema) that does not exist, from the source's columns (true/false)",
    False,
    boolean,
    doc=(
        "create a target table that does not exist (and its schema) from the source's columns: names, order,"
        " types, `NOT NULL`, and the distribution and sort keys where the catalog shows them; in the row's own"
        " transaction, so a failed load leaves no table behind. Existing tables are used as they are"
    ),
    example="true",
)
ALLOW_NARROWING = Param(
    "allow_narrowing",
    "load into target columns narrower than the source's (a warning instead of a refusal)",
    False,
    boolean,
    doc=(
        "load into a target column narrower than the source's (`VARCHAR(10)` from `VARCHAR(100)`, `SMALLINT`"
        " from `BIGINT`, ...) with a warning instead of refusing the row; for when a filter guarantees the values"
        " fit"
    ),
    example="true",
)
CHUNK_ROWS: Param[int | None] = Param(
    "chunk_rows",
    "load a table whose filtered source holds more rows than this in ranges of its chunk column, one "
    "transaction each (resumable); off when not given",
    None,
    integer(1, 10**15),
    doc=(
        "load a table whose filtered source holds more rows than this in ranges of its chunk column (the row's"
        " `chunk_column`, in schema mode `--chunk_column`, else the merge key, watermark or leading sort key), each"
        " range its own transaction recorded in the state table, so a re-run of the run id resumes after the last"
        " committed chunk; see [Big tables](load-types.md#big-tables). Off when not given"
    ),
    example="50000000",
)
HEARTBEAT_SECONDS = Param(
    "heartbeat_seconds",
    "log a line for each row still loading every this many seconds, with the time it has run (0 = never)",
    60.0,
    number(0, 86400),
    doc=(
        "while a row loads, log `<target> (line n) <load type>: running for <time>` every this many seconds (each"
        " row also logs a line when its load starts), so a long load shows in Glue's log while it runs; `0` turns"
        " the heartbeat off; see [Parallelism](load-types.md#parallelism)"
    ),
    example="300",
)
SOURCE_NAMESPACE = Param(
    "source_namespace",
    "lineage: the OpenLineage namespace of the source tables' cluster (the producer of the data share)",
    None,
    namespace,
    doc=(
        "lineage: the OpenLineage namespace of the cluster the source tables live on, the producer of the data "
        "share, which the consumer cannot see (`redshift://<cluster>.<region>:<port>`); the target cluster's "
        "namespace when not given; see [Lineage](operating.md#lineage)"
    ),
    example="redshift://producer.us-east-1:5439",
)

PARAMETERS: tuple[Param[Any], ...] = (
    CONFIG_PATH,
    CONFIG_FILE_SEP,
    *SCHEMA_PARAMETERS,
    CREATE_MISSING_TARGETS,
    ALLOW_NARROWING,
    ERROR_OUTPUT_PATH,
    shared_params.SUMMARY_OUTPUT_PATH,
    *shared_params.OBSERVABILITY,
    SOURCE_NAMESPACE,
    FAIL_ON_ERROR,
    shared_params.DRY_RUN,
    VERIFY,
    VERIFY_COUNTS,
    VERIFY_ONLY,
    VERIFY_QUERIES,
    CHUNK_ROWS,
    OVERWRITE_MODE,
    MAX_PARALLEL,
    HEARTBEAT_SECONDS,
    EXECUTOR,
    *shared_params.SESSION_CONTROL,
    *shared_params.RUN_CONTROL,
)
"""Every parameter of the migration step, in the order help and the README list them."""


@dataclass(frozen=True)
class ConfigFileMode:
    """Rows come from a config file on S3."""

    config_path: S3Uri = given(CONFIG_PATH)
    separator: str = setting(CONFIG_FILE_SEP)


@dataclass(frozen=True)
class MigrationSettings:
    """Validated job parameters: each field but ``mode`` is a parameter declared above or in ``shared_params``
    (``glue_elt.core.param_fields``), read in this order."""

    mode: ConfigFileMode | SchemaMode
    error_output_path: str | None = setting(ERROR_OUTPUT_PATH)
    fail_on_error: bool = setting(FAIL_ON_ERROR)
    overwrite_mode: OverwriteMode = setting(OVERWRITE_MODE)
    state_table: StateTable = setting(shared_params.STATE_TABLE)
    max_retries: int = setting(shared_params.MAX_RETRIES)
    retry_wait_seconds: float = setting(shared_params.RETRY_WAIT_SECONDS)
    max_parallel: int = setting(MAX_PARALLEL)
    dry_run: bool = setting(shared_params.DRY_RUN)
    verify_counts: bool = setting(VERIFY_COUNTS)
    verify: Verify = setting(VERIFY)
    summary_output_path: str | None = setting(shared_params.SUMMARY_OUTPUT_PATH)
    assume_role_arn: str | None = setting(shared_params.ASSUME_ROLE_ARN)
    executor: ExecutorKind = setting(EXECUTOR)
    create_missing_targets: bool = setting(CREATE_MISSING_TARGETS)
    allow_narrowing: bool = setting(ALLOW_NARROWING)
    session: SessionSettings = nested(SessionSettings)
    metrics_namespace: str | None = setting(shared_params.METRICS_NAMESPACE)
    chunk_rows: int | None = setting(CHUNK_ROWS)
    verify_only: bool = setting(VERIFY_ONLY)
    verify_queries: int = setting(VERIFY_QUERIES)
    heartbeat_seconds: float = setting(HEARTBEAT_SECONDS)

    @property
    def verification(self) -> Verify:
        """What the loads check: ``--verify``, or ``counts`` for ``--verify_counts true`` (``content`` counts too)."""
        if self.verify is Verify.NONE and self.verify_counts:
            return Verify.COUNTS
        return self.verify

    def error_file_uri(self, run_id: str) -> S3Uri | None:
        """Where this run's failed rows go (``None`` when no error path was given)."""
        if self.error_output_path is None:
            return None
        return output_uri(self.error_output_path, run_id, "failed_rows.json", what="--error_output_path")

    def summary_uri(self, run_id: str, filename: str = "summary.json") -> S3Uri | None:
        """Where this run's summary goes (``None`` when no summary path was given); ``filename`` under a prefix."""
        if self.summary_output_path is None:
            return None
        return output_uri(self.summary_output_path, run_id, filename, what="--summary_output_path")


def read_settings(get: Callable[[str], str | None]) -> MigrationSettings:
    """Build settings from ``get(name)`` (a parameter's value or ``None``); ``ConfigError`` if unusable."""
    config_path = CONFIG_PATH.read(get)
    schema_given = [name for name in SCHEMA_MODE_PARAMS if get(name)]
    mode: ConfigFileMode | SchemaMode
    if config_path and schema_given:
        raise ConfigError(
            "give either --config_path (config file mode) or --source_schema, --target_schema and "
            f"--secret_name (schema mode), not both (also given: {', '.join('--' + g for g in schema_given)})"
        )
    if config_path:
        mode = param_fields.read_settings(ConfigFileMode, get, config_path=config_path)
    elif schema_given:
        mode = read_schema_mode(get)
    else:
        raise ConfigError(
            "no migration rows: give --config_path s3://bucket/key.csv (config file mode) or "
            "--source_schema, --target_schema and --secret_name (schema mode)"
        )
    schema_only = [f"--{name}" for name in ONLY_SCHEMA_MODE if get(name)]
    if isinstance(mode, ConfigFileMode) and schema_only:
        raise ConfigError(
            f"{' and '.join(schema_only)} {'is' if len(schema_only) == 1 else 'are'} for schema mode "
            "(in a config file, merge_keys and watermark_column are columns of each row)"
        )
    settings = param_fields.read_settings(MigrationSettings, get, mode=mode)
    if settings.verify_only and settings.dry_run:
        raise ConfigError(
            "--verify_only true and --dry_run true cannot be combined: a verification only reads, it has nothing to "
            "rehearse (leave --dry_run out)"
        )
    return settings
