"""The migration step's job parameters, checked before anything runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from glue_elt.errors import ConfigError, ValidationError
from glue_elt.migration.names import Identifier, parse_column_list, parse_schema_name
from glue_elt.migration.sql import OverwriteMode
from glue_elt.migration.state import DEFAULT_STATE_TABLE, StateTable
from glue_elt.migration.validation import LoadType, parse_load_type
from glue_elt.params import parse_bool
from glue_elt.s3 import S3Uri, output_uri

SCHEMA_MODE_PARAMS = ("source_schema", "target_schema", "secret_name")
DEFAULT_MAX_PARALLEL = 4
MAX_PARALLEL = 64


@dataclass(frozen=True)
class ConfigFileMode:
    """Rows come from a config file on S3."""

    config_path: S3Uri
    separator: str


@dataclass(frozen=True)
class SchemaMode:
    """Rows are every base table of ``target_schema``, read from ``source_schema``."""

    source_schema: str
    target_schema: Identifier
    secret_name: str
    load_type: str
    merge_keys: str = ""
    watermark_column: str = ""


@dataclass(frozen=True)
class MigrationSettings:
    """Validated job parameters."""

    mode: ConfigFileMode | SchemaMode
    error_output_path: str | None
    fail_on_error: bool
    overwrite_mode: OverwriteMode = OverwriteMode.DELETE
    state_table: StateTable = field(default_factory=lambda: StateTable.parse(DEFAULT_STATE_TABLE))
    max_retries: int = 3
    retry_wait_seconds: float = 1.0
    max_parallel: int = DEFAULT_MAX_PARALLEL
    dry_run: bool = False
    verify_counts: bool = False
    summary_output_path: str | None = None
    assume_role_arn: str | None = None

    def error_file_uri(self, run_id: str) -> S3Uri | None:
        """Where this run's failed rows go (``None`` when no error path was given)."""
        if self.error_output_path is None:
            return None
        return output_uri(self.error_output_path, run_id, "failed_rows.json", what="--error_output_path")

    def summary_uri(self, run_id: str) -> S3Uri | None:
        """Where this run's summary goes (``None`` when no summary path was given)."""
        if self.summary_output_path is None:
            return None
        return output_uri(self.summary_output_path, run_id, "summary.json", what="--summary_output_path")


def read_settings(get: Callable[[str], str | None]) -> MigrationSettings:
    """Build settings from ``get(name)`` (a parameter's value or ``None``); ``ConfigError`` if unusable."""
    config_path = get("config_path")
    schema_values = {name: get(name) for name in SCHEMA_MODE_PARAMS}
    given = [name for name, value in schema_values.items() if value]
    mode: ConfigFileMode | SchemaMode
    if config_path and given:
        raise ConfigError(
            "give either --config_path (config file mode) or --source_schema, --target_schema and "
            f"--secret_name (schema mode), not both (also given: {', '.join('--' + g for g in given)})"
        )
    if config_path:
        mode = ConfigFileMode(S3Uri.parse(config_path, what="--config_path"), get("config_file_sep") or "#")
    elif given:
        missing = [name for name in SCHEMA_MODE_PARAMS if name not in given]
        if missing:
            raise ConfigError(f"schema mode needs {', '.join('--' + m for m in missing)} as well")
        mode = _schema_mode(schema_values, get("load_type") or "append", get("merge_keys"), get("watermark_column"))
    else:
        raise ConfigError(
            "no migration rows: give --config_path s3://bucket/key.csv (config file mode) or "
            "--source_schema, --target_schema and --secret_name (schema mode)"
        )
    if isinstance(mode, ConfigFileMode) and (get("merge_keys") or get("watermark_column")):
        raise ConfigError("--merge_keys and --watermark_column are for schema mode; put them in the config file")
    error_path = get("error_output_path") or None
    if error_path is not None:
        output_uri(error_path, "run-id", "failed_rows.json", what="--error_output_path")
    summary_path = get("summary_output_path") or None
    if summary_path is not None:
        output_uri(summary_path, "run-id", "summary.json", what="--summary_output_path")
    return MigrationSettings(
        mode,
        error_path,
        _flag(get, "fail_on_error", True),
        dry_run=_flag(get, "dry_run", False),
        verify_counts=_flag(get, "verify_counts", False),
        summary_output_path=summary_path,
        assume_role_arn=_role_arn(get),
        overwrite_mode=_overwrite_mode(get("overwrite_mode") or OverwriteMode.DELETE.value),
        state_table=_state_table(get("state_table") or DEFAULT_STATE_TABLE),
        max_retries=int(_number("max_retries", get("max_retries"), 3, maximum=20)),
        retry_wait_seconds=_number("retry_wait_seconds", get("retry_wait_seconds"), 1.0, maximum=60),
        max_parallel=_max_parallel(get),
    )


def _max_parallel(get: Callable[[str], str | None]) -> int:
    """``--max_parallel`` (1 to 64, default 4)."""
    value = int(_number("max_parallel", get("max_parallel"), DEFAULT_MAX_PARALLEL, maximum=MAX_PARALLEL))
    if value < 1:
        raise ConfigError("--max_parallel must be at least 1")
    return value


def _flag(get: Callable[[str], str | None], name: str, default: bool) -> bool:
    value = get(name)
    return default if value is None or not value.strip() else parse_bool(name, value)


def _role_arn(get: Callable[[str], str | None]) -> str | None:
    """``--assume_role_arn``, checked to look like an IAM role ARN (``None`` when absent)."""
    value = get("assume_role_arn")
    if value is None or not value.strip():
        return None
    if not value.strip().startswith("arn:") or ":role/" not in value:
        raise ConfigError(
            f"--assume_role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got {value!r}"
        )
    return value.strip()


def _overwrite_mode(value: str) -> OverwriteMode:
    try:
        return OverwriteMode(value.strip().lower())
    except ValueError:
        raise ConfigError(f"--overwrite_mode must be delete or truncate, got {value!r}") from None


def _state_table(value: str) -> StateTable:
    try:
        return StateTable.parse(value)
    except ValidationError as error:
        raise ConfigError(str(error)) from None


def _number(name: str, value: str | None, default: float, *, maximum: float) -> float:
    if value is None or not value.strip():
        return default
    try:
        number = float(value) if isinstance(default, float) else int(value)
    except ValueError:
        raise ConfigError(f"--{name} must be a number, got {value!r}") from None
    if not 0 <= number <= maximum:
        raise ConfigError(f"--{name} must be between 0 and {maximum:g}, got {value!r}")
    return number


def _schema_mode(
    values: dict[str, str | None], load_type: str, merge_keys: str | None, watermark: str | None
) -> SchemaMode:
    source, target, secret = (values[name] or "" for name in SCHEMA_MODE_PARAMS)
    try:
        parse_schema_name(source, "--source_schema", max_parts=2)
        (target_schema,) = parse_schema_name(target, "--target_schema", max_parts=1)
        kind = parse_load_type(load_type)
        if kind is LoadType.INCREMENTAL and not watermark:
            raise ValidationError("schema mode with --load_type incremental needs --watermark_column")
        if kind is LoadType.UPSERT and not merge_keys:
            raise ValidationError("schema mode with --load_type upsert needs --merge_keys")
        if merge_keys:
            parse_column_list(merge_keys, "--merge_keys")
        if watermark:
            parse_column_list(watermark, "--watermark_column")
    except ValidationError as error:
        raise ConfigError(str(error)) from None
    return SchemaMode(source.strip(), target_schema, secret.strip(), load_type, merge_keys or "", watermark or "")
