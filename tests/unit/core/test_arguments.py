"""The decision on unknown ``--name`` arguments: a typo of a step's parameter stops the run, anything else warns."""

from __future__ import annotations

import pytest

from glue_elt.core.arguments import (
    GLUE_ARGUMENTS,
    GLUE_ARGUMENTS_DOC,
    StrayWords,
    UnknownArgument,
    argument_names,
    closest,
    edits,
    is_glue_argument,
    stray_error,
    stray_words,
    typo_error,
    unknown,
    unknown_arguments,
)
from glue_elt.core.param_source import GLUE_RESERVED
from glue_elt.steps.redshift_cross_account_migration.settings import PARAMETERS as MIGRATION
from glue_elt.steps.redshift_sql.settings import STEP_PARAMETERS as SQL

MIGRATION_NAMES = [p.name for p in MIGRATION]
SQL_NAMES = [p.name for p in SQL]
GLUES = [
    "--JOB_NAME", "n", "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--job-bookmark-option", "job-bookmark-disable",
    "--TempDir", "s3://t/", "--executor-cores", "4", "--enable-metrics", "true", "--enable-glue-datacatalog", "true",
    "--additional-python-modules", "glue-elt", "--extra-py-files", "s3://w.whl", "--SECURITY_CONFIGURATION", "c",
]  # fmt: skip


@pytest.mark.parametrize(
    ("names", "argv", "meant"),
    [
        (MIGRATION_NAMES, ["--verify_count", "true"], "verify_counts"),
        (MIGRATION_NAMES, ["--overwrite_mod", "truncate"], "overwrite_mode"),
        (MIGRATION_NAMES, ["--Max_Paralel=8"], "max_parallel"),
        (MIGRATION_NAMES, ["--state-table", "ops.s"], "state_table"),
        (SQL_NAMES, ["--non_transactionnal", "autocommit"], "non_transactional"),
        (SQL_NAMES, ["--dry_rn", "true"], "dry_run"),
        (SQL_NAMES, ["--sql_paths", "s3://b/k.sql"], "sql_path"),
    ],
)
def test_a_name_close_to_a_parameter_of_the_step_is_a_typo_that_stops_the_run(
    names: list[str], argv: list[str], meant: str
) -> None:
    (found,) = unknown(["prog", *GLUES, *argv], names)
    assert found.meant == meant
    error = typo_error([found], "Step")
    assert error is not None
    assert str(error) == (
        f"--{found.name} (did you mean --{meant}?) is not a parameter of Step: stopped before reading anything; "
        "correct the name (--help lists the parameters)"
    )


def test_glues_own_arguments_pass_and_a_name_close_to_nothing_or_only_to_glues_is_a_warning() -> None:
    assert unknown(["prog", *GLUES, "--verify_counts", "true"], MIGRATION_NAMES) == []
    found = unknown(["prog", "--db_password", "hunter2", "--job-bookmark-optoin", "x", "--zzz", "1"], MIGRATION_NAMES)
    assert found == [
        UnknownArgument("db_password"),
        UnknownArgument("job-bookmark-optoin", None, "job-bookmark-option"),
        UnknownArgument("zzz"),
    ]
    assert typo_error(found, "Step") is None
    assert [a.warning("Step") for a in found] == [
        "--db_password is not a parameter of Step; see --help",
        "--job-bookmark-optoin is not a parameter of this step; did you mean AWS Glue's --job-bookmark-option?",
        "--zzz is not a parameter of Step; see --help",
    ]


def test_every_typo_is_named_once_and_no_value_is_shown() -> None:
    argv = ["prog", "--verify_count", "s3cr3t", "--overwrite_mod=truncate", "--verify_count", "x", "--zzz", "1"]
    found = unknown(argv, MIGRATION_NAMES)
    assert [a.name for a in found] == ["verify_count", "overwrite_mod", "zzz"]
    error = str(typo_error(found, "Step"))
    assert error.startswith(
        "--verify_count (did you mean --verify_counts?) and --overwrite_mod (did you mean --overwrite_mode?) are not "
        "parameters of Step: stopped before reading anything; correct the names"
    )
    assert "s3cr3t" not in error and "truncate" not in error and "zzz" not in error


