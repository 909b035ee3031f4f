"""Tables a script's statements create and use (for the dry run's "not checked: uses ..." verdict)."""

from __future__ import annotations

from glue_elt.steps.redshift_sql.script import split_script
from glue_elt.steps.redshift_sql.tables import Flow, TableRef, created_earlier, flow, tables

SCRIPT = """CREATE TABLE stage.orders (id int, amount numeric(10,2));
INSERT INTO stage.orders SELECT id, amount FROM sales.orders;
CREATE TEMP TABLE #big AS SELECT * FROM orders WHERE amount > 100;
SELECT * INTO stage.big_copy FROM #big;
WITH c AS (SELECT 1 AS id) UPDATE "STAGE"."Big_Copy" SET id = c.id FROM c;
DELETE FROM sales.orders USING stage.big_copy b WHERE b.id = orders.id;
CREATE TABLE stage.like_it (LIKE sales.orders);
VACUUM stage.orders;
SELECT count(*) FROM sales.orders
"""


def test_created_and_used_tables_per_statement() -> None:
    statements = split_script(SCRIPT, "s").statements
    found = [tables(s) for s in statements]
    assert found[0] == (TableRef("stage", "orders", "stage.orders"), [])
    assert found[1] == (
        None,
        [TableRef("stage", "orders", "stage.orders"), TableRef("sales", "orders", "sales.orders")],
    )
    assert found[2] == (TableRef("", "#big", "#big"), [TableRef("", "orders", "orders")])
    assert found[3] == (TableRef("stage", "big_copy", "stage.big_copy"), [TableRef("", "#big", "#big")])
    assert found[4] == (
        None,
        [TableRef("STAGE", "Big_Copy", '"STAGE"."Big_Copy"')],
    )  # quoted: kept; WITH name: not a table
    assert found[6][0] == TableRef("stage", "like_it", "stage.like_it")
    assert found[7] == (None, [])  # not parsed


def test_statements_using_a_table_an_earlier_statement_creates() -> None:
    uses = created_earlier(split_script(SCRIPT, "s").statements)
    assert {number: [ref.written for ref in refs] for number, refs in uses.items()} == {
        2: ["stage.orders"],
        3: ["orders"],  # unqualified: may be stage.orders
        4: ["#big"],
        6: ["stage.big_copy"],
    }


def test_unparsable_statements_create_and_use_nothing() -> None:
    (statement,) = split_script("SELECT FROM WHERE ((", "s").statements
    assert tables(statement) == (None, [])


def test_a_table_is_not_used_before_it_is_created() -> None:
    statements = split_script("INSERT INTO s.t SELECT 1; CREATE TABLE s.t (a int); SELECT * FROM s.t", "x").statements
    assert list(created_earlier(statements)) == [3]


def test_what_each_statement_writes_and_reads() -> None:
    script = (
        "INSERT INTO stage.orders (id) SELECT id FROM shared_db.sales.orders o JOIN sales.items i ON i.id = o.id;\n"
        "WITH c AS (SELECT 1 AS id) UPDATE stage.orders SET id = c.id FROM c;\n"
        "DELETE FROM sales.orders USING stage.big_copy b WHERE b.id = orders.id;\n"
        "CREATE VIEW marts.v AS SELECT * FROM stage.orders;\n"
        "SELECT * INTO stage.copy FROM stage.orders;\n"
        "VACUUM stage.orders"
    )
    flows = [flow(s) for s in split_script(script, "s").statements]
    assert flows[0] == Flow(
        (TableRef("stage", "orders", "stage.orders"),),
        (TableRef("sales", "orders", "shared_db.sales.orders", "shared_db"), TableRef("sales", "items", "sales.items")),
        inserts=True,
    )
    assert flows[1] == Flow((TableRef("stage", "orders", "stage.orders"),), ())  # the WITH name is no table
    assert flows[2] == Flow(
        (TableRef("sales", "orders", "sales.orders"),), (TableRef("stage", "big_copy", "stage.big_copy"),)
    )
    assert flows[3] == Flow((TableRef("marts", "v", "marts.v"),), (TableRef("stage", "orders", "stage.orders"),))
    assert flows[4] == Flow((TableRef("stage", "copy", "stage.copy"),), (TableRef("stage", "orders", "stage.orders"),))
    assert flows[5] == Flow()  # not parsed: writes and reads nothing as far as lineage knows
