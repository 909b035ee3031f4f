"""The stand-in database at a chosen isolation level, and loads slowed down so that two runs overlap for sure.

Redshift offers SERIALIZABLE and SNAPSHOT isolation; SNAPSHOT is the default of Serverless and of provisioned
clusters created or restored since 2024-05-22 (dg/c_serial_isolation.html, dg/r_CREATE_DATABASE.html). PostgreSQL's
REPEATABLE READ is snapshot isolation (each transaction reads one snapshot, concurrent writes of the same row
conflict, write skew is not prevented), so the stand-in runs at ``repeatable read`` for SNAPSHOT and at
``serializable`` (which raises 40001 where Redshift raises error 1023) for SERIALIZABLE.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from local_stack import LocalStack
from tests.conftest import Db

SNAPSHOT = "repeatable read"
SERIALIZABLE = "serializable"
ISOLATIONS = (SERIALIZABLE, SNAPSHOT)


@contextlib.contextmanager
def database_isolation(stack: LocalStack, db: Db, level: str) -> Iterator[None]:
    """``shared_db`` at ``level`` for every new session, with PgBouncer's server connections renewed so every
    session has it; the default is restored afterwards."""
    database = stack.endpoints.database
    db.admin(f"ALTER DATABASE {database} SET default_transaction_isolation = '{level}'")
    stack.bouncer_admin(f"RECONNECT {database}")
    try:
        with contextlib.closing(stack.etl_connect()) as conn:
            cursor = conn.cursor()
            cursor.execute("SHOW transaction_isolation")
            assert cursor.fetchall()[0][0] == level
            conn.rollback()
        yield
    finally:
        db.admin(f"ALTER DATABASE {database} RESET default_transaction_isolation")
        stack.bouncer_admin(f"RECONNECT {database}")


def slow_inserts(db: Db, schema: str, table: str, seconds: float = 1.5) -> None:
    """Every INSERT statement into ``schema.table`` sleeps ``seconds`` first (a ``BEFORE INSERT … FOR EACH
    STATEMENT`` trigger, created by the ETL user, the table's owner): two runs started together overlap."""
    db.as_etl(
        f"""CREATE FUNCTION {schema}.slow_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$""",
        f"CREATE TRIGGER slow BEFORE INSERT ON {schema}.{table} FOR EACH STATEMENT EXECUTE FUNCTION {schema}.slow_{table}()",
    )


def slow_rows(db: Db, schema: str, table: str, seconds: float = 0.01) -> None:
    """Every row inserted into ``schema.table`` sleeps ``seconds`` first (a ``BEFORE INSERT … FOR EACH ROW``
    trigger, created by the ETL user): a load of n rows takes about n times ``seconds``, its rows' ``clock_timestamp()``
    spread over that time. (A filter may not call ``pg_sleep``: glue-elt refuses it.)"""
    db.as_etl(
        f"""CREATE FUNCTION {schema}.slow_rows_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep({seconds}); RETURN NEW; END $$""",
        f"CREATE TRIGGER slow_rows BEFORE INSERT ON {schema}.{table} FOR EACH ROW "
        f"EXECUTE FUNCTION {schema}.slow_rows_{table}()",
    )
