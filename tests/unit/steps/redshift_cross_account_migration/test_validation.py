"""Row validation."""

from __future__ import annotations

import pytest

from glue_elt.errors import ValidationError
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationRow, parse_load_type
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row


def row(**overrides: str) -> MigrationRow:
    values = {"source_table": "shared_db.s.t", "target_table": "a.t", "secret_name": "sec"} | overrides
    return MigrationRow(**values)


def test_defaults() -> None:
    plan = validate_row(row())
    assert plan.load_type is LoadType.APPEND
    assert plan.columns is None and plan.filter_sql is None
    assert plan.source.sql() == '"shared_db"."s"."t"'


def test_full_row() -> None:
    plan = validate_row(row(source_columns="id,name", source_filter="id > 1", load_type=" Overwrite "))
    assert plan.load_type is LoadType.OVERWRITE
    assert plan.columns is not None and [c.name for c in plan.columns] == ["id", "name"]
    assert plan.filter_sql == "id > 1"


@pytest.mark.parametrize("value", ["merge", "scd2", "delete"])
def test_unknown_load_types(value: str) -> None:
    with pytest.raises(
        ValidationError,
        match=f"load_type '{value}' is not supported \\(use one of: append, overwrite, incremental, upsert\\)",
    ):
        validate_row(row(load_type=value))


def test_incremental_and_upsert() -> None:
    plan = validate_row(row(load_type="incremental", watermark_column="Updated_At"))
    assert plan.load_type is LoadType.INCREMENTAL and plan.watermark is not None and plan.watermark.name == "updated_at"
    plan = validate_row(row(load_type="upsert", merge_keys="id, region"))
    assert [k.name for k in plan.merge_keys] == ["id", "region"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"load_type": "incremental"}, "load_type incremental needs watermark_column"),
        ({"load_type": "upsert"}, "load_type upsert needs merge_keys"),
        ({"load_type": "append", "watermark_column": "ts"}, "watermark_column is only used by load_type incremental"),
        ({"load_type": "overwrite", "merge_keys": "id"}, "merge_keys is only used by load_type upsert"),
        ({"load_type": "incremental", "watermark_column": "a, b"}, "must name one column"),
        ({"load_type": "upsert", "merge_keys": "id; drop table x"}, "merge_keys"),
        (
            {"load_type": "upsert", "merge_keys": "id", "source_columns": "name"},
            "merge_keys id must be among source_columns",
        ),
        (
            {"load_type": "incremental", "watermark_column": "ts", "source_columns": "id"},
            "watermark_column ts must be among",
        ),
        (
            {"load_type": "incremental", "watermark_column": "yeer", "source_columns": "id,year"},
            r"^watermark_column yeer must be among source_columns \(did you mean year\?\)$",
        ),
    ],
)
def test_load_type_requirements(values: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_row(row(**values))


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as error:
        validate_row(row(source_table="", target_table="x", secret_name=" ", load_type="bogus"))
    message = str(error.value)
    for part in (
        "source_table is required",
        "secret_name is required",
        "target_table 'x'",
        "load_type 'bogus'",
    ):
        assert part in message


def test_row_problem_from_parsing_is_reported() -> None:
    with pytest.raises(ValidationError, match="line 3 has 7 fields"):
        validate_row(MigrationRow("a.b", "c.d", "s", problem="line 3 has 7 fields but the header has 6"))


def test_source_equal_to_target_is_rejected() -> None:
    with pytest.raises(ValidationError, match="same table"):
        validate_row(row(source_table="A.T", target_table="a.t"))


def test_parse_load_type_default() -> None:
    assert parse_load_type("") is LoadType.APPEND


def test_a_misaligned_row_fails_with_its_parsing_problem_only() -> None:
    """The values of a row with too many fields are shifted: checking them would only add noise."""
    problem = (
        "line 2 has 7 fields but the header has 6 (a value containing the separator '#'? enclose it in double quotes)"
    )
    shifted = MigrationRow("shared_db.s.t", "note = 'a", "b'", source_filter="s", load_type="x.y", problem=problem)
    with pytest.raises(ValidationError) as error:
        validate_row(shifted)
    assert str(error.value) == problem


def test_target_columns_name_the_targets_columns_one_for_each_source_column() -> None:
    plan = validate_row(MigrationRow("s.a", "t.a", "sec", source_columns="id, name", target_columns='key, "Full Name"'))
    assert plan.target_columns is not None and [c.name for c in plan.target_columns] == ["key", "Full Name"]
    with pytest.raises(ValidationError, match=r"target_columns names 1 column\(s\) but source_columns 2"):
        validate_row(MigrationRow("s.a", "t.a", "sec", source_columns="id, name", target_columns="key"))
    with pytest.raises(ValidationError, match="target_columns needs source_columns"):
        validate_row(MigrationRow("s.a", "t.a", "sec", target_columns="key"))
    with pytest.raises(ValidationError, match="target_columns"):
        validate_row(MigrationRow("s.a", "t.a", "sec", source_columns="id", target_columns="k) SELECT 1; --"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"target_table": 'a."t\x00"'}, "target_table contains a NUL character (U+0000) at character 5"),
        ({"secret_name": "s\x00"}, "secret_name contains a NUL character (U+0000) at character 2"),
        ({"source_filter": "id = 1 AND " * 100_000 + "1=1"}, "source_filter is 1,100,003 bytes; a config value may"),
        (
            {"source_columns": ",".join(f"c{n}" for n in range(100_000))},
            "source_columns names 100,000 columns; a table has at most 1,600 columns (Redshift's limit)",
        ),
        (
            {"source_columns": ",".join(f"c{n}" for n in range(1_601)), "target_columns": "x"},
            "source_columns names 1,601 columns; a table has at most 1,600 columns",
        ),
        ({"target_table": 'a."t\tb"'}, "U+0009 is not a printable character"),
    ],
)
def test_limits_and_characters_no_server_takes_fail_the_row(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_row(row(**overrides))
    assert message in str(error.value)


def test_the_column_limit_is_redshift_s() -> None:
    names = ",".join(f"c{n}" for n in range(1_600))
    assert len(validate_row(row(source_columns=names, target_columns=names)).columns or ()) == 1_600
