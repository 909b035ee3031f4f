"""Job parameters' raw text, resolved the way AWS Glue passes them (``glue_elt.core.param_source``)."""

from __future__ import annotations

import pytest

from glue_elt.core.param_source import ParamSource, argv_has, resolve_plain
from glue_elt.errors import ConfigError

GLUE_ARGV = [
    "script.py",
    "--JOB_ID",
    "j_1",
    "--JOB_RUN_ID",
    "jr_abc",
    "--job-bookmark-option",
    "job-bookmark-disable",
    "--TempDir",
    "s3://tmp/",
    "--config_path",
    "s3://bucket/config.csv",
    "--config_file_sep=;",
]


def test_space_and_equals_forms() -> None:
    source = ParamSource(argv=GLUE_ARGV, resolver=resolve_plain)
    assert source.get("config_path") == "s3://bucket/config.csv"
    assert source.get("config_file_sep") == ";"


def test_absent_optional_is_none_and_unknown_glue_arguments_are_tolerated() -> None:
    source = ParamSource(argv=GLUE_ARGV, resolver=resolve_plain)
    assert source.get("error_output_path") is None
    assert source.get("JOB_RUN_ID") == "jr_abc"


def test_names_match_exactly_not_by_prefix() -> None:
    source = ParamSource(argv=["x", "--config_path_old", "s3://a/b"], resolver=resolve_plain)
    assert source.get("config_path") is None


def test_flag_without_value_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="--config_path: expected one argument"):
        ParamSource(argv=["x", "--config_path"], resolver=resolve_plain).get("config_path")


def test_required_missing_in_plain_resolver() -> None:
    with pytest.raises(ConfigError, match="required: --secret_name"):
        resolve_plain(["x"], ["secret_name"])


def test_last_value_wins_like_argparse() -> None:
    assert resolve_plain(["x", "--a", "1", "--a=2"], ["a"])["a"] == "2"


def test_mapping_source_accepts_dashes_and_non_strings() -> None:
    source = ParamSource(mapping={"--load_type": "overwrite", "fail_on_error": False, "max": 3})
    assert source.get("load_type") == "overwrite"
    assert source.get("fail_on_error") == "false"
    assert source.get("max") == "3"
    assert source.get("missing") is None
    assert source.argv is None


def test_argv_has() -> None:
    assert argv_has(["x", "--a=1"], "a")
    assert argv_has(["x", "--a", "1"], "a")
    assert not argv_has(["x", "--ab", "1"], "a")
