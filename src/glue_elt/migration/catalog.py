"""Catalog queries on the target cluster, one round trip per schema (information_schema)."""

from __future__ import annotations

from glue_elt.executor import Session

BASE_TABLES_SQL = (
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name"
)
SCHEMA_COLUMNS_SQL = (
    "SELECT table_name, column_name FROM information_schema.columns "
    "WHERE table_schema = %s ORDER BY table_name, ordinal_position"
)


def base_tables(session: Session, schema: str) -> list[str]:
    """Names of the base tables (no views) in ``schema``, sorted."""
    return [str(row[0]) for row in session.query(BASE_TABLES_SQL, [schema])]


def schema_columns(session: Session, schema: str) -> dict[str, list[str]]:
    """Every table of ``schema`` with its columns in table order."""
    columns: dict[str, list[str]] = {}
    for table, column in session.query(SCHEMA_COLUMNS_SQL, [schema]):
        columns.setdefault(str(table), []).append(str(column))
    return columns
