"""Job parameters of the migration step, checked before anything runs."""

from __future__ import annotations

import pytest

from glue_elt.errors import ConfigError
from glue_elt.migration.settings import ConfigFileMode, SchemaMode, read_settings
from glue_elt.s3 import S3Uri


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
            {"source_schema": "a", "target_schema": "t", "secret_name": "s", "load_type": "incremental"},
            "not supported",
        ),
        ({"config_path": "s3://b/c", "fail_on_error": "perhaps"}, "--fail_on_error must be true or false"),
    ],
)
def test_bad_parameters(values: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_settings(values.get)
