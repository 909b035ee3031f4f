"""A verification's statements: one Redshift SELECT over both sides, never a write, grouped by range per level; and
how their answers are read (the driver's values and the Data API's text alike)."""

from __future__ import annotations

from decimal import Decimal

import sqlglot
from sqlglot import exp

from glue_elt.redshift.names import Identifier, parse_table_name
from glue_elt.redshift.types import parse_type
from glue_elt.steps.redshift_cross_account_migration.content import WRITTEN, compared_values, source_value
from glue_elt.steps.redshift_cross_account_migration.verify.bisection import NULLS, WHOLE, Segment
from glue_elt.steps.redshift_cross_account_migration.verify.statements import Comparison, Key

SOURCE = parse_table_name('shared_db."Sales"."order items"', "source_table")
TARGET = parse_table_name("sales.orders", "target_table")
COLUMNS = (Identifier("Id"), Identifier("v"))
RENAMED = (Identifier("id"), Identifier("value"))
TYPES = {Identifier("id"): parse_type("bigint"), Identifier("value"): parse_type("character varying(10)")}
FILTER = "order_date >= DATEADD(DAY, -7, GETDATE())"
WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Merge, exp.Command, exp.Alter)


def comparison(*, keyed: bool = True) -> Comparison:
    read, wrote = compared_values(COLUMNS, RENAMED, TYPES)
    key = Key("id", source_value(COLUMNS[0], TYPES[RENAMED[0]]), f"{WRITTEN}.{RENAMED[0].sql()}", TYPES[RENAMED[0]],
              "BIGINT")  # fmt: skip
    return Comparison(SOURCE.sql(), FILTER, f"{TARGET.sql()} AS {WRITTEN}", read, wrote, key if keyed else None)


def one_select(sql: str) -> exp.Union:
    (tree,) = sqlglot.parse(sql, read="redshift")
    assert isinstance(tree, exp.Union) and not tree.args.get("distinct")  # UNION ALL
    assert not [node for node in tree.walk() if isinstance(node, WRITES)], sql
    return tree


def test_the_first_query_reads_both_sides_with_the_loads_casts_in_one_select() -> None:
    sql = comparison().first_sql()
    one_select(sql)
    assert sql.startswith("SELECT 's' AS side, e.* FROM (SELECT COUNT(*) AS n, COALESCE(SUM(CAST(STRTOL(")
    assert f"FROM {SOURCE.sql()} WHERE ({FILTER})) AS e UNION ALL SELECT 'w' AS side, w.* FROM (" in sql
    assert 'CAST(MIN(CAST("Id" AS BIGINT)) AS VARCHAR(64)) AS lo' in sql
    assert 'CAST(MAX("glue_elt_written"."id") AS VARCHAR(64)) AS hi FROM "sales"."orders" AS "glue_elt_written")' in sql
    assert "MIN(" not in comparison(keyed=False).first_sql()


def test_a_level_groups_each_side_by_range_within_the_ranges_cut() -> None:
    parents = [Segment(10, 20), Segment(40, None)]
    children = [Segment(10, 15), Segment(15, 20), Segment(40, 50), Segment(50, None)]
    sql = comparison().level_sql(parents, children)
    one_select(sql)
    source_case = (
        "CASE WHEN CAST(\"Id\" AS BIGINT) <= CAST('15' AS BIGINT) THEN 0 WHEN CAST(\"Id\" AS BIGINT) <= CAST('20' AS "
        "BIGINT) THEN 1 WHEN CAST(\"Id\" AS BIGINT) <= CAST('50' AS BIGINT) THEN 2 ELSE 3 END AS g"
    )
    assert source_case in sql and sql.count(" GROUP BY 1") == 2
    assert (
        f'WHERE ({FILTER}) AND ((CAST("Id" AS BIGINT) > CAST(\'10\' AS BIGINT) AND CAST("Id" AS BIGINT) <= '
        "CAST('20' AS BIGINT)) OR (CAST(\"Id\" AS BIGINT) > CAST('40' AS BIGINT)))"
    ) in sql
    first = comparison().level_sql([WHOLE], [NULLS, Segment(None, 5), Segment(5, None)])
    assert 'CASE WHEN "glue_elt_written"."id" IS NULL THEN 0 WHEN' in first and "ELSE 2 END" in first
    assert f"WHERE ({FILTER}) GROUP BY 1" in first  # every row: no range condition


def test_answers_are_read_alike_from_both_executors() -> None:
    found = comparison().whole([("w", 3, "17", "1", "9"), ("s", 3, Decimal("17"), 1, 9)])
    assert not found.differs and found.bounds == (1, 9)
    children = [NULLS, Segment(None, 5), Segment(5, None)]
    per_child = comparison().per_child([("s", 1, 2, "10", "1", "5"), ("w", "1", "1", "4.0", "2", "2")], children)
    assert [item.differs for item in per_child] == [False, True, False]
    assert (per_child[1].source.rows, per_child[1].target.checksum, per_child[1].bounds) == (2, 4, (1, 5))
