"""Pure functions that build the migration's SQL from a validated plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from glue_elt.migration.names import Identifier, TableName, quote_identifier
from glue_elt.migration.validation import LoadType, MigrationPlan


class OverwriteMode(StrEnum):
    """How ``overwrite`` empties the target: ``delete`` (atomic, default) or ``truncate`` (fast, not atomic)."""

    DELETE = "delete"
    TRUNCATE = "truncate"


@dataclass(frozen=True)
class Check:
    """A query run first in the row's transaction: if it returns a row, the load fails with ``message``."""

    sql: str
    message: str


@dataclass(frozen=True)
class LoadSql:
    """A row's SQL: an optional TRUNCATE that commits on its own, then one transaction of checks,
    statements (the last one is the insert, whose row count is the row's result) and, with
    ``--verify_counts``, a count of what the insert must copy (``count``, run before it)."""

    truncate: str | None
    statements: tuple[str, ...]
    checks: tuple[Check, ...] = ()
    count: str | None = None

    def preflight(self) -> list[str]:
        """``EXPLAIN`` of every query and statement: the server checks names, columns, types and
        privileges without changing anything. (TRUNCATE cannot be explained.)"""
        queries = [*(check.sql for check in self.checks), *([self.count] if self.count else []), *self.statements]
        return [f"EXPLAIN {query}" for query in queries]

    def all_statements(self) -> list[str]:
        """Every statement in the order it runs (for a dry run's report)."""
        counting = [self.count] if self.count else []
        return [*([self.truncate] if self.truncate else []), *(c.sql for c in self.checks), *counting, *self.statements]


def insert_select(target: TableName, source: TableName, columns: Sequence[Identifier], filter_sql: str | None) -> str:
    """``INSERT INTO target (cols) SELECT cols FROM source [WHERE (filter)]``: columns matched by name."""
    column_list = ", ".join(column.sql() for column in columns)
    sql = f"INSERT INTO {target.sql()} ({column_list}) SELECT {column_list} FROM {source.sql()}"
    return f"{sql} WHERE ({filter_sql})" if filter_sql else sql


def delete_all(target: TableName) -> str:
    """``DELETE FROM target``: empties the table inside the row's transaction."""
    return f"DELETE FROM {target.sql()}"


def truncate(target: TableName) -> str:
    """``TRUNCATE target``: fast, but Redshift commits it at once (not undone if the insert fails)."""
    return f"TRUNCATE {target.sql()}"


def above_watermark(target: TableName, watermark: Identifier) -> str:
    """Source rows newer than the target's newest (all rows while the target has no watermark)."""
    newest = f"(SELECT MAX({watermark.sql()}) FROM {target.sql()})"
    return f"({watermark.sql()} > {newest} OR {newest} IS NULL)"


def source_rows(source: TableName, filter_sql: str | None, columns: str = "COUNT(*)") -> str:
    """``SELECT columns FROM source [WHERE (filter)]``."""
    sql = f"SELECT {columns} FROM {source.sql()}"
    return f"{sql} WHERE ({filter_sql})" if filter_sql else sql


def merge_checks(plan: MigrationPlan) -> tuple[Check, ...]:
    """Upsert guards: duplicate or NULL merge keys in the filtered source fail the row."""
    keys = ", ".join(key.sql() for key in plan.merge_keys)
    any_null = " OR ".join(f"{key.sql()} IS NULL" for key in plan.merge_keys)
    rows = source_rows(plan.source, plan.filter_sql, keys)
    condition = f"({plan.filter_sql}) AND ({any_null})" if plan.filter_sql else any_null
    return (
        Check(f"{rows} GROUP BY {keys} HAVING COUNT(*) > 1 LIMIT 1", "the source has duplicate merge keys"),
        Check(source_rows(plan.source, condition, keys) + " LIMIT 1", "the source has NULL in a merge key"),
    )


def delete_matching(plan: MigrationPlan) -> str:
    """Delete the target rows whose merge keys occur in the filtered source (``WITH ... DELETE ... USING``,
    which Redshift and PostgreSQL both run)."""
    keys = ", ".join(key.sql() for key in plan.merge_keys)
    alias = quote_identifier("glue_elt_source_keys")
    table = quote_identifier(plan.target.table)
    matches = " AND ".join(f"{table}.{key.sql()} = {alias}.{key.sql()}" for key in plan.merge_keys)
    keys_cte = source_rows(plan.source, plan.filter_sql, f"DISTINCT {keys}")
    return f"WITH {alias} AS ({keys_cte}) DELETE FROM {plan.target.sql()} USING {alias} WHERE {matches}"


def load_sql(
    plan: MigrationPlan,
    columns: Sequence[Identifier],
    overwrite_mode: OverwriteMode = OverwriteMode.DELETE,
    *,
    verify_counts: bool = False,
) -> LoadSql:
    """The SQL of one row for its load type, the run's overwrite mode and ``--verify_counts``."""
    condition = plan.filter_sql
    if plan.load_type is LoadType.INCREMENTAL and plan.watermark is not None:
        newer = above_watermark(plan.target, plan.watermark)
        condition = f"({condition}) AND {newer}" if condition else newer
    insert = insert_select(plan.target, plan.source, columns, condition)
    count = source_rows(plan.source, plan.filter_sql) if verify_counts and plan.load_type in COUNTED else None
    if plan.load_type is LoadType.UPSERT:
        return LoadSql(None, (delete_matching(plan), insert), merge_checks(plan))
    if plan.load_type is not LoadType.OVERWRITE:
        return LoadSql(None, (insert,), count=count)
    if overwrite_mode is OverwriteMode.TRUNCATE:
        return LoadSql(truncate(plan.target), (insert,), count=count)
    return LoadSql(None, (delete_all(plan.target), insert), count=count)


COUNTED = (LoadType.APPEND, LoadType.OVERWRITE)
"""Load types whose insert must copy exactly the filtered source (checked by ``--verify_counts``)."""
