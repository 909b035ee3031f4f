"""SQL text for each load type, overwrite mode and column case."""

from __future__ import annotations

from glue_elt.redshift.names import Identifier
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan, MigrationRow, OverwriteMode
from glue_elt.steps.redshift_cross_account_migration.sql import LoadSql, load_sql
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

TARGET_COLUMNS = (Identifier("id"), Identifier("Name"))
INSERT_ID_NAME = (
    'INSERT INTO "analytics"."orders" ("id", "name") SELECT "id", "name" FROM "shared_db"."schema"."orders"'
)


LOCK = 'LOCK "analytics"."orders"'


def test_every_load_type_locks_its_target_first() -> None:
    """The lock takes no snapshot (Redshift: dg/c_serial_isolation.html), so what follows it sees every load of
    the target committed before it was granted; it is also a statement of the connected database."""
    for load_type, extra in [("append", {}), ("overwrite", {}), ("incremental", {"watermark_column": "ts"})]:
        sql = load_sql(plan_for(load_type=load_type, **extra), TARGET_COLUMNS)
        assert sql.all_statements()[0] == LOCK, load_type
    upsert = load_sql(plan_for(load_type="upsert", merge_keys="id"), TARGET_COLUMNS)
    assert upsert.all_statements()[0] == LOCK
    truncating = load_sql(plan_for(load_type="overwrite"), TARGET_COLUMNS, OverwriteMode.TRUNCATE)
    assert truncating.all_statements()[:2] == ['TRUNCATE "analytics"."orders"', LOCK]


def plan_for(**values: str) -> MigrationPlan:
    base = {"source_table": "shared_db.schema.orders", "target_table": "analytics.orders", "secret_name": "s"}
    return validate_row(MigrationRow(**(base | values)))


def test_append_with_target_columns_by_name() -> None:
    insert = 'INSERT INTO "analytics"."orders" ("id", "Name") SELECT "id", "Name" FROM "shared_db"."schema"."orders"'
    assert load_sql(plan_for(), TARGET_COLUMNS) == LoadSql(None, (insert,), explained=(insert,), lock=LOCK)


def test_append_with_filter() -> None:
    (sql,) = load_sql(plan_for(source_filter="date >= '2023-01-01'"), TARGET_COLUMNS).statements
    assert sql.endswith("""FROM "shared_db"."schema"."orders" WHERE (date >= '2023-01-01')""")


def test_overwrite_deletes_then_inserts_in_one_transaction() -> None:
    plan = plan_for(load_type="overwrite", source_columns="id, name")
    assert plan.columns is not None
    assert load_sql(plan, plan.columns) == LoadSql(
        None, ('DELETE FROM "analytics"."orders"', INSERT_ID_NAME), explained=(INSERT_ID_NAME,), lock=LOCK
    )


def test_overwrite_truncate_mode_truncates_outside_the_transaction() -> None:
    plan = plan_for(load_type="overwrite", source_columns="id, name")
    assert plan.columns is not None
    sql = load_sql(plan, plan.columns, OverwriteMode.TRUNCATE)
    emptied = 'SELECT 1 FROM "analytics"."orders" LIMIT 1'
    expected = LoadSql(
        'TRUNCATE "analytics"."orders"', (INSERT_ID_NAME,), explained=(INSERT_ID_NAME,), lock=LOCK, emptied=emptied
    )
    assert sql == expected
    assert sql.preflight() == [f"EXPLAIN {INSERT_ID_NAME}"]
    # after the TRUNCATE has committed, the locked target must still be empty before the insert
    assert sql.all_statements() == ['TRUNCATE "analytics"."orders"', LOCK, emptied, INSERT_ID_NAME]


def test_append_ignores_overwrite_mode() -> None:
    assert load_sql(plan_for(), TARGET_COLUMNS, OverwriteMode.TRUNCATE).truncate is None


def test_preflight_explains_what_reads_the_source_only() -> None:
    """DELETE FROM target needs no EXPLAIN: the catalog and privilege checks cover all it can fail on."""
    plan = plan_for(load_type="overwrite", source_columns="id, name")
    assert plan.columns is not None
    assert load_sql(plan, plan.columns).preflight() == [f"EXPLAIN {INSERT_ID_NAME}"]


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


