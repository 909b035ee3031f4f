"""Session settings: the SET statements, the query group's characters, and a timed-out statement's message."""

from __future__ import annotations

import pytest
import sqlglot

from glue_elt.errors import ConfigError, ExecutionError
from glue_elt.redshift.session import NO_SETTINGS, SessionSettings


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


@pytest.mark.parametrize(
    ("error", "named"),
    [
        (ExecutionError("Query (150) canceled on user's request"), True),  # Redshift (dg/r_statement_timeout.html)
        (ExecutionError("canceling statement due to statement timeout", sqlstate="57014"), True),  # PostgreSQL
        (ExecutionError("ERROR: canceling statement due to statement timeout"), True),  # the Data API's text
        (ExecutionError("relation x does not exist", sqlstate="42P01"), False),
    ],
)
def test_a_cancelled_statement_is_named_as_the_timeout(error: ExecutionError, named: bool) -> None:
    result = SessionSettings(statement_timeout_seconds=30).timed_out(error)
    assert ("--statement_timeout_seconds 30" in str(result)) is named
    assert isinstance(result, ExecutionError) and not result.transient
    assert NO_SETTINGS.timed_out(error) is error
