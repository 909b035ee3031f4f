"""``--help``'s layout: a long name never runs into its description, and a default that is a rule is said in words."""

from __future__ import annotations

from glue_elt.core.params import Param
from glue_elt.core.usage import NAME_COLUMN, default_shown, parameter_lines, usage_text
from glue_elt.steps.redshift_cross_account_migration.settings import PARAMETERS as MIGRATION
from glue_elt.steps.redshift_sql.settings import STEP_PARAMETERS as SQL
from glue_elt.steps.shared_params import JOB_RUN_ID, RUN_ID


def test_a_name_longer_than_the_column_gets_a_line_of_its_own() -> None:
    params = [Param("short", "a short one", 4), Param("statement_timeout_seconds", "a long one")]
    assert parameter_lines(params) == [
        "  --short" + " " * (NAME_COLUMN - len("  --short")) + "a short one [default: '4']",
        "  --statement_timeout_seconds",
        " " * NAME_COLUMN + "a long one [default: (none)]",
    ]


def test_every_parameter_of_both_steps_is_apart_from_its_description() -> None:
    for param in [*MIGRATION, *SQL]:
        entry = "\n".join(parameter_lines([param]))
        name, rest = entry[: len(param.name) + 4], entry[len(param.name) + 4 :]
        assert name == f"  --{param.name}" and rest[:2] in {"  ", "\n "}, entry


def test_a_default_that_is_a_rule_is_not_quoted_as_a_value() -> None:
    assert default_shown(RUN_ID) == "the value of --JOB_RUN_ID"
    assert default_shown(JOB_RUN_ID) == "an id generated for the run"
    assert default_shown(Param("n", "h", 4)) == "'4'" and default_shown(Param("n", "h")) == "(none)"
    text = usage_text("Step", "What it does.", [RUN_ID])
    assert "[default: the value of --JOB_RUN_ID]" in text and "'--JOB_RUN_ID'" not in text
    assert text.startswith("usage: Step [--name value ...]\n\nWhat it does.\n\nparameters:\n  --run_id ")


def test_the_steps_help_shows_it() -> None:
    from glue_elt import RedshiftCrossAccountDataMigration, RedshiftSqlStep

    for step in (RedshiftCrossAccountDataMigration({}), RedshiftSqlStep({})):
        text = step.help_text()
        assert "\n  --statement_timeout_seconds\n" in text
        assert "[default: the value of --JOB_RUN_ID]" in text and "'--JOB_RUN_ID'" not in text
