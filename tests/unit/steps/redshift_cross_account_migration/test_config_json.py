"""The JSON config file, the error file's form: its entries, limits, and the raw line of a line that could not be
split (pure logic)."""

from __future__ import annotations

import re

import pytest

from glue_elt.errors import ConfigError
from glue_elt.steps.redshift_cross_account_migration.config_json import parse_json_config


def test_json_config_is_the_error_file_format() -> None:
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
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_json_config(text, "s3://b/k.json")


def test_the_error_files_raw_line_fails_again_with_that_line() -> None:
    text = '[{"source_table": "", "target_table": "", "secret_name": "", "raw_line": "a.b#s", "error": "x"}, ' + (
        '{"raw_line": "only this"}, {"source_table": "a.b", "target_table": "c.d", "secret_name": "s"}]'
    )
    first, second, third = parse_json_config(text, "s3://b/errors.json")
    assert (first.raw, first.label, first.problem) == (
        "a.b#s",
        "raw_line 'a.b#s'",
        "entry 1: raw_line 'a.b#s' is a config line as written that could not be split into the config's columns: "
        "give its values in their fields and remove raw_line",
    )
    assert second.raw == "only this" and second.problem is not None
    assert third.raw is None and third.problem is None
    with pytest.raises(ConfigError, match="entry 1: raw_line must be a string"):
        parse_json_config('[{"raw_line": 5}]', "s3://b/errors.json")


def test_a_json_config_nested_deeper_than_an_array_of_objects_is_refused_without_recursion() -> None:
    for text in ("[" * 100_000 + "]" * 100_000, '[{"source_table": [["a.b"]]}]'):
        with pytest.raises(ConfigError, match="nests arrays or objects more than 2 levels deep"):
            parse_json_config(text, "s3://b/k.json")
    brackets_in_strings = '[{"source_table": "a.b", "target_table": "c.d", "secret_name": "[[[{\\"[["}]'
    (row,) = parse_json_config(brackets_in_strings, "s3://b/k.json")
    assert row.secret_name == '[[[{"[['


def test_a_lone_surrogate_in_a_json_value_fails_that_row_only() -> None:
    text = '[{"source_table": "a.b", "target_table": "c.\\udc00d", "secret_name": "s"}, ' + (
        '{"source_table": "a.b", "target_table": "c.d", "secret_name": "s"}]'
    )
    bad, good = parse_json_config(text, "s3://b/k.json")
    assert bad.target_table == "c.\ufffdd" and good.problem is None
    assert bad.problem == (
        "entry 1: target_table holds a lone surrogate '\\udc00' at character 3 (not Unicode text; shown as U+FFFD)"
    )


def test_a_json_config_has_at_most_10_000_rows() -> None:
    entry = '{"source_table": "a.b", "target_table": "c.d", "secret_name": "s"}'
    assert len(parse_json_config("[" + ", ".join([entry] * 10_000) + "]", "s3://b/k.json")) == 10_000
    with pytest.raises(ConfigError, match="has more than 10,000 rows"):
        parse_json_config("[" + ", ".join([entry] * 10_001) + "]", "s3://b/k.json")
