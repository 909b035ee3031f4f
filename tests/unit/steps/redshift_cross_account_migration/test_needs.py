"""Which loads read their target, so that the pre-flight asks for SELECT on it."""

from __future__ import annotations

import pytest

from glue_elt.redshift.catalog import ClusterFacts
from glue_elt.steps.redshift_cross_account_migration.model import OverwriteMode
from glue_elt.steps.redshift_cross_account_migration.needs import reads_target, row_needs
from tests.unit.steps.redshift_cross_account_migration.test_sql import plan_for

DELETE, TRUNCATE = OverwriteMode.DELETE, OverwriteMode.TRUNCATE
MORE = {"upsert": {"merge_keys": "id"}, "incremental": {"watermark_column": "id"}}


@pytest.mark.parametrize(
    ("load_type", "mode", "driver", "batch"),
    [
        ("append", DELETE, False, True),
        ("overwrite", TRUNCATE, True, True),  # after its TRUNCATE, the locked target must still be empty
        ("overwrite", DELETE, True, True),  # DELETE needs SELECT on Redshift (dg/r_GRANT.html)
        ("upsert", DELETE, True, True),
        ("incremental", DELETE, True, True),
    ],
)
def test_reads_target(load_type: str, mode: OverwriteMode, driver: bool, batch: bool) -> None:
    plan = plan_for(load_type=load_type, **MORE.get(load_type, {}))
    assert (reads_target(plan, mode, batched=False), reads_target(plan, mode, batched=True)) == (driver, batch)


def test_a_row_that_copies_its_filter_needs_temp_on_the_database() -> None:
    facts = ClusterFacts("shared_db", "etl", superuser=False, folds_identifiers=True)
    plan = plan_for(load_type="upsert", merge_keys="id", source_filter="id > 3")
    temp = [
        (n.privilege, n.kind, n.name)
        for n in row_needs(plan, facts, DELETE, False, copies=True)
        if n.kind == "database"
    ]
    assert temp == [("TEMP", "database", "shared_db")]
    assert all(n.kind != "database" for n in row_needs(plan, facts, DELETE, False))
    created = row_needs(plan, facts, DELETE, False, creates_in="schema", copies=True)
    assert [n.privilege for n in created if n.kind == "database"] == ["TEMP"]