def test_upsert_deletes_matches_checks_then_inserts() -> None:
    plan = plan_for(load_type="upsert", merge_keys="id, region")
    sql = load_sql(plan, TARGET_COLUMNS)
    (check,) = sql.checks
    assert check.sql == (
        'SELECT "id", "region" FROM "shared_db"."schema"."orders" GROUP BY "id", "region" '
        'HAVING COUNT(*) > 1 OR "id" IS NULL OR "region" IS NULL LIMIT 1'
    )
    assert check.failure((1, "eu")) == "the source has duplicate merge keys (id, region)"
    assert check.failure((None, "eu")) == "the source has NULL in a merge key (id, region)"
    assert check.refusal((1, "eu")) == "the source has duplicate merge keys (id, region): (1, eu); nothing was changed"
    delete, insert = sql.statements
    assert delete == (
        'WITH "glue_elt_source_keys" AS (SELECT DISTINCT "id", "region" FROM "shared_db"."schema"."orders") '
        'DELETE FROM "analytics"."orders" USING "glue_elt_source_keys" '
        'WHERE "orders"."id" = "glue_elt_source_keys"."id" AND "orders"."region" = "glue_elt_source_keys"."region"'
    )
    assert insert.startswith('INSERT INTO "analytics"."orders"')
    assert sql.preflight() == [f"EXPLAIN {delete}", f"EXPLAIN {insert}"]
    # the transaction locks the target, writes it, and only then reads the share for the check
    assert sql.all_statements() == [LOCK, delete, check.sql, insert]


def test_verify_counts_counts_after_the_insert() -> None:
    sql = load_sql(plan_for(load_type="overwrite"), TARGET_COLUMNS, verify_counts=True)
    assert sql.all_statements()[:2] == [LOCK, 'DELETE FROM "analytics"."orders"']
    assert sql.all_statements()[-1] == sql.count


def test_verify_counts_counts_the_filtered_source() -> None:
    sql = load_sql(plan_for(source_filter="id > 3"), TARGET_COLUMNS, verify_counts=True)
    assert sql.copy == f'CREATE TEMP TABLE "glue_elt_source" AS SELECT "id", "Name" FROM {SHARE} WHERE (id > 3)'
    assert sql.count == 'SELECT COUNT(*) FROM "glue_elt_source"'  # the rows the insert read, not a second reading
    assert load_sql(plan_for(), TARGET_COLUMNS, verify_counts=True).count == f"SELECT COUNT(*) FROM {SHARE}"
    assert (
        load_sql(plan_for(load_type="incremental", watermark_column="ts"), TARGET_COLUMNS, verify_counts=True).count
        is None
    )


SHARE = '"shared_db"."schema"."orders"'
COPY = '"glue_elt_source"'


def test_a_filtered_upsert_reads_its_source_once_before_any_write() -> None:
    """Issue 31: a filter that reads the target, or ``random()``, means the same rows to every statement."""
    plan = plan_for(load_type="upsert", merge_keys="id", source_filter="id IN (SELECT id FROM analytics.orders)")
    sql = load_sql(plan, TARGET_COLUMNS)
    copy = (
        f'CREATE TEMP TABLE {COPY} AS SELECT "id", "Name" FROM {SHARE} WHERE (id IN (SELECT id FROM analytics.orders))'
    )
    delete, insert = sql.statements
    assert sql.all_statements() == [LOCK, copy, delete, sql.checks[0].sql, insert, f"DROP TABLE {COPY}"]
    assert f'SELECT DISTINCT "id" FROM {COPY})' in delete and insert.endswith(f"FROM {COPY}")
    assert sql.checks[0].sql.startswith(f'SELECT "id" FROM {COPY} GROUP BY')
    assert sql.checks[0].shown is not None and sql.checks[0].shown.startswith(f'SELECT "id" FROM {SHARE} WHERE')
    assert all(SHARE in explained and COPY not in explained for explained in sql.preflight())


def test_only_a_filter_read_more_than_once_or_after_a_write_is_copied() -> None:
    def copied(mode: OverwriteMode = OverwriteMode.DELETE, verify: bool = False, **row: str) -> bool:
        return load_sql(plan_for(**row), TARGET_COLUMNS, mode, verify_counts=verify).copy is not None

    assert copied(load_type="overwrite", source_filter="id > 3")  # its DELETE comes before the insert's reading
    assert copied(load_type="upsert", merge_keys="id", source_filter="id > 3")
    assert copied(verify=True, source_filter="id > 3")  # append: the count reads it again
    assert copied(OverwriteMode.TRUNCATE, True, load_type="overwrite", source_filter="id > 3")
    assert not copied(source_filter="id > 3")  # one INSERT reads it once
    assert not copied(OverwriteMode.TRUNCATE, load_type="overwrite", source_filter="id > 3")
    assert not copied(verify=True, load_type="incremental", watermark_column="ts", source_filter="id > 3")
    for load_type, extra in [("append", {}), ("overwrite", {}), ("upsert", {"merge_keys": "id"})]:
        assert not copied(verify=True, load_type=load_type, **extra)  # no filter: the share's snapshot is fixed


def test_a_created_target_copies_its_filtered_source_after_the_lock() -> None:
    plan = plan_for(load_type="overwrite", source_filter="id > 3")
    sql = load_sql(plan, TARGET_COLUMNS, OverwriteMode.TRUNCATE, create="CREATE TABLE x")
    assert sql.truncate is None and sql.all_statements()[:3] == ["CREATE TABLE x", LOCK, sql.copy]
    assert sql.preflight() == [f'EXPLAIN SELECT "id", "Name" FROM {SHARE} WHERE (id > 3)']