GLUE_ARGV_WITH_CONFIG = [
    "script.py", "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_abc", "--job-bookmark-option", "job-bookmark-disable",
    "--TempDir", "s3://tmp/", "--config_path", "s3://bucket/config.csv", "--config_file_sep=;",
]  # fmt: skip
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
    argv = [
        *GLUE_ARGV_WITH_CONFIG,
        "--load_typ",
        "append",
        "--enable-spark-ui",
        "true",
        "--conf",
        "spark.a=1 --conf spark.b=2",
    ]
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


@pytest.mark.parametrize("argv", [["--run_date", "2026-12-07"], ["--table", "t"], ["--source", "x"], ["--config", "c"]])
def test_a_pipeline_s_own_argument_that_only_resembles_a_parameter_is_a_warning(argv: list[str]) -> None:
    """A pipeline that imports the step may read arguments of its own: only a slip of a name stops the run."""
    (found,) = unknown(["prog", *GLUES, *argv], MIGRATION_NAMES)
    assert found.meant is None and typo_error([found], "Step") is None
    assert found.alike is None or found.warning("Step").endswith(f"did you mean --{found.alike}?")


def test_edits_count_insertions_deletions_changes_and_swaps() -> None:
    assert [edits("verify_count", "verify_counts"), edits("dyr_run", "dry_run"), edits("run_date", "run_id")] == [
        1,
        1,
        4,
    ]


def test_glue_s_own_argv_has_no_stray_word() -> None:
    """Glue passes name-value pairs; a flag given without a value (``--enable-metrics``) takes no word after it."""
    argv = ["script.py", *GLUES, "--enable-metrics", "--python-modules-installer-option", "--upgrade",
            "--conf", "spark.a=1 --conf spark.b=2", "--config_file_sep=;", "--config_path", "s3://b/k"]  # fmt: skip
    assert stray_words(argv) == []
    assert stray_error(argv, MIGRATION_NAMES, "Step") is None


def test_words_without_dashes_are_stray_and_stop_the_run_naming_them() -> None:
    argv = ["prog", "--config_path", "s3://b/k", "--load_type", "overwrite", "dry_run", "true"]
    assert stray_words(argv) == [StrayWords("load_type", "overwrite", ("dry_run", "true"))]
    assert str(stray_error(argv, MIGRATION_NAMES, "Step")) == (
        "stray words on the command line: 'dry_run', 'true' after --load_type 'overwrite' (did you mean --dry_run?): "
        "a value follows its --name, and these words were not read; quote a value that holds spaces or a * (a shell "
        "expands an unquoted * into the file names it matches, and only the first of them is the value). Step "
        "stopped before reading anything"
    )


def test_an_unquoted_star_expanded_by_a_shell_leaves_file_names_over() -> None:
    argv = ["prog", "--exclude", "tmp_a.sql", "tmp_b.sql", "tmp_c.sql", "--secret_name=s", "x", "--dry_run", "true"]
    assert stray_words(argv) == [
        StrayWords("exclude", "tmp_a.sql", ("tmp_b.sql", "tmp_c.sql")),
        StrayWords("secret_name", None, ("x",)),
    ]
    error = str(stray_error(argv, MIGRATION_NAMES, "Step"))
    assert error.startswith(
        "stray words on the command line: 'tmp_b.sql', 'tmp_c.sql' after --exclude 'tmp_a.sql'; 'x' after the value "
        "of --secret_name: "
    )


def test_stray_words_after_a_name_that_is_not_a_parameter_are_counted_not_shown() -> None:
    argv = ["prog", "stray", "--db_password", "correct", "horse battery", "--TempDir", "s3://t/", "extra"]
    error = str(stray_error(argv, MIGRATION_NAMES, "Step"))
    assert error.startswith(
        "stray words on the command line: 'stray' before the first --name; 1 word(s) after the value of "
        "--db_password (not shown: they may be part of its value, a secret); 1 word(s) after the value of --TempDir "
        "(not shown: "
    )
    assert "horse" not in error and "correct" not in error and "extra" not in error
