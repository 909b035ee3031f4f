"""Session settings: the SET statements, the query group's characters, and a timed-out statement's message."""

from __future__ import annotations

import pytest
import sqlglot

from glue_elt.errors import ConfigError, ExecutionError
from glue_elt.redshift.session import NO_SETTINGS, SessionSettings, rule_abort_error


def test_nothing_set_sends_nothing() -> None:
    assert NO_SETTINGS.statements() == []


def test_the_settings_are_set_statements_redshift_parses() -> None:
    statements = SessionSettings("nightly etl:1", 90.5).statements()
    assert statements == ["SET query_group TO 'nightly etl:1'", "SET statement_timeout TO 90500"]
    for sql in statements:
        sqlglot.parse_one(sql, read="redshift")


@pytest.mark.parametrize("group", ["it's", "a\\b", "", "x" * 321, "semi;colon"])
def test_a_query_group_that_set_could_not_take_is_refused(group: str) -> None:
    with pytest.raises(ConfigError, match="--query_group must be"):
        SessionSettings(query_group=group)


def test_a_statement_stopped_by_the_timeout_is_named_so_and_never_transient() -> None:
    error = ExecutionError("canceling statement due to statement timeout", transient=True, sqlstate="57014")
    result = SessionSettings(statement_timeout_seconds=30).timeout_error(error)
    assert (str(result), result.transient, result.sqlstate) == (
        "the statement ran longer than --statement_timeout_seconds 30 (Redshift's statement_timeout) and was stopped: "
        "canceling statement due to statement timeout",
        False,
        "57014",
    )


def test_a_statement_a_wlm_rule_aborted_is_named_so_and_never_transient() -> None:
    error = ExecutionError(
        'Query (500029) cancelled by WLM abort action of Query Monitoring Rule "r".', sqlstate="57014"
    )
    result = rule_abort_error(error)
    assert (str(result), result.transient, result.sqlstate) == (
        "a WLM query monitoring rule of the cluster aborted the statement (another attempt would meet it again): "
        'Query (500029) cancelled by WLM abort action of Query Monitoring Rule "r".',
        False,
        "57014",
    )
