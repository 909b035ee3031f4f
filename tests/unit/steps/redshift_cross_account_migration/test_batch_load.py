"""A row's load as one batch: statement order, guards, the count kept in a temporary table, the token."""

from __future__ import annotations

import sqlglot

from glue_elt.redshift.names import Identifier, quote_literal
from glue_elt.redshift.state import StateTable
from glue_elt.steps.redshift_cross_account_migration.batch_load import BEFORE, Guard, client_token, load_batch
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationRow, OverwriteMode
from glue_elt.steps.redshift_cross_account_migration.sql import load_sql
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

COLUMNS = (Identifier("id"), Identifier("v"))
STATE = StateTable.parse("glue_elt.migration_state")


def plan_of(load_type: str, **extra: str):  # type: ignore[no-untyped-def]
    row = MigrationRow(
        source_table="shared_db.sales.orders",
        target_table="analytics.orders",
        secret_name="s",
        load_type=load_type,
        **extra,
    )
    return validate_row(row)


def record(rows_sql: str, source: str) -> str:
    return STATE.record_from_count("run'1", "k" * 64, "analytics.orders", "append", rows_sql, source)


def test_append_opens_with_the_temporary_count_and_records_the_growth() -> None:
    plan = plan_of("append")
    batch = load_batch(load_sql(plan, COLUMNS), plan.target, record)
    lock, create, insert, recorded, drop = batch.statements
    assert lock == 'LOCK "analytics"."orders"'
    assert create == f'CREATE TEMP TABLE {BEFORE} AS SELECT COUNT(*) AS n FROM "analytics"."orders"'
    assert insert.startswith('INSERT INTO "analytics"."orders"') and batch.insert_index == 2
    assert recorded.startswith('INSERT INTO "glue_elt"."migration_state"')
    assert "'run''1'" in recorded and "GETDATE()" in recorded and f"FROM {BEFORE}" in recorded
    assert f'(SELECT COUNT(*) FROM "analytics"."orders") - {BEFORE}.n' in recorded
    assert drop == f"DROP TABLE {BEFORE}"
    assert batch.guards == {}


def test_upsert_checks_after_its_delete_and_before_the_insert() -> None:
    plan = plan_of("upsert", merge_keys="id")
    sql = load_sql(plan, COLUMNS)
    batch = load_batch(sql, plan.target, record)
    lock, delete, guard, create, insert, *_ = batch.statements
    assert lock.startswith("LOCK ") and delete.startswith("WITH") and "DELETE FROM" in delete
    assert guard == f'SELECT 1 / (1 - COUNT(*)) FROM ({sql.checks[0].sql}) AS "glue_elt_found"'
    assert batch.guards[2].check == sql.checks[0]
    assert create.startswith("CREATE TEMP TABLE") and insert.startswith("INSERT INTO") and batch.insert_index == 4


def test_verify_counts_adds_a_count_guard_after_the_insert() -> None:
    plan = plan_of("overwrite")
    sql = load_sql(plan, COLUMNS, OverwriteMode.DELETE, verify_counts=True)
    batch = load_batch(sql, plan.target, record)
    _lock, delete, _create, _insert, guard, *_ = batch.statements
    assert delete == 'DELETE FROM "analytics"."orders"' and batch.insert_index == 3
    assert guard.startswith("SELECT 1 / (CASE WHEN") and f"= ({sql.count}) THEN 1 ELSE 0 END" in guard
    assert batch.guards[4].check is None and not batch.guards[4].emptied


def test_truncate_mode_guards_that_the_locked_target_is_still_empty() -> None:
    plan = plan_of("overwrite")
    sql = load_sql(plan, COLUMNS, OverwriteMode.TRUNCATE)
    batch = load_batch(sql, plan.target, record)
    lock, guard, create, insert, *_ = batch.statements
    assert lock == 'LOCK "analytics"."orders"' and sql.truncate not in batch.statements
    assert guard == 'SELECT 1 / (1 - COUNT(*)) FROM (SELECT 1 FROM "analytics"."orders" LIMIT 1) AS "glue_elt_found"'
    assert batch.guards == {1: Guard(emptied=True)}
    assert create.startswith("CREATE TEMP TABLE") and insert.startswith("INSERT INTO") and batch.insert_index == 3


def test_every_statement_parses_as_redshift() -> None:
    for load_type, extra in (("append", {}), ("upsert", {"merge_keys": "id"}), ("overwrite", {})):
        plan = plan_of(load_type, **extra)
        for mode in OverwriteMode:
            sql = load_sql(plan, COLUMNS, mode, verify_counts=plan.load_type is not LoadType.UPSERT)
            for statement in load_batch(sql, plan.target, record).statements:
                if not statement.startswith("LOCK "):  # sqlglot has no LOCK (test_statement_shapes checks it)
                    sqlglot.parse_one(statement, read="redshift")


def test_client_token_is_stable_and_differs_per_attempt() -> None:
    token = client_token("run", "k", "1")
    assert token == client_token("run", "k", "1") and len(token) == 64
    assert token != client_token("run", "k", "2") != client_token("run", "other", "1")


def test_quote_literal_reads_the_same_on_redshift_and_postgresql() -> None:
    assert quote_literal("it's") == "'it''s'"
    assert quote_literal("a\\b") == "'a' || CHR(92) || 'b'"


def test_a_batch_stays_far_below_the_apis_40_statements() -> None:
    sizes = []
    for load_type, extra in (("append", {}), ("overwrite", {}), ("incremental", {"watermark_column": "id"}),
                             ("upsert", {"merge_keys": "id"})):  # fmt: skip
        plan = plan_of(load_type, **extra)
        for mode in OverwriteMode:
            for verify in (False, True):
                sql = load_sql(plan, COLUMNS, mode, verify_counts=verify)
                sizes.append(len(load_batch(sql, plan.target, record).statements))
    assert max(sizes) == 7  # the README's limits table says so
