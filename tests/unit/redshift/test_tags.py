"""The statement tag: its form, its quoting (nothing from a user closes the comment), and its context."""

from __future__ import annotations

import contextvars
import json

import pytest
import sqlglot

from glue_elt.redshift.tags import comment, row_tag, run_tag, tag_value, tagged, untagged


@pytest.mark.parametrize("value", ["nightly-42", "20261203T164506Z-aff31110", "a_b.c+d=e@f#g~h"])
def test_plain_values_are_written_bare(value: str) -> None:
    assert tag_value(value) == value


@pytest.mark.parametrize(
    "value",
    ["x */ DROP TABLE t; --", "it's %s and :p1 ?", 'a "quoted" \\ name', "é☃😀", "", "two words", "/*", "*/"],
)
def test_other_values_are_json_strings_that_cannot_end_the_comment(value: str) -> None:
    written = tag_value(value)
    assert json.loads(written) == value
    inner = written[1:-1]
    assert not set(inner) & set("*/%:?;'\"") and inner.isascii()


def test_the_tag_names_step_run_and_row_and_only_inside_a_run() -> None:
    assert tagged("SELECT 1") == "SELECT 1"
    with run_tag("migrate", "night 1"):
        assert tagged("SELECT 1") == '/* glue-elt migrate run="night 1" */ SELECT 1'
        with row_tag("ab12"):
            assert comment() == '/* glue-elt migrate run="night 1" row=ab12 */ '
            assert tagged(tagged("SELECT 1")) == tagged("SELECT 1")  # a batch's statement is tagged once
        with row_tag(3):
            assert untagged(tagged("SELECT 1")) == "SELECT 1"
    assert comment() == ""


def test_a_copied_context_carries_the_run_to_another_thread() -> None:
    with run_tag("sql", "r"):
        context = contextvars.copy_context()
    assert context.run(comment) == "/* glue-elt sql run=r */ "


@pytest.mark.parametrize("sql", ["SELECT 1", "EXPLAIN INSERT INTO a.b (x) SELECT x FROM c.d.e", "DELETE FROM a.b"])
def test_tagged_statements_still_parse_as_redshift_sql(sql: str) -> None:
    with run_tag("migrate", "x */ y; 'z'"), row_tag("k"):
        text = tagged(sql)
    assert len(sqlglot.parse(text, read="redshift")) == 1
