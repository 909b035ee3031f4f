"""What the steps assume of ``redshift_connector`` (the real driver, against the stand-in through PgBouncer): the
keywords ``connect`` takes, that a transaction opens with the driver's own ``begin transaction`` before the first
statement (so a load's ``LOCK`` is the first statement of its transaction), the shape of a server error, and the row
count of an ``INSERT … SELECT``, and what ``max_prepared_statements=0`` changes (no statement kept on the server, none
closed at a ROLLBACK, bound parameters still bound), and that its keepalive options reach the socket. When a driver
upgrade changes one of these, this file fails before a step does."""

from __future__ import annotations

import contextlib
import inspect
import socket

import pytest
import redshift_connector

from glue_elt.redshift.auth.secrets import RedshiftCredentials
from glue_elt.redshift.driver.executor import CONNECT_OPTIONS, connect_redshift
from local_stack import LocalStack
from tests.conftest import Db

KEPT = "SELECT count(*) FROM pg_prepared_statements"
"""The session's named prepared statements (PostgreSQL's view; the stand-in shows what the driver keeps)."""


def test_connect_takes_the_keywords_the_driver_executor_passes() -> None:
    parameters = inspect.signature(redshift_connector.connect).parameters
    assert {"host", "port", "database", "user", "password", "ssl", *CONNECT_OPTIONS} <= set(parameters)


def kept_and_closed_at_rollback(conn: redshift_connector.Connection, texts: int) -> tuple[int, int]:
    """Run ``texts`` distinct one-shot statements with a bound parameter; the statements the server then keeps, and
    those it still keeps after a ROLLBACK."""
    cursor = conn.cursor()
    for number in range(texts):
        cursor.execute(f"SELECT {number} WHERE %s = 1", (1,))
        assert [list(row) for row in cursor.fetchall()] == [[number]]
    cursor.execute(KEPT)
    kept = int(cursor.fetchone()[0])
    conn.rollback()
    cursor.execute(KEPT)
    return kept, int(cursor.fetchone()[0])


def test_the_default_keeps_a_named_statement_per_text_and_closes_each_one_at_a_rollback(stack: LocalStack) -> None:
    """Why ``CONNECT_OPTIONS`` sets ``max_prepared_statements=0``: by default the driver keeps a named statement per
    text on the server and, at a ROLLBACK, closes every one (PostgreSQL keeps them across a rollback: the Close
    messages are the driver's, one round trip each)."""
    with contextlib.closing(stack.etl_connect()) as conn:
        kept, after_rollback = kept_and_closed_at_rollback(conn, 20)
    assert kept >= 20 and after_rollback <= 2  # what was sent since: the count, and the driver's own rollback


def test_the_executor_s_connection_keeps_no_statement_and_still_binds_parameters(stack: LocalStack) -> None:
    ep = stack.endpoints
    credentials = RedshiftCredentials(ep.host, ep.front_door_port, ep.database, ep.etl_user, ep.etl_password, ssl=False)
    with contextlib.closing(connect_redshift(credentials)) as conn:
        assert kept_and_closed_at_rollback(conn, 20) == (0, 0)
        cursor = conn.cursor()
        cursor.execute("SELECT %s || %s, %s + 1", ("a", "b", 41))  # a parameter after a rollback, types as bound
        assert [list(row) for row in cursor.fetchall()] == [["ab", 42]]


def test_a_server_error_carries_its_sqlstate_message_and_detail_in_a_dict(stack: LocalStack) -> None:
    """glue_elt.redshift.driver.errors reads ``args[0]['C']``, ``['M']`` and ``['D']`` (Redshift's error 1023 puts
    its number in ``M`` and its text in ``D``)."""
    with contextlib.closing(stack.etl_connect()) as conn:
        cursor = conn.cursor()
        with pytest.raises(redshift_connector.ProgrammingError) as raised:
            cursor.execute(
                "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'XX000', MESSAGE = '1023', DETAIL = 'd'; END $$"
            )
        conn.rollback()
    fields = raised.value.args[0]
    assert isinstance(fields, dict) and (fields["C"], fields["M"], fields["D"]) == ("XX000", "1023", "d")


def test_a_transaction_opens_with_the_drivers_begin_and_counts_an_insert_select(
    stack: LocalStack, db: Db, schemas: tuple[str, str]
) -> None:
    """With autocommit off the driver sends ``begin transaction`` itself before the first statement: the LOCK that
    opens a load is then the transaction's first statement, as Redshift's snapshot rule needs."""
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.t (id int)")
    with stack.statement_log() as log, contextlib.closing(stack.etl_connect()) as conn:
        assert conn.autocommit is False
        cursor = conn.cursor()
        cursor.execute(f"LOCK {target}.t")
        cursor.execute(f"INSERT INTO {target}.t SELECT g FROM generate_series(1, 3) g")
        assert cursor.rowcount == 3
        conn.commit()
    sent = [str(statement) for statement in log.statements]
    mine = sent[sent.index("begin transaction") :]
    assert mine[:2] == ["begin transaction", f"LOCK {target}.t"] and mine[-1] == "commit", sent


def test_the_executor_s_connection_probes_a_silent_connection_within_a_minute(stack: LocalStack) -> None:
    """A connection waiting on a long statement sends nothing; AWS's NAT gateways drop a flow silent for 350 s.
    The driver's ``tcp_keepalive_*`` options set the socket's own timers (Linux's default first probe: 7,200 s)."""
    ep = stack.endpoints
    credentials = RedshiftCredentials(ep.host, ep.front_door_port, ep.database, ep.etl_user, ep.etl_password, ssl=False)
    with contextlib.closing(connect_redshift(credentials)) as conn:
        sock = conn._usock
        keepalive = sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
        options = (socket.TCP_KEEPIDLE, socket.TCP_KEEPINTVL, socket.TCP_KEEPCNT)
        idle, interval, count = (sock.getsockopt(socket.IPPROTO_TCP, option) for option in options)
    assert keepalive != 0 and idle < 300
    assert [idle, interval, count] == [
        CONNECT_OPTIONS.get(f"tcp_keepalive_{name}") for name in ("idle", "interval", "count")
    ]
