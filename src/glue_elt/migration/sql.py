"""Pure functions that build the migration's SQL from a validated plan."""

from __future__ import annotations

from collections.abc import Sequence

from glue_elt.migration.names import Identifier, TableName
from glue_elt.migration.validation import LoadType, MigrationPlan


def insert_select(target: TableName, source: TableName, columns: Sequence[Identifier], filter_sql: str | None) -> str:
    """``INSERT INTO target (cols) SELECT cols FROM source [WHERE (filter)]``: columns matched by name."""
    column_list = ", ".join(column.sql() for column in columns)
    sql = f"INSERT INTO {target.sql()} ({column_list}) SELECT {column_list} FROM {source.sql()}"
    return f"{sql} WHERE ({filter_sql})" if filter_sql else sql


def delete_all(target: TableName) -> str:
    """``DELETE FROM target``: empties the table inside the row's transaction (unlike TRUNCATE)."""
    return f"DELETE FROM {target.sql()}"


def load_statements(plan: MigrationPlan, columns: Sequence[Identifier]) -> list[str]:
    """The statements of one row, to run in order in one transaction; the last one is the insert."""
    insert = insert_select(plan.target, plan.source, columns, plan.filter_sql)
    if plan.load_type is LoadType.OVERWRITE:
        return [delete_all(plan.target), insert]
    return [insert]
