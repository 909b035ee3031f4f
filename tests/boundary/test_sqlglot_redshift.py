"""sqlglot's Redshift dialect on the statements a chunked load plans with (issue 29): the estimate ``SELECT COUNT(*)
FROM source WHERE (filter)`` and the distribution query, ``COUNT(*) - COUNT(c)`` beside k-1 ``APPROXIMATE
PERCENTILE_DISC(p) WITHIN GROUP (ORDER BY c)`` (dg/r_APPROXIMATE_PERCENTILE_DISC.html). The library checks its
statements with this dialect, so these pin that the installed sqlglot reads them as one Redshift SELECT, each
percentile an ``ApproxQuantile`` node (tobymao/sqlglot#7585; seen with 30.30 and 30.31), and writes them back as
sent."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from glue_elt.redshift.names import parse_table_name, quote_identifier

SOURCE = parse_table_name('shared_db."Sales"."order items"', "source_table")
FILTER = "order_date >= DATEADD(DAY, -7, GETDATE()) AND status <> 'x'"


def distribution_query(column: str, k: int) -> str:
    name = quote_identifier(column)
    parts = [f"APPROXIMATE PERCENTILE_DISC({i / k:g}) WITHIN GROUP (ORDER BY {name})" for i in range(1, k)]
    return f"SELECT COUNT(*) - COUNT({name}), {', '.join(parts)} FROM {SOURCE.sql()} WHERE ({FILTER})"


@pytest.mark.parametrize("k", [2, 20, 1000])
def test_the_distribution_query_is_one_select_of_approximate_percentiles(k: int) -> None:
    sql = distribution_query("Order Date", k)
    (tree,) = sqlglot.parse(sql, read="redshift")
    assert isinstance(tree, exp.Select)
    percentiles = list(tree.find_all(exp.ApproxQuantile))
    assert [float(p.args["quantile"].this) for p in percentiles] == pytest.approx([i / k for i in range(1, k)], 1e-5)
    assert {p.this.sql("redshift") for p in percentiles} == {'"Order Date"'}
    assert isinstance(tree.expressions[0], exp.Sub)
    assert tree.sql("redshift") == sql  # written back with APPROXIMATE PERCENTILE_DISC, as sent


def test_lower_case_and_a_comment_between_the_words_parse_alike() -> None:
    sql = 'select approximate /* plan */ percentile_disc(0.5) within group (order by "c") from s.t'
    (tree,) = sqlglot.parse(sql, read="redshift")
    assert isinstance(tree.expressions[0], exp.ApproxQuantile)


def test_the_estimate_is_one_count() -> None:
    sql = f"SELECT COUNT(*) FROM {SOURCE.sql()} WHERE ({FILTER})"
    (tree,) = sqlglot.parse(sql, read="redshift")
    assert isinstance(tree, exp.Select) and isinstance(tree.expressions[0], exp.Count)
    assert tree.sql("redshift") == sql
