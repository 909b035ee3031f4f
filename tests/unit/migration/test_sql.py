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


def test_incremental_inserts_only_rows_above_the_target_watermark() -> None:
    plan = plan_for(load_type="incremental", watermark_column="ts", source_filter="region = 'eu'")
    (sql,) = load_sql(plan, TARGET_COLUMNS).statements
    newest = '(SELECT MAX("ts") FROM "analytics"."orders")'
    assert sql.endswith(f"""WHERE ((region = 'eu') AND ("ts" > {newest} OR {newest} IS NULL))""")


def test_upsert_checks_deletes_matches_then_inserts() -> None:
    plan = plan_for(load_type="upsert", merge_keys="id, region")
    sql = load_sql(plan, TARGET_COLUMNS)
    assert [c.sql for c in sql.checks] == [
        'SELECT "id", "region" FROM "shared_db"."schema"."orders" GROUP BY "id", "region" HAVING COUNT(*) > 1 LIMIT 1',
        'SELECT "id", "region" FROM "shared_db"."schema"."orders" WHERE ("id" IS NULL OR "region" IS NULL) LIMIT 1',
    ]
    delete, insert = sql.statements
    assert delete == (
        'WITH "glue_elt_source_keys" AS (SELECT DISTINCT "id", "region" FROM "shared_db"."schema"."orders") '
        'DELETE FROM "analytics"."orders" USING "glue_elt_source_keys" '
        'WHERE "orders"."id" = "glue_elt_source_keys"."id" AND "orders"."region" = "glue_elt_source_keys"."region"'
    )
    assert insert.startswith('INSERT INTO "analytics"."orders"')
    assert len(sql.preflight()) == 4


def test_verify_counts_counts_the_filtered_source() -> None:
    sql = load_sql(plan_for(source_filter="id > 3"), TARGET_COLUMNS, verify_counts=True)
    assert sql.count == 'SELECT COUNT(*) FROM "shared_db"."schema"."orders" WHERE (id > 3)'
    assert (
        load_sql(plan_for(load_type="incremental", watermark_column="ts"), TARGET_COLUMNS, verify_counts=True).count
        is None
    )
