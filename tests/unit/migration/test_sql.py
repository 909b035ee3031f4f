"""SQL text for each load type, overwrite mode and column case."""

from __future__ import annotations

from glue_elt.migration.names import Identifier
from glue_elt.migration.rows import MigrationRow
from glue_elt.migration.sql import LoadSql, OverwriteMode, load_sql
from glue_elt.migration.validation import MigrationPlan, validate_row

TARGET_COLUMNS = (Identifier("id"), Identifier("Name"))
INSERT_ID_NAME = (
    'INSERT INTO "analytics"."orders" ("id", "name") SELECT "id", "name" FROM "shared_db"."schema"."orders"'
)


def plan_for(**values: str) -> MigrationPlan:
    base = {"source_table": "shared_db.schema.orders", "target_table": "analytics.orders", "secret_name": "s"}
    return validate_row(MigrationRow(**(base | values)))


def test_append_with_target_columns_by_name() -> None:
    assert load_sql(plan_for(), TARGET_COLUMNS) == LoadSql(
        None,
        ('INSERT INTO "analytics"."orders" ("id", "Name") SELECT "id", "Name" FROM "shared_db"."schema"."orders"',),
    )


def test_append_with_filter() -> None:
    (sql,) = load_sql(plan_for(source_filter="date >= '2023-01-01'"), TARGET_COLUMNS).statements
    assert sql.endswith("""FROM "shared_db"."schema"."orders" WHERE (date >= '2023-01-01')""")


def test_overwrite_deletes_then_inserts_in_one_transaction() -> None:
    plan = plan_for(load_type="overwrite", source_columns="id, name")
    assert plan.columns is not None
    assert load_sql(plan, plan.columns) == LoadSql(None, ('DELETE FROM "analytics"."orders"', INSERT_ID_NAME))


def test_overwrite_truncate_mode_truncates_outside_the_transaction() -> None:
    plan = plan_for(load_type="overwrite", source_columns="id, name")
    assert plan.columns is not None
    sql = load_sql(plan, plan.columns, OverwriteMode.TRUNCATE)
    assert sql == LoadSql('TRUNCATE "analytics"."orders"', (INSERT_ID_NAME,))
    assert sql.preflight() == [f"EXPLAIN {INSERT_ID_NAME}"]


def test_append_ignores_overwrite_mode() -> None:
    assert load_sql(plan_for(), TARGET_COLUMNS, OverwriteMode.TRUNCATE).truncate is None


def test_preflight_explains_every_transactional_statement() -> None:
    plan = plan_for(load_type="overwrite", source_columns="id, name")
    assert plan.columns is not None
    assert load_sql(plan, plan.columns).preflight() == [
        'EXPLAIN DELETE FROM "analytics"."orders"',
        f"EXPLAIN {INSERT_ID_NAME}",
    ]


def test_quoted_names_survive() -> None:
    plan = plan_for(source_table='shared_db."schema"."Order Items"', target_table='analytics."Order Items"')
    (sql,) = load_sql(plan, (Identifier('we"ird'),)).statements
    assert (
        sql
        == 'INSERT INTO "analytics"."Order Items" ("we""ird") SELECT "we""ird" FROM "shared_db"."schema"."Order Items"'
    )
