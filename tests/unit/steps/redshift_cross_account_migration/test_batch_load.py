"""A row's load as one batch: statement order, guards, the count kept in a temporary table."""

from __future__ import annotations

import sqlglot

from glue_elt.errors import ExecutionError, LoadCheckError
from glue_elt.redshift.batch import BatchStatementError
from glue_elt.redshift.names import Identifier, quote_literal
from glue_elt.redshift.state import StateTable
from glue_elt.steps.redshift_cross_account_migration.batch_load import (
    BEFORE,
    BatchStatement,
    Role,
    batch_failure,
    load_batch,
)
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationRow, OverwriteMode
from glue_elt.steps.redshift_cross_account_migration.sql import EMPTIED_CHANGED, Check, load_sql
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
    assert [part.role for part in batch.parts] == [
        Role.LOCK, Role.COUNT_BEFORE, Role.INSERT, Role.RECORD, Role.DROP_COUNT
    ]  # fmt: skip


def test_upsert_checks_after_its_delete_and_before_the_insert() -> None:
    plan = plan_of("upsert", merge_keys="id")
    sql = load_sql(plan, COLUMNS)
    batch = load_batch(sql, plan.target, record)
    lock, delete, guard, create, insert, *_ = batch.statements
    assert lock.startswith("LOCK ") and delete.startswith("WITH") and "DELETE FROM" in delete
    assert guard == f'SELECT 1 / (1 - COUNT(*)) FROM ({sql.checks[0].sql}) AS "glue_elt_found"'
    assert batch.parts[2] == BatchStatement(Role.CHECK_GUARD, guard, sql.checks[0])
    assert create.startswith("CREATE TEMP TABLE") and insert.startswith("INSERT INTO") and batch.insert_index == 4


def test_verify_counts_adds_a_count_guard_after_the_insert() -> None:
    plan = plan_of("overwrite")
    sql = load_sql(plan, COLUMNS, OverwriteMode.DELETE, verify_counts=True)
    batch = load_batch(sql, plan.target, record)
    _lock, delete, _create, _insert, guard, *_ = batch.statements
    assert delete == 'DELETE FROM "analytics"."orders"' and batch.insert_index == 3
    assert guard.startswith("SELECT 1 / (CASE WHEN") and f"= ({sql.count}) THEN 1 ELSE 0 END" in guard
    assert batch.parts[4] == BatchStatement(Role.COUNT_GUARD, guard)


def test_truncate_mode_guards_that_the_locked_target_is_still_empty() -> None:
    plan = plan_of("overwrite")
    sql = load_sql(plan, COLUMNS, OverwriteMode.TRUNCATE)
    batch = load_batch(sql, plan.target, record)
    lock, guard, create, insert, *_ = batch.statements
    assert lock == 'LOCK "analytics"."orders"' and sql.truncate not in batch.statements
    assert guard == 'SELECT 1 / (1 - COUNT(*)) FROM (SELECT 1 FROM "analytics"."orders" LIMIT 1) AS "glue_elt_found"'
    assert (
        [part.role for part in batch.parts if part.role in (Role.EMPTY_GUARD, Role.CHECK_GUARD)] == [Role.EMPTY_GUARD]
        and batch.at(1) == batch.parts[1]
        and batch.parts[1].role is Role.EMPTY_GUARD
    )
    assert create.startswith("CREATE TEMP TABLE") and insert.startswith("INSERT INTO") and batch.insert_index == 3


def test_every_statement_parses_as_redshift() -> None:
    for load_type, extra in (("append", {}), ("upsert", {"merge_keys": "id"}), ("overwrite", {})):
        plan = plan_of(load_type, **extra)
        for mode in OverwriteMode:
            sql = load_sql(plan, COLUMNS, mode, verify_counts=plan.load_type is not LoadType.UPSERT)
            for statement in load_batch(sql, plan.target, record).statements:
                if not statement.startswith("LOCK "):  # sqlglot has no LOCK (test_statement_shapes checks it)
                    sqlglot.parse_one(statement, read="redshift")


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


