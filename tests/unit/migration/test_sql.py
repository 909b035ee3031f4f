"""SQL text for each load type and column case."""

from __future__ import annotations

from glue_elt.migration.names import Identifier
from glue_elt.migration.rows import MigrationRow
from glue_elt.migration.sql import load_statements
from glue_elt.migration.validation import validate_row

TARGET_COLUMNS = (Identifier("id"), Identifier("Name"))


def plan_for(**values: str):  # type: ignore[no-untyped-def]
    base = {"source_table": "shared_db.schema.orders", "target_table": "analytics.orders", "secret_name": "s"}
    return validate_row(MigrationRow(**(base | values)))


def test_append_with_target_columns_by_name() -> None:
    assert load_statements(plan_for(), TARGET_COLUMNS) == [
        'INSERT INTO "analytics"."orders" ("id", "Name") SELECT "id", "Name" FROM "shared_db"."schema"."orders"'
    ]


def test_append_with_filter() -> None:
    (sql,) = load_statements(plan_for(source_filter="date >= '2023-01-01'"), TARGET_COLUMNS)
    assert sql.endswith("""FROM "shared_db"."schema"."orders" WHERE (date >= '2023-01-01')""")


def test_overwrite_deletes_then_inserts_given_columns() -> None:
    plan = plan_for(load_type="overwrite", source_columns="id, name")
    assert plan.columns is not None
    assert load_statements(plan, plan.columns) == [
        'DELETE FROM "analytics"."orders"',
        'INSERT INTO "analytics"."orders" ("id", "name") SELECT "id", "name" FROM "shared_db"."schema"."orders"',
    ]


def test_quoted_names_survive() -> None:
    plan = plan_for(source_table='shared_db."schema"."Order Items"', target_table='analytics."Order Items"')
    (sql,) = load_statements(plan, (Identifier('we"ird'),))
    assert sql == (
        'INSERT INTO "analytics"."Order Items" ("we""ird") SELECT "we""ird" FROM "shared_db"."schema"."Order Items"'
    )
