"""Job parameter resolution, Glue style."""

from __future__ import annotations

import pytest

from glue_elt.core.params import (
    GLUE_ARGUMENTS,
    GLUE_ARGUMENTS_DOC,
    GLUE_RESERVED,
    ParamSource,
    argument_names,
    argv_has,
    closest,
    is_glue_argument,
    parse_bool,
    resolve_plain,
    unknown_arguments,
)
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


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("False", False), (" yes ", True), ("0", False)])
def test_parse_bool(text: str, expected: bool) -> None:
    assert parse_bool("x", text) is expected


def test_parse_bool_rejects_other_words() -> None:
    with pytest.raises(ConfigError, match="--fail_on_error must be true or false"):
        parse_bool("fail_on_error", "maybe")


STEP_PARAMS = ["config_path", "load_type", "dry_run", "JOB_RUN_ID"]


def test_glue_arguments_cover_what_getresolvedoptions_reads_and_the_documented_ones() -> None:
    assert set(GLUE_RESERVED) <= set(GLUE_ARGUMENTS)
    assert len(set(GLUE_ARGUMENTS)) == len(GLUE_ARGUMENTS)
    assert GLUE_ARGUMENTS_DOC.startswith("https://docs.aws.amazon.com/glue/")
    for name in ("JOB_NAME", "job-bookmark-option", "TempDir", "extra-py-files", "additional-python-modules"):
        assert is_glue_argument(name)
    assert is_glue_argument("enable-some-future-switch") and is_glue_argument("conf")
    assert not is_glue_argument("config_path") and not is_glue_argument("enable_metrics")


def test_unknown_arguments_are_names_that_are_neither_parameters_nor_glues() -> None:
    argv = [*GLUE_ARGV, "--load_typ", "append", "--enable-spark-ui", "true", "--conf", "spark.a=1 --conf spark.b=2"]
    assert unknown_arguments(argv, STEP_PARAMS) == [
        "config_file_sep",
        "load_typ",
    ]  # config_file_sep: not in STEP_PARAMS
    assert unknown_arguments(["x", "--help"], STEP_PARAMS) == []


def test_unknown_arguments_never_take_a_value_for_a_name() -> None:
    # the value after an unknown --name is its value, even when it starts with "--" (it might be a secret)
    argv = [
        "x",
        "--db_password",
        "--s3cr3t--",
        "--token=--also-secret",
        "--python-modules-installer-option",
        "--upgrade",
    ]
    assert unknown_arguments(argv, STEP_PARAMS) == ["db_password", "token"]
    assert "s3cr3t" not in " ".join(argument_names(argv, STEP_PARAMS))


def test_a_known_name_after_a_flag_without_value_is_a_name() -> None:
    argv = ["x", "--enable-metrics", "--config_path", "s3://b/k", "--load_typ", "--dry_run", "true"]
    assert argument_names(argv, STEP_PARAMS) == ["enable-metrics", "config_path", "load_typ", "dry_run"]
    assert unknown_arguments(argv, STEP_PARAMS) == ["load_typ"]


def test_each_unknown_argument_is_reported_once() -> None:
    assert unknown_arguments(["x", "--xyz", "1", "--xyz=2"], STEP_PARAMS) == ["xyz"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("load_typ", "load_type"), ("config_pth", "config_path"), ("job_run_id", "JOB_RUN_ID"), ("xyz", None)],
)
def test_closest_parameter(name: str, expected: str | None) -> None:
    assert closest(name, STEP_PARAMS) == expected
