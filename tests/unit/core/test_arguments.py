"""The decision on unknown ``--name`` arguments: a typo of a step's parameter stops the run, anything else warns."""

from __future__ import annotations

import pytest

from glue_elt.core.arguments import UnknownArgument, edits, typo_error, unknown
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
