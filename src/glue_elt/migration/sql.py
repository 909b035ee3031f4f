"""Pure functions that build the migration's SQL from a validated plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from glue_elt.migration.names import Identifier, TableName
from glue_elt.migration.validation import LoadType, MigrationPlan


class OverwriteMode(StrEnum):
    """How ``overwrite`` empties the target: ``delete`` (atomic, default) or ``truncate`` (fast, not atomic)."""

    DELETE = "delete"
    TRUNCATE = "truncate"


@dataclass(frozen=True)
class LoadSql:
    """A row's SQL: an optional TRUNCATE that commits on its own, then statements run in one transaction.

    The last statement is the insert, whose row count is the row's result.
    """

    truncate: str | None
    statements: tuple[str, ...]

    def preflight(self) -> list[str]:
        """``EXPLAIN`` of every transactional statement: the server checks names, columns, types and
        privileges without changing anything. (TRUNCATE cannot be explained.)"""
        return [f"EXPLAIN {statement}" for statement in self.statements]


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


def load_sql(
    plan: MigrationPlan, columns: Sequence[Identifier], overwrite_mode: OverwriteMode = OverwriteMode.DELETE
) -> LoadSql:
    """The SQL of one row for its load type and the run's overwrite mode."""
    insert = insert_select(plan.target, plan.source, columns, plan.filter_sql)
    if plan.load_type is not LoadType.OVERWRITE:
        return LoadSql(None, (insert,))
    if overwrite_mode is OverwriteMode.TRUNCATE:
        return LoadSql(truncate(plan.target), (insert,))
    return LoadSql(None, (delete_all(plan.target), insert))
