"""SQL that lays out the data-share simulation: roles, the shared database and its schemas.

The shared database reads string literals as Redshift does: a backslash escapes the next character (``'\\''`` is
one quote, ``'\\\\'`` one backslash; dg/r_QUOTE_LITERAL.html doubles both), which is PostgreSQL with
``standard_conforming_strings`` off (and its warning about it off). See docs/redshift-compatibility.md, "String
literals and functions in a filter".
"""

from __future__ import annotations

import re

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def quote_ident(name: str) -> str:
    """Double-quote a lower-case identifier (so keywords like ``schema`` work); reject anything else."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain lower-case SQL identifier: {name!r}")
    return f'"{name}"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def bootstrap_sql(database: str, share_owner: str, etl_user: str, etl_password: str) -> list[str]:
    """Statements (run as superuser, one per transaction) creating the roles and the shared database."""
    db, owner, etl = quote_ident(database), quote_ident(share_owner), quote_ident(etl_user)
    return [
        f"CREATE ROLE {owner} NOLOGIN",
        f"CREATE ROLE {etl} LOGIN PASSWORD {_literal(etl_password)}",
        f"CREATE DATABASE {db}",
        f"ALTER DATABASE {db} SET standard_conforming_strings = off",
        f"ALTER DATABASE {db} SET escape_string_warning = off",
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC",
        f"GRANT CONNECT, CREATE, TEMPORARY ON DATABASE {db} TO {etl}",
    ]


def source_schema_sql(schema: str, owner: str, reader: str, table_creators: list[str]) -> list[str]:
    """Make ``schema`` owned by ``owner`` and read-only (USAGE + SELECT, now and later) for ``reader``.

    Default privileges are set for each role in ``table_creators`` (tables are owned by whoever
    creates them, so future tables made by the superuser must be covered too).
    """
    name, own, read = quote_ident(schema), quote_ident(owner), quote_ident(reader)
    statements = [
        f"CREATE SCHEMA IF NOT EXISTS {name} AUTHORIZATION {own}",
        f"ALTER SCHEMA {name} OWNER TO {own}",
        f"REVOKE ALL ON SCHEMA {name} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {name} TO {read}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {name} TO {read}",
    ]
    for creator in dict.fromkeys([owner, *table_creators]):
        statements.append(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote_ident(creator)} IN SCHEMA {name} "
            f"GRANT SELECT ON TABLES TO {read}"
        )
    return statements


def target_schema_sql(schema: str, owner: str) -> list[str]:
    """Make ``schema`` exist and be owned by ``owner`` (the migration user)."""
    name, own = quote_ident(schema), quote_ident(owner)
    return [
        f"CREATE SCHEMA IF NOT EXISTS {name} AUTHORIZATION {own}",
        f"ALTER SCHEMA {name} OWNER TO {own}",
    ]
