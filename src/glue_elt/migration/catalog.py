"""Catalog queries on the target cluster, one round trip per schema (information_schema)."""

from __future__ import annotations

from collections.abc import Collection

from glue_elt.executor import RedshiftExecutor

BASE_TABLES_SQL = (
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name"
)
SCHEMA_COLUMNS_SQL = (
    "SELECT table_name, column_name FROM information_schema.columns "
    "WHERE table_schema = %s ORDER BY table_name, ordinal_position"
)


def base_tables(executor: RedshiftExecutor, secret_name: str, schema: str) -> list[str]:
    """Names of the base tables (no views) in ``schema``, sorted."""
    return [str(row[0]) for row in executor.query(secret_name, BASE_TABLES_SQL, [schema])]


def schema_columns(
    executor: RedshiftExecutor, secret_name: str, schema: str, tables: Collection[str] | None = None
) -> dict[str, list[str]]:
    """Tables of ``schema`` (all, or just ``tables``) with their columns in table order; one query."""
    sql, params = SCHEMA_COLUMNS_SQL, [schema]
    if tables is not None:
        names = sorted(tables)
        sql = sql.replace(" ORDER BY", f" AND table_name IN ({', '.join(['%s'] * len(names))}) ORDER BY")
        params += names
    columns: dict[str, list[str]] = {}
    for table, column in executor.query(secret_name, sql, params):
        columns.setdefault(str(table), []).append(str(column))
    return columns
