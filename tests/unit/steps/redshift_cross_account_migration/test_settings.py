"""Job parameters of the migration step, checked before anything runs."""

from __future__ import annotations

import pytest

from glue_elt.aws.s3 import S3Uri
from glue_elt.core.param_fields import params_of
from glue_elt.errors import ConfigError
from glue_elt.steps.redshift_cross_account_migration.schema_mode import SchemaMode
from glue_elt.steps.redshift_cross_account_migration.settings import (
    PARAMETERS,
    ConfigFileMode,
    MigrationSettings,
    read_settings,
)


def settings(**values: str):  # type: ignore[no-untyped-def]
    return read_settings(values.get)


def test_config_file_mode() -> None:
    result = settings(config_path="s3://b/c.csv", config_file_sep=";", error_output_path="s3://b/err/")
    assert result.mode == ConfigFileMode(S3Uri("b", "c.csv"), ";")
    assert result.fail_on_error is True
    assert result.error_file_uri("r1") == S3Uri("b", "err/r1/failed_rows.json")


def test_schema_mode() -> None:
    result = settings(source_schema="shared_db.sales", target_schema="Sales", secret_name="s", fail_on_error="false")
    assert isinstance(result.mode, SchemaMode)
    assert result.mode.target_schema.name == "sales"
    assert result.mode.load_type == "append"
    assert result.fail_on_error is False
    assert result.error_file_uri("r1") is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "no migration rows: give --config_path"),
        ({"config_path": "s3://b/c", "target_schema": "x"}, "not both"),
        ({"source_schema": "a", "target_schema": "b"}, "schema mode needs --secret_name"),
        ({"config_path": "b/c.csv"}, "--config_path must be an s3://bucket/key URI"),
        (
            {"config_path": "s3://b/c", "error_output_path": "s3://"},
            "--error_output_path must be an s3://bucket/key URI or",
        ),
        ({"source_schema": "a.b.c", "target_schema": "t", "secret_name": "s"}, "at most 2 allowed"),
        (
            {"source_schema": "a", "target_schema": "t", "secret_name": "s", "load_type": "merge"},
            "not supported",
        ),
        ({"config_path": "s3://b/c", "fail_on_error": "perhaps"}, "--fail_on_error must be true or false"),
        ({"config_path": "s3://b/c", "overwrite_mode": "drop"}, "--overwrite_mode must be delete or truncate"),
        ({"config_path": "s3://b/c", "max_retries": "many"}, "--max_retries must be a number"),
        ({"config_path": "s3://b/c", "max_retries": "-1"}, "--max_retries must be between 0 and 20"),
        ({"config_path": "s3://b/c", "retry_wait_seconds": "600"}, "--retry_wait_seconds must be between 0 and 60"),
        ({"config_path": "s3://b/c", "state_table": "x"}, "--state_table 'x' must be schema.table"),
        ({"config_path": "s3://b/c", "merge_keys": "id"}, "is for schema mode"),
        (
            {"source_schema": "a", "target_schema": "t", "secret_name": "s", "load_type": "incremental"},
            "needs --watermark_column",
        ),
        ({"source_schema": "a", "target_schema": "t", "secret_name": "s", "load_type": "upsert"}, "needs --merge_keys"),
        ({"source_schema": "a", "target_schema": "t", "secret_name": "s", "merge_keys": "a b"}, "--merge_keys"),
        ({"config_path": "s3://b/c", "dry_run": "maybe"}, "--dry_run must be true or false"),
        ({"config_path": "s3://b/c", "summary_output_path": "/tmp/x"}, "--summary_output_path must be an s3://"),
        ({"config_path": "s3://b/c", "assume_role_arn": "my-role"}, "--assume_role_arn must be an IAM role ARN"),
    ],
)
def test_bad_parameters(values: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_settings(values.get)


def test_reliability_parameters() -> None:
    from glue_elt.steps.redshift_cross_account_migration.model import OverwriteMode

    result = settings(
        config_path="s3://b/c",
        overwrite_mode="TRUNCATE",
        state_table="ops.state",
        max_retries="5",
        retry_wait_seconds="0.5",
    )
    assert result.overwrite_mode is OverwriteMode.TRUNCATE
    assert result.state_table.name.sql() == '"ops"."state"'
    assert (result.max_retries, result.retry_wait_seconds) == (5, 0.5)
    defaults = settings(config_path="s3://b/c")
    assert (defaults.overwrite_mode, defaults.max_retries, defaults.retry_wait_seconds) == (
        OverwriteMode.DELETE,
        3,
        1.0,
    )


def test_issue_six_parameters() -> None:
    result = settings(
        source_schema="shared_db.s", target_schema="t", secret_name="x", load_type="upsert", merge_keys="id",
        dry_run="true", verify_counts="yes", summary_output_path="s3://b/runs/", assume_role_arn="arn:aws:iam::222233334444:role/reader",
    )  # fmt: skip
    assert isinstance(result.mode, SchemaMode) and result.mode.merge_keys == "id"
    assert (result.dry_run, result.verify_counts, result.assume_role_arn) == (
        True,
        True,
        "arn:aws:iam::222233334444:role/reader",
    )
    assert result.summary_uri("r1") == S3Uri("b", "runs/r1/summary.json")


def test_schema_discovery_creation_and_narrowing_settings() -> None:
    values = {"source_schema": "shared_db.s", "target_schema": "t", "secret_name": "sec", "discover_from": "source",
              "include": "orders*, dim_?", "exclude": "tmp_*", "allow_empty": "true",
              "create_missing_targets": "true", "allow_narrowing": "true"}  # fmt: skip
    settings = read_settings(values.get)
    assert isinstance(settings.mode, SchemaMode)
    assert (
        settings.mode.discover_from.value,
        settings.mode.include,
        settings.mode.exclude,
        settings.mode.allow_empty,
    ) == ("source", ("orders*", "dim_?"), ("tmp_*",), True)
    assert (settings.create_missing_targets, settings.allow_narrowing) == (True, True)
    with pytest.raises(ConfigError, match="--discover_from and --include are for schema mode"):
        read_settings({"config_path": "s3://b/c", "discover_from": "source", "include": "x"}.get)
    with pytest.raises(ConfigError, match="--include"):
        read_settings({**values, "include": " , "}.get)


@pytest.mark.parametrize(
    ("given", "separator"),
    [("\t", "\t"), ("\\t", "\t"), (" \\t ", "\t"), (" ", " "), (";", ";"), (" | ", "|"), ("", "#")],
)
def test_a_tab_or_a_space_is_a_separator_not_a_blank_value(given: str, separator: str) -> None:
    """docs/config-file.md lists tab among the separators: as the character or written ``\\t``; a space too."""
    assert settings(config_path="s3://b/c.csv", config_file_sep=given).mode == ConfigFileMode(
        S3Uri("b", "c.csv"), separator
    )


@pytest.mark.parametrize("given", ["##", "  ", "\n", '"', "\\n"])
def test_an_unusable_separator_stops_the_run_before_the_file_is_read(given: str) -> None:
    with pytest.raises(ConfigError, match=r"--config_file_sep must be a single character .*\(\\t for a tab\)"):
        settings(config_path="s3://b/c.csv", config_file_sep=given)


def test_every_parameter_the_settings_declare_is_listed_once() -> None:
    names = [p.name for p in PARAMETERS]
    assert len(set(names)) == len(names)
    for kind in (MigrationSettings, ConfigFileMode, SchemaMode):
        assert set(params_of(kind)) <= set(PARAMETERS), kind


def test_verify_only_reads_a_query_budget_writes_its_report_beside_the_summary_and_refuses_a_dry_run() -> None:
    default = settings(config_path="s3://b/c.csv")
    assert (default.verify_only, default.verify_queries) == (False, 20)
    verify = settings(
        config_path="s3://b/c.csv", verify_only="true", verify_queries="0", summary_output_path="s3://b/r/"
    )
    assert (verify.verify_only, verify.verify_queries) == (True, 0)
    assert verify.summary_uri("r1", "verify.json") == S3Uri("b", "r/r1/verify.json")
    assert verify.summary_uri("r1") == S3Uri("b", "r/r1/summary.json")
    with pytest.raises(ConfigError, match=r"--verify_only true and --dry_run true cannot be combined"):
        settings(config_path="s3://b/c.csv", verify_only="true", dry_run="true")
    with pytest.raises(ConfigError, match=r"--verify_queries"):
        settings(config_path="s3://b/c.csv", verify_queries="-1")
