"""Grouping rows by target table for parallel loads; the secrets with no row left to load."""

from __future__ import annotations

from glue_elt.redshift.names import Identifier
from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow
from glue_elt.steps.redshift_cross_account_migration.orchestrator import target_groups, unused_secrets
from glue_elt.steps.redshift_cross_account_migration.runner import PreparedRow
from glue_elt.steps.redshift_cross_account_migration.sql import load_sql
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row


def prepared(target: str, secret: str = "sec") -> PreparedRow:
    plan = validate_row(MigrationRow("shared_db.s.src", target, secret))
    return PreparedRow(plan.row, "key", plan, load_sql(plan, (Identifier("id"),)))


def test_rows_of_one_target_share_a_group_in_file_order() -> None:
    ready = {
        0: prepared("a.x"),
        1: prepared("a.y"),
        3: prepared("shared_db.a.x"),
        4: prepared('A."X"'),
        6: prepared("A.X"),
    }
    assert target_groups(ready) == [[0, 3, 6], [1], [4]]


def test_secrets_whose_rows_were_all_refused_are_unused() -> None:
    plans = {secret: {0: validate_row(MigrationRow("shared_db.s.src", "a.x", secret))} for secret in ("s1", "s2", "s3")}
    ready = {0: prepared("a.x", "s2"), 5: prepared("a.y", "s2")}
    assert unused_secrets(plans, ready) == ["s1", "s3"]
