"""Parsing the config file."""

from __future__ import annotations

import re

import pytest

from glue_elt.errors import ConfigError
from glue_elt.migration.config_file import decode_config, parse_config
from glue_elt.migration.model import MigrationRow

SEED = """source_table#source_columns#source_filter#target_table#secret_name#load_type
shared_db.schema.orders##date >= '2023-01-01'#analytics.orders#redshift-secret#append
shared_db.schema.customers#id,name##analytics.customers#redshift-secret#overwrite
"""


def test_seed_example() -> None:
    rows = parse_config(SEED, "#", "s3://b/k")
    assert rows == [
        MigrationRow(
            source_table="shared_db.schema.orders",
            source_columns="",
            source_filter="date >= '2023-01-01'",
            target_table="analytics.orders",
            secret_name="redshift-secret",
            load_type="append",
            line=2,
        ),
        MigrationRow(
            source_table="shared_db.schema.customers",
            source_columns="id,name",
            source_filter="",
            target_table="analytics.customers",
            secret_name="redshift-secret",
            load_type="overwrite",
            line=3,
        ),
    ]


def test_custom_separator_any_column_order_and_missing_optional_columns() -> None:
    text = "target_table;secret_name;source_table\r\nanalytics.t;sec;shared_db.s.t\r\n"
    (row,) = parse_config(text, ";", "src")
    assert (row.source_table, row.target_table, row.secret_name) == ("shared_db.s.t", "analytics.t", "sec")
    assert (row.source_columns, row.source_filter, row.load_type) == ("", "", "")


def test_blank_lines_are_skipped_but_line_numbers_kept() -> None:
    text = "\nsource_table#target_table#secret_name\n\n  \na.b#c.d#s\n"
    (row,) = parse_config(text, "#", "src")
    assert row.line == 5


def test_values_are_literal_quotes_kept() -> None:
    text = 'source_table#target_table#secret_name\nshared_db."schema"."Order Items"#a."B"#s\n'
    (row,) = parse_config(text, "#", "src")
    assert row.source_table == 'shared_db."schema"."Order Items"'


def test_field_count_mismatch_marks_only_that_row() -> None:
    text = "source_table#target_table#secret_name\na.b#c.d#s\na.b#c.d#s#extra\n"
    good, bad = parse_config(text, "#", "src")
    assert good.problem is None
    assert bad.problem is not None and "line 3 has 4 fields but the header has 3" in bad.problem


def test_header_is_case_and_space_insensitive() -> None:
    (row,) = parse_config(" Source_Table # TARGET_TABLE #secret_name\na.b#c.d#s\n", "#", "src")
    assert row.target_table == "c.d"


@pytest.mark.parametrize(
    ("text", "sep", "message"),
    [
        ("", "#", "is empty"),
        ("\n \n", "#", "is empty"),
        ("source_table#target_table#secret_name\n", "#", "has a header but no rows"),
        ("source_table,target_table,secret_name\na,b,c\n", "#", "single column.*set --config_file_sep ','"),
        ("source_table#target_table#secret_name#colour\na#b#c#d\n", "#", "unknown column\\(s\\) 'colour'"),
        (
            "source_table#target_table#target_table#secret_name\n",
            "#",
            "duplicated column\\(s\\) target_table",
        ),
        (
            "source_table#source_filter\na#b\n",
            "#",
            "missing required column\\(s\\) target_table, secret_name",
        ),
        ("a#b\n", "##", "single character"),
    ],
)
def test_run_level_errors(text: str, sep: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(text, sep, "s3://b/k")


def test_decode_drops_bom_and_rejects_non_utf8() -> None:
    assert decode_config("\ufeffsource_table".encode(), "src") == "source_table"
    with pytest.raises(ConfigError, match="not UTF-8 text \\(byte 0xff at offset 1\\)"):
        decode_config(b"a\xff", "s3://b/k")


def test_new_optional_columns() -> None:
    text = "watermark_column#target_table#merge_keys#secret_name#source_table#load_type\nts#a.t#id#s#x.y#upsert\n"
    (row,) = parse_config(text, "#", "src")
    assert (row.watermark_column, row.merge_keys, row.load_type) == ("ts", "id", "upsert")


def test_json_config_is_the_error_file_format() -> None:
    from glue_elt.migration.config_file import parse_json_config

    text = '[{"source_table": "a.b", "source_columns": "", "target_table": "c.d", "secret_name": "s", "error": "x"}]'
    (row,) = parse_json_config(text, "s3://b/failed_rows.json")
    assert (row.source_table, row.target_table, row.secret_name, row.load_type) == ("a.b", "c.d", "s", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "is not valid JSON"),
        ('{"source_table": "a"}', "must be a JSON array of objects"),
        ("[]", "has no rows"),
        ('[{"source_table": "a.b", "target_table": "c.d"}]', "entry 1 lacks secret_name"),
        (
            '[{"source_table": "a.b", "target_table": "c.d", "secret_name": "s", "colour": "red"}]',
            "unknown key(s) colour",
        ),
        ('[{"source_table": "a.b", "target_table": "c.d", "secret_name": 5}]', "secret_name must be a string"),
    ],
)
def test_bad_json_configs(text: str, message: str) -> None:
    from glue_elt.migration.config_file import parse_json_config

    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_json_config(text, "s3://b/k.json")
