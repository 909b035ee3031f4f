"""The stand-in's front door (``local_stack.front_door``) with the real ``redshift_connector`` and psql: each rule
of ``local_stack.redshift_rules`` at the wire, where PgBouncer behind it answers as PostgreSQL does."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import redshift_connector

from glue_elt.redshift.auth.secrets import RedshiftCredentials
from glue_elt.redshift.driver.connect import connect_redshift
from local_stack import StackEndpoints, StackError
from local_stack.postgres import run_psql
from tests.conftest import Db


def server_error(raised: pytest.ExceptionInfo[redshift_connector.ProgrammingError]) -> tuple[str, str]:
    payload = raised.value.args[0]
    return str(payload["C"]), str(payload["M"])


@contextlib.contextmanager
def connected(ep: StackEndpoints, port: int, *, autocommit: bool = True) -> Iterator[Any]:
    """A migration-user connection (the library's options) to ``port``; its cursor."""
    credentials = RedshiftCredentials(ep.host, port, ep.database, ep.etl_user, ep.etl_password, ssl=False)
    connection = connect_redshift(credentials)
    connection.autocommit = autocommit
    try:
        yield connection.cursor()
    finally:
        connection.close()


def psql(ep: StackEndpoints, *commands: str) -> str:
    """psql (the simple protocol) through the front door, one Query per command."""
    args = [arg for command in commands for arg in ("-c", command)]
    return run_psql(ep.host, ep.front_door_port, ep.etl_user, ep.etl_password, ep.database, args)


def test_set_query_group_labels_the_session(endpoints: StackEndpoints) -> None:
    with connected(endpoints, endpoints.front_door_port) as cursor:
        cursor.execute("/* glue-elt migrate run=r */ SET query_group TO 'etl'")
        cursor.execute("SELECT current_setting('application_name')")
        assert cursor.fetchall()[0][0] == "etl"
    with (
        connected(endpoints, endpoints.bouncer_port) as cursor,
        pytest.raises(redshift_connector.ProgrammingError) as raised,
    ):
        cursor.execute("SET query_group TO 'etl'")
    assert server_error(raised)[0] == "42704"  # PostgreSQL's answer, behind the front door
    assert psql(endpoints, "SET query_group TO 'etl'", "SHOW application_name").strip() == "etl"


def test_case_sensitive_identifier_is_off_until_the_session_sets_it(endpoints: StackEndpoints) -> None:
    show = "SHOW enable_case_sensitive_identifier"
    with connected(endpoints, endpoints.front_door_port) as cursor:
        answers = []
        for statement in (
            show,
            "SET enable_case_sensitive_identifier TO on",
            show,
            "RESET enable_case_sensitive_identifier",
            show,
        ):
            cursor.execute(statement)
            if statement == show:
                assert [d[0] for d in cursor.description] == ["enable_case_sensitive_identifier"]
                answers.append(cursor.fetchall()[0][0])
        assert answers == ["off", "on", "off"]
    with connected(endpoints, endpoints.front_door_port) as cursor:
        cursor.execute(show)
        assert cursor.fetchall()[0][0] == "off"  # a session's SET ends with it
    assert psql(endpoints, show).strip() == "off"


def test_a_missing_schema_is_3f000_and_a_missing_table_42p01(
    db: Db, schemas: tuple[str, str], endpoints: StackEndpoints
) -> None:
    _, target = schemas
    with connected(endpoints, endpoints.front_door_port) as cursor:
        with pytest.raises(redshift_connector.ProgrammingError) as raised:
            cursor.execute(f"SELECT * FROM fresh_{target}.migration_state")
        assert server_error(raised) == ("3F000", f'schema "fresh_{target}" does not exist')
        with pytest.raises(redshift_connector.ProgrammingError) as raised:
            cursor.execute(f"SELECT * FROM {target}.missing")
        assert server_error(raised) == ("42P01", f'relation "{target}.missing" does not exist')
    with pytest.raises(StackError, match=f'schema "fresh_{target}" does not exist'):
        psql(endpoints, f"SELECT * FROM fresh_{target}.t")


def test_a_transaction_that_opens_by_reading_the_share_is_refused(
    db: Db, schemas: tuple[str, str], endpoints: StackEndpoints
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t VALUES (1)")
    db.as_etl(f"CREATE TABLE {target}.t (id int)")
    share_read = f'SELECT count(*) FROM "shared_db"."{source}"."t"'
    with connected(endpoints, endpoints.front_door_port, autocommit=False) as cursor:
        connection = cursor._c
        cursor.execute("SET query_group TO 'etl'")  # a setting does not open the transaction
        with pytest.raises(redshift_connector.ProgrammingError) as raised:
            cursor.execute(share_read)
        assert server_error(raised) == ("XX000", "Datashare writes are not authorized")
        with pytest.raises(redshift_connector.ProgrammingError) as raised:
            cursor.execute("SELECT 1")
        assert server_error(raised)[0] == "25P02"  # the transaction failed, as after any error
        connection.rollback()
        cursor.execute(f"LOCK {target}.t")
        cursor.execute(share_read)  # not the first statement: runs
        assert cursor.fetchall()[0][0] == 1
        connection.rollback()
        connection.autocommit = True
        cursor.execute(share_read)  # a transaction of its own
        assert cursor.fetchall()[0][0] == 1
    with connected(endpoints, endpoints.bouncer_port, autocommit=False) as cursor:
        cursor.execute(share_read)  # PostgreSQL has no such rule
    with pytest.raises(StackError, match="Datashare writes are not authorized"):
        psql(endpoints, "BEGIN", share_read)
    assert psql(endpoints, share_read).strip() == "1"
