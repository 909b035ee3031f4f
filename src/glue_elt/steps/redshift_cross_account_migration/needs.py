"""The privileges each row and the state table need, asked of the server in one query per cluster.

Redshift documents most of them (dg/r_GRANT.html); what ``LOCK`` needs it does not, so the rule of PostgreSQL 8.0,
its lineage, is assumed. A target the row creates needs CREATE on its schema (or on the database, when the schema
is created too), and nothing on the table itself: its creator owns it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glue_elt.redshift.catalog import ClusterFacts
from glue_elt.redshift.privileges import Need, table_need
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationPlan, OverwriteMode

if TYPE_CHECKING:
    from glue_elt.steps.redshift_cross_account_migration.inspection import ClusterView


def truncates(plan: MigrationPlan, overwrite_mode: OverwriteMode) -> bool:
    """Whether the row's load empties its target with TRUNCATE."""
    return plan.load_type is LoadType.OVERWRITE and overwrite_mode is OverwriteMode.TRUNCATE


def deletes(plan: MigrationPlan, overwrite_mode: OverwriteMode) -> bool:
    """Whether the row's load deletes rows of its target."""
    return plan.load_type is LoadType.UPSERT or (
        plan.load_type is LoadType.OVERWRITE and overwrite_mode is OverwriteMode.DELETE
    )


def reads_target(plan: MigrationPlan, overwrite_mode: OverwriteMode, batched: bool) -> bool:
    """Whether a statement of the row's load reads the target, so that SELECT on it is needed: any DELETE
    ("DELETE operations also require the SELECT permission, because they must reference table columns",
    dg/r_GRANT.html), the incremental load's ``MAX(watermark)`` of the target, truncate mode's check that the
    locked target is still empty, and a Data API batch (its ``COUNT(*)`` of the target, ``batch_load``). Only the
    driver's append just writes it. EXPLAIN is not documented to check privileges (dg/r_EXPLAIN.html), so the
    pre-flight asks."""
    truncating = plan.load_type is LoadType.OVERWRITE and overwrite_mode is OverwriteMode.TRUNCATE
    return batched or truncating or plan.load_type is LoadType.INCREMENTAL or deletes(plan, overwrite_mode)


LOCK_NEED = "DELETE or UPDATE"
LOCK_WHY = " (every load locks its target first, and LOCK needs one of them)"
"""Redshift does not document what ``LOCK`` needs; PostgreSQL 8.0, its lineage, allows ACCESS EXCLUSIVE to a user
with UPDATE or DELETE on the table, and PostgreSQL 16 (the stand-in) to one with UPDATE, DELETE or TRUNCATE."""


COPY_WHY = " (the row's filter is read once into a temporary table: GRANT TEMP ON DATABASE, or no source_filter)"
"""Why a row whose filtered source is copied first (the step's ``sql.reads_once``) needs TEMP on the database."""


def row_needs(
    plan: MigrationPlan,
    facts: ClusterFacts,
    overwrite_mode: OverwriteMode,
    batched: bool,
    *,
    creates_in: str | None = None,
    copies: bool = False,
) -> list[Need]:
    """What the row's load needs; ``creates_in`` is ``schema`` or ``database`` when the row creates its target (in
    an existing schema, or in a schema the run creates); ``copies`` when it reads its filtered source once into a
    temporary table."""
    target = plan.target
    source = [table_need("SELECT", plan.source.schema, plan.source.table)]
    if plan.source.database not in (None, facts.database):  # a share's tables: visibility in the catalog says it
        source = []
    if copies:
        source.append(Need("TEMP", "database", facts.database, facts.database, COPY_WHY))
    if creates_in == "schema":
        return [Need("CREATE", "schema", target.schema, target.schema, " (to create the target)"), *source]
    if creates_in == "database":
        why = f" (to create schema {target.schema} for the target)"
        return [Need("CREATE", "database", facts.database, facts.database, why), *source]
    needs = [table_need("INSERT", target.schema, target.table)]
    if deletes(plan, overwrite_mode):
        needs.append(table_need("DELETE", target.schema, target.table))
    else:
        needs.append(table_need(LOCK_NEED, target.schema, target.table, LOCK_WHY))
    if reads_target(plan, overwrite_mode, batched):
        needs.append(table_need("SELECT", target.schema, target.table))
    return [*needs, *source]


def state_needs(view: ClusterView) -> list[Need]:
    """What the state table needs: SELECT and INSERT when it exists, else CREATE where it will be created."""
    name = view.state.name
    if view.state_exists:
        return [table_need("SELECT", name.schema, name.table), table_need("INSERT", name.schema, name.table)]
    if view.state_schema_exists:
        return [Need("CREATE", "schema", name.schema, name.schema)]
    return [Need("CREATE", "database", view.facts.database, view.facts.database)]
