"""Why a row's target or source table is not found, in words a user can act on.

The catalog query of the inspection finds no such table; what is near it (``glue_elt.redshift.nearby``, read only after
a miss) says which of three it is: the database is not there for the user (a data share's database not created on
this cluster), the schema is not (``reporting.regions`` when ``reporting`` is missing: the table is not the problem),
or the table is not, with the closest name in its schema (``sales_mart.targetz``: did you mean
``sales_mart.targets``?). On a server that keeps the case of quoted names, a table of the same name in another case is
named instead (``similar``, as before).
"""

from __future__ import annotations

from glue_elt.redshift.catalog import ClusterFacts, TableKey
from glue_elt.redshift.names import TableName, display_identifier, fold_case
from glue_elt.redshift.nearby import Nearby
from glue_elt.steps.redshift_cross_account_migration.discovery import SHARE_HINT
from glue_elt.steps.redshift_cross_account_migration.layout import shown
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan


def missing_table(
    facts: ClusterFacts,
    found: set[TableKey],
    plan: MigrationPlan,
    nearby: Nearby,
    similar: list[TableKey],
    create: bool,
) -> str | None:
    """Why ``plan`` cannot load for a table the catalog did not list (``found`` holds those it did); ``None`` when
    both exist, or only the target is missing and ``create`` (``--create_missing_targets``) will make it."""
    target, source = facts.key(plan.target), facts.key(plan.source)
    if target not in found and not create:
        return _target_problem(facts, plan.target, target, nearby, similar)
    if source not in found:
        return _source_problem(facts, plan.source, source, nearby, similar)
    return None


def _target_problem(
    facts: ClusterFacts, name: TableName, key: TableKey, nearby: Nearby, similar: list[TableKey]
) -> str:
    create = " (--create_missing_targets true creates it"
    if not nearby.has_schema(key):
        return (
            f"target table {shown(name)} does not exist: schema {display_identifier(key.schema)} does not exist or "
            f"user {facts.user} has no access to it{_schema_hint(nearby, key)}{create} and its schema)"
        )
    return (
        f"target table {shown(name)} does not exist or is not visible to user {facts.user}"
        + (_case_hint(key, similar) or _table_hint(nearby, key, name))
        + f"{create})"
    )


def _source_problem(
    facts: ClusterFacts, name: TableName, key: TableKey, nearby: Nearby, similar: list[TableKey]
) -> str:
    share = SHARE_HINT if key.database != facts.database else ""
    if not nearby.has_database(key):
        return (
            f"source table {shown(name)} does not exist: user {facts.user} sees no schema in database "
            f"{display_identifier(key.database)}{share or SHARE_HINT}"
        )
    if not nearby.has_schema(key):
        schema = f"{display_identifier(key.database)}.{display_identifier(key.schema)}"
        return (
            f"source table {shown(name)} does not exist: schema {schema} does not exist or user {facts.user} has no "
            f"access to it{_schema_hint(nearby, key)}{share}"
        )
    return f"source table {shown(name)} does not exist or user {facts.user} may not read it{SHARE_HINT}" + (
        _case_hint(key, similar) or _table_hint(nearby, key, name)
    )


def _schema_hint(nearby: Nearby, key: TableKey) -> str:
    schema = nearby.closest_schema(key)
    return f" (did you mean schema {display_identifier(schema)}?)" if schema else ""


def _table_hint(nearby: Nearby, key: TableKey, name: TableName) -> str:
    """``(did you mean s.t?)``, the closest table of the schema, written with as many parts as ``name``."""
    table = nearby.closest_table(key)
    if table is None:
        return ""
    parts = [key.schema, table] if name.database is None else [key.database, key.schema, table]
    return f" (did you mean {'.'.join(display_identifier(part) for part in parts)}?)"


def _case_hint(key: TableKey, similar: list[TableKey]) -> str:
    """A hint when the table exists with another case than the name given (the server keeps quoted case)."""
    folded = (key.database, fold_case(key.schema), fold_case(key.table))
    for other in similar:
        if (other.database, fold_case(other.schema), fold_case(other.table)) == folded:
            return f" (the server keeps the case of quoted names; {other} exists)"
    return ""