CHECK = Check("SELECT id FROM t GROUP BY id HAVING COUNT(*) > 1", "duplicate merge keys", "a merge key is NULL")
TRIPPED = BatchStatementError("ERROR: Divide by zero", index=3)


def _no_query(sql: str) -> list[tuple[object, ...]]:
    raise AssertionError(f"no query expected: {sql}")


def test_a_failure_that_is_no_tripped_guard_is_the_batch_s_own_error() -> None:
    other = BatchStatementError("ERROR: permission denied", index=3)
    assert batch_failure(other, BatchStatement(Role.CHECK_GUARD, "guard", CHECK), _no_query) is other
    assert batch_failure(TRIPPED, None, _no_query) is TRIPPED


def test_a_tripped_check_shows_the_offending_row_read_again() -> None:
    asked: list[str] = []

    def query(sql: str) -> list[tuple[object, ...]]:
        asked.append(sql)
        return [(7, None)]

    error = batch_failure(TRIPPED, BatchStatement(Role.CHECK_GUARD, "guard", CHECK), query)
    assert isinstance(error, LoadCheckError)
    assert str(error) == "a merge key is NULL: (7, NULL); nothing was changed"
    assert asked == [CHECK.sql]


def test_a_tripped_check_whose_row_is_gone_names_both_meanings() -> None:
    error = batch_failure(TRIPPED, BatchStatement(Role.CHECK_GUARD, "guard", CHECK), lambda sql: [])
    assert str(error) == "duplicate merge keys (or a merge key is NULL); nothing was changed"


def test_a_tripped_count_guard_is_a_count_mismatch_and_an_emptied_target_is_tried_again() -> None:
    count = batch_failure(TRIPPED, BatchStatement(Role.COUNT_GUARD, "guard"), _no_query)
    assert isinstance(count, LoadCheckError) and str(count).startswith("row count mismatch")
    emptied = batch_failure(TRIPPED, BatchStatement(Role.EMPTY_GUARD, "guard"), _no_query)
    assert isinstance(emptied, ExecutionError) and emptied.transient and str(emptied) == EMPTIED_CHANGED


def test_a_refusal_shows_at_most_200_characters_of_the_row() -> None:
    message = Check("q", "duplicate").refusal(("x" * 300, 1))
    assert message == f"duplicate: ({'x' * 200}); nothing was changed"


def test_a_created_target_s_create_opens_the_batch_and_a_failure_names_its_statement() -> None:
    plan = plan_of("append")
    sql = load_sql(plan, COLUMNS, create='CREATE TABLE "analytics"."orders" ("id" INTEGER, "v" TEXT)')
    batch = load_batch(sql, plan.target, record)
    assert [part.role for part in batch.parts[:2]] == [Role.CREATE, Role.LOCK]
    assert batch.at(0) == batch.parts[0] and batch.at(None) is None and batch.at(len(batch.parts)) is None
    assert batch.statements[batch.insert_index].startswith('INSERT INTO "analytics"."orders"')
    not_a_guard = BatchStatementError("ERROR: Divide by zero", index=0)
    assert batch_failure(not_a_guard, batch.at(0), _no_query) is not_a_guard  # only a guard's division means a check


def test_a_filtered_upsert_copies_its_source_after_the_lock_and_drops_it_last() -> None:
    plan = plan_of("upsert", merge_keys="id", source_filter="random() < 0.5")
    sql = load_sql(plan, COLUMNS)
    batch = load_batch(sql, plan.target, record)
    assert [part.role for part in batch.parts] == [
        Role.LOCK, Role.COPY, Role.DELETE, Role.CHECK_GUARD, Role.COUNT_BEFORE, Role.INSERT, Role.RECORD,
        Role.DROP_COUNT, Role.DROP_COPY,
    ]  # fmt: skip
    assert batch.statements[1] == sql.copy and batch.statements[-1] == 'DROP TABLE "glue_elt_source"'
    asked: list[str] = []

    def query(check_sql: str) -> list[tuple[object, ...]]:
        asked.append(check_sql)
        return [(3,)]

    error = batch_failure(TRIPPED, batch.parts[3], query)  # the copy was rolled back: the check reads the share
    assert asked == [sql.checks[0].shown] and "(3)" in str(error)
