"""A row's layout: the columns its load moves and, when its target does not exist yet, the table to create.

Decided from the catalog the inspection read, before any write: a target that exists is used as it is (never
dropped, renamed or altered) and its columns are checked against the source's (``columns``); a missing one is
declared from the source's columns (``glue_elt.redshift.ddl``) when ``--create_missing_targets`` is on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from glue_elt.errors import ValidationError
from glue_elt.redshift.catalog import ClusterFacts, Column, TableKey
from glue_elt.redshift.ddl import CreateTable, create_table
from glue_elt.redshift.names import TableName, display_identifier
from glue_elt.steps.redshift_cross_account_migration.columns import ColumnPlan, created_columns, plan_columns
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan


@dataclass(frozen=True)
class Layout:
    """The columns a row loads (with what the check found), the target to create first, if any, and every column
    of the source and of the target (as created, when it is), as the catalog shows them."""

    columns: ColumnPlan
    create: CreateTable | None = None
    source_columns: tuple[Column, ...] = ()
    target_columns: tuple[Column, ...] = ()


def shown(name: TableName) -> str:
    """A table name as a user would write it (``analytics.orders``, ``sales."Order Items"``)."""
    return ".".join(display_identifier(part.name) for part in name.parts)


def lay_out(
    plan: MigrationPlan,
    facts: ClusterFacts,
    columns: Mapping[TableKey, Sequence[Column]],
    *,
    allow_narrowing: bool = False,
) -> Layout:
    """The row's layout; ``ValidationError`` with one line per problem (``;``-separated) when it cannot load.

    The source must be in ``columns``; a target that is not is created (the caller decides that it may be)."""
    source = columns[facts.key(plan.source)]
    target = columns.get(facts.key(plan.target))
    label = shown(plan.target)
    create = None
    if target is None:
        target = created_columns(plan, source)
        create = create_table(plan.target.local(), target)
    checked = plan_columns(plan, source, target, label, allow_narrowing=allow_narrowing)
    if checked.problems:
        raise ValidationError("; ".join(checked.problems))
    if not checked.target:
        raise ValidationError(f"{label} and the source have no column in common: nothing to load")
    return Layout(checked, create, tuple(source), tuple(target))
