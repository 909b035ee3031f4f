"""Tables a row may never load: itself, glue-elt's state tables, anything but a table (no server needed)."""

from __future__ import annotations

import pytest

from glue_elt.redshift.catalog import ClusterFacts, TableKey
from glue_elt.redshift.state import StateTable
from glue_elt.steps.redshift_cross_account_migration import refusals
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan, MigrationRow
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

REDSHIFT = ClusterFacts("shared_db", "etl", superuser=False, folds_identifiers=True)
CASE_SENSITIVE = ClusterFacts("shared_db", "etl", superuser=False, folds_identifiers=False)


def plan(source: str, target: str, load_type: str = "overwrite") -> MigrationPlan:
    more = {"merge_keys": "id", "source_columns": "id"} if load_type == "upsert" else {}
    if load_type == "incremental":
        more = {"watermark_column": "id", "source_columns": "id"}
    row = MigrationRow(source_table=source, target_table=target, secret_name="s", load_type=load_type, **more)
    return validate_row(row)


@pytest.mark.parametrize("load_type", ["append", "overwrite", "incremental", "upsert"])
@pytest.mark.parametrize(
    "source", ["shared_db.analytics.customers", 'analytics."Customers"', '"SHARED_DB".analytics.customers']
)
def test_a_table_copied_onto_itself_is_refused_for_every_load_type(source: str, load_type: str) -> None:
    problem = refusals.self_copy(plan(source, "analytics.customers", load_type), REDSHIFT)
    assert problem is not None and "are the same table (shared_db.analytics.customers on this server)" in problem
    assert problem.startswith(f"source_table {source} and target_table analytics.customers")


def test_case_kept_by_the_server_makes_two_tables() -> None:
    assert refusals.self_copy(plan('analytics."Customers"', "analytics.customers"), CASE_SENSITIVE) is None
    assert refusals.self_copy(plan("other_db.analytics.customers", "analytics.customers"), REDSHIFT) is None


def test_the_state_tables_and_their_locks_are_refused_as_target_or_source() -> None:
    tables = refusals.bookkeeping_tables(StateTable.parse("ops.State"), REDSHIFT)
    assert tables == {
        TableKey("shared_db", "glue_elt", "migration_state"): "the default state table",
        TableKey("shared_db", "glue_elt", "migration_state_lock"): "the commit lock of the default state table",
        TableKey("shared_db", "ops", "state"): "the run's state table (--state_table)",
        TableKey("shared_db", "ops", "state_lock"): "the commit lock of the run's state table (--state_table)",
    }
    target = refusals.bookkeeping(plan("shared_db.a.t", 'OPS."STATE"'), REDSHIFT, tables)
    assert target is not None and target.startswith("target_table ops.state is the run's state table")
    source = refusals.bookkeeping(plan("shared_db.ops.state_lock", "a.t"), REDSHIFT, tables)
    assert source is not None and source.startswith("source_table shared_db.ops.state_lock is the commit lock")
    assert refusals.bookkeeping(plan("shared_db.a.t", "b.t"), REDSHIFT, tables) is None


def test_a_state_table_name_too_long_for_a_lock_has_no_lock() -> None:
    state = StateTable.parse("ops." + "s" * 125)
    assert len(refusals.bookkeeping_tables(state, REDSHIFT)) == 3


@pytest.mark.parametrize(
    ("kind", "refused"),
    [
        ("VIEW", True),
        ("EXTERNAL TABLE", True),
        ("MYSTERY", True),
        ("TABLE", False),
        ("BASE TABLE", False),
        ("SHARED TABLE", False),
    ],
)
def test_only_tables_are_targets(kind: str, refused: bool) -> None:
    types = {TableKey("shared_db", "a", "t"): kind}
    problem = refusals.not_a_table(plan("shared_db.s.t", 'a."T"'), REDSHIFT, types)
    assert (problem is not None) is refused
    assert problem is None or problem.startswith(
        f"target_table a.t is not a table (SVV_REDSHIFT_TABLES.table_type '{kind}')"
    )
    assert refusals.not_a_table(plan("shared_db.s.t", "a.new"), REDSHIFT, types) is None  # not in the catalog yet
