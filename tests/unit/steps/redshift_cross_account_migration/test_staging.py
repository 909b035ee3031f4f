"""The staging table's name and the swap's SQL: names within Redshift's 127 bytes whatever the target and run id,
statements in the swap's order, grants as GRANT writes them, and every shape parsed as Redshift SQL by sqlglot."""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlglot import exp

from glue_elt.core.sizes import utf8_size
from glue_elt.errors import ExecutionError
from glue_elt.redshift.names import MAX_IDENTIFIER_BYTES, Identifier, TableName, fold_case, parse_table_name
from glue_elt.steps.redshift_cross_account_migration.staging import (
    Grant,
    create_stage,
    drop_retired,
    drop_stage,
    retired_name,
    stage_name,
    swap_statements,
)

KEY = "0123abcd" + "e" * 56
TARGET = TableName((Identifier("analytics"), Identifier("orders")))
GRANTS = [
    Grant("SELECT", "user", "IAM:alice", grant_option=True),
    Grant("INSERT", "group", "loaders"),
    Grant("SELECT", "role", 'odd"role'),
    Grant("SELECT", "public", "public", grant_option=True),
]


def tail(name: TableName) -> str:
    return name.table[name.table.index("__glue_elt_") :]


def test_a_stage_is_named_after_its_target_run_and_row_in_the_targets_schema() -> None:
    stage = stage_name(TARGET, "nightly-2026-12-01", KEY)
    assert stage.parts[:-1] == TARGET.parts[:-1]
    assert re.fullmatch(r"orders__glue_elt_[0-9a-f]{8}_0123abcd_nightly_2026_12_01", stage.table)
    assert stage == stage_name(TARGET, "nightly-2026-12-01", KEY)  # a re-run of the run id finds it
    assert retired_name(stage).table == stage.table.replace("__glue_elt_", "__glue_old_")


def test_the_old_tables_name_differs_from_the_stages_right_after_the_target_part() -> None:
    """PostgreSQL (the stand-in) keeps 63 bytes of a name: the two must not differ only at their ends."""
    for run_id in ("short", "x__glue_elt_y", "a" * 256):
        stage = stage_name(TARGET, run_id, KEY)
        retired = retired_name(stage)
        assert stage.table[:63] != retired.table[:63]
        assert retired.table.startswith("orders__glue_old_") and len(retired.table) == len(stage.table)
    with pytest.raises(ExecutionError, match="not a staging table"):
        retired_name(TARGET)


def test_a_three_part_target_keeps_its_database_and_statements_name_the_local_table() -> None:
    target = parse_table_name("dev.analytics.orders", "target")
    stage = stage_name(target, "r", KEY)
    assert stage.database == "dev" and stage.schema == "analytics"
    assert create_stage(stage, target) == (
        f'CREATE TABLE IF NOT EXISTS "analytics"."{stage.table}" (LIKE "analytics"."orders" INCLUDING DEFAULTS)'
    )
    assert all('"dev"' not in sql for sql in swap_statements(target, stage, GRANTS))


@pytest.mark.parametrize(
    "table",
    ["t" * 127, "Ä" * 63, "x" * 60 + "😀" * 16, "Mixed Case"],
    ids=["127-ascii", "126-bytes-of-2-byte", "4-byte-chars", "case"],
)
def test_long_and_multibyte_targets_are_cut_first_never_inside_a_character(table: str) -> None:
    target = TableName((Identifier("s"), Identifier(table)))
    stage = stage_name(target, "a" * 256, KEY)
    assert utf8_size(stage.table) <= MAX_IDENTIFIER_BYTES and utf8_size(retired_name(stage).table) == utf8_size(
        stage.table
    )
    assert tail(stage).endswith("_0123abcd_" + "a" * 40)  # the run id's part is at most 40 bytes
    head = stage.table[: stage.table.index("__glue_elt_")]
    assert head and fold_case(table).startswith(head)  # a start of the name, ASCII lower-cased as Redshift folds


@pytest.mark.parametrize(
    "run_id",
    ['x"; DROP TABLE t; --', "  spaced\tand\nnew lines ", "Nächtlich 🌙", "", "\\'\"", "a" * 300],
)
def test_hostile_run_ids_leave_only_lower_case_letters_digits_and_underscores(run_id: str) -> None:
    stage = stage_name(TARGET, run_id, KEY)
    assert re.fullmatch(r"__glue_elt_[0-9a-f]{8}_0123abcd(_[a-z0-9]+)*", tail(stage))
    create = create_stage(stage, TARGET)
    assert len(sqlglot.parse(create, read="redshift")) == 1


def test_run_ids_that_read_alike_once_made_safe_get_different_stages() -> None:
    names = {stage_name(TARGET, run_id, KEY) for run_id in ("Run 1", "run-1", "run_1", "RUN.1")}
    assert len(names) == 4


def test_the_swap_locks_renames_then_grants_on_the_new_table() -> None:
    stage = stage_name(TARGET, "r1", KEY)
    retired = retired_name(stage)
    assert swap_statements(TARGET, stage, GRANTS) == [
        'LOCK "analytics"."orders"',
        f'ALTER TABLE "analytics"."orders" RENAME TO "{retired.table}"',
        f'ALTER TABLE "analytics"."{stage.table}" RENAME TO "orders"',
        'GRANT SELECT ON TABLE "analytics"."orders" TO "IAM:alice" WITH GRANT OPTION',
        'GRANT INSERT ON TABLE "analytics"."orders" TO GROUP "loaders"',
        'GRANT SELECT ON TABLE "analytics"."orders" TO ROLE "odd""role"',
        'GRANT SELECT ON TABLE "analytics"."orders" TO PUBLIC',  # no grant option for PUBLIC (dg/r_GRANT.html)
    ]
    assert drop_retired(stage) == f'DROP TABLE IF EXISTS "analytics"."{retired.table}"'
    assert drop_stage(stage) == f'DROP TABLE IF EXISTS "analytics"."{stage.table}"'


@pytest.mark.parametrize(
    ("grant", "problem"),
    [
        (Grant("TRIGGER", "user", "bob"), "privilege 'TRIGGER' of 'bob'"),
        (Grant("SELECT; DROP TABLE x", "user", "bob"), "privilege 'SELECT; DROP TABLE x' of 'bob'"),
        (Grant("SELECT", "datashare", "bob"), "identity type 'datashare' of 'bob'"),
    ],
)
def test_a_privilege_or_identity_type_outside_the_known_ones_is_never_written_into_sql(
    grant: Grant, problem: str
) -> None:
    assert grant.problem == problem
    with pytest.raises(ExecutionError, match="cannot grant"):
        grant.sql(TARGET)


def test_every_staging_statement_parses_as_redshift_sql() -> None:
    target = TableName((Identifier("analytics"), Identifier("Order Items")))
    stage = stage_name(target, "r1", KEY)
    create, lock, *rest = [create_stage(stage, target), *swap_statements(target, stage, GRANTS)]
    assert isinstance(sqlglot.parse_one(create, read="redshift"), exp.Create)
    # sqlglot has no LOCK statement: its table name is parsed instead
    assert lock.startswith("LOCK ")
    locked = sqlglot.parse_one(lock.removeprefix("LOCK "), into=exp.Table, read="redshift")
    assert locked.name == "Order Items"
    kinds = [type(sqlglot.parse_one(sql, read="redshift")) for sql in [*rest, drop_retired(stage), drop_stage(stage)]]
    assert kinds == [exp.Alter, exp.Alter, exp.Grant, exp.Grant, exp.Grant, exp.Grant, exp.Drop, exp.Drop]
