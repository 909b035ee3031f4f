"""How the real ``redshift_connector`` fails to open a connection, and how glue_elt reads each failure
(``glue_elt.redshift.driver.errors``, ``glue_elt.redshift.driver.connect``): a set-up mistake (TLS the server does not
speak, no password) is an ``InterfaceError`` with a text no retry changes; a port nobody listens on, a ``communication
error`` carrying the OS's ``ConnectionRefusedError``; a server that accepts and never answers, a time-out after the
connect's ``timeout``, which the driver would also apply to every statement unless glue_elt lifts it once open.
When a driver upgrade changes one of these, this file fails before a step does."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
import redshift_connector

from glue_elt.redshift.auth.secrets import RedshiftCredentials
from glue_elt.redshift.driver.connect import connect_redshift
from glue_elt.redshift.driver.errors import is_transient
from local_stack import LocalStack, StackEndpoints


def credentials(ep: StackEndpoints, **changes: object) -> RedshiftCredentials:
    fields: dict[str, object] = {
        "host": ep.host, "port": ep.front_door_port, "database": ep.database, "user": ep.etl_user,
        "password": ep.etl_password, "ssl": False,
    }  # fmt: skip
    fields.update(changes)
    return RedshiftCredentials(**fields)  # type: ignore[arg-type]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A TCP port on 127.0.0.1 whose backlog accepts connections (the kernel completes the handshake) and that
    never answers a byte: a cluster behind a black-holing network path, as the client sees it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield int(server.getsockname()[1])


def test_tls_against_a_server_without_it_is_refused_and_terminal(stack: LocalStack) -> None:
    with pytest.raises(redshift_connector.InterfaceError) as raised:
        connect_redshift(credentials(stack.endpoints, ssl=True))
    assert raised.value.args == ("Server refuses SSL",)
    assert not is_transient(raised.value)


def test_no_password_is_refused_and_terminal(stack: LocalStack) -> None:
    """PgBouncer (behind the front door) refuses the log-in (08P01); a server asking for a cleartext or MD5 password makes the driver refuse
    it itself (``InterfaceError``: "... authentication, but no password was provided"): terminal either way."""
    ep = stack.endpoints
    with pytest.raises(redshift_connector.Error) as raised:
        redshift_connector.connect(
            host=ep.host, port=ep.front_door_port, database=ep.database, user=ep.etl_user, password=None, ssl=False
        )
    assert not is_transient(raised.value), repr(raised.value)


def test_a_port_nobody_listens_on_is_a_transient_communication_error(stack: LocalStack) -> None:
    with pytest.raises(redshift_connector.InterfaceError) as raised:
        connect_redshift(credentials(stack.endpoints, port=closed_port()))
    assert raised.value.args[0] == "communication error"
    assert isinstance(raised.value.args[1], ConnectionRefusedError)
    assert is_transient(raised.value)


def test_a_server_that_never_answers_times_out_and_is_transient(stack: LocalStack) -> None:
    """The TCP connect succeeds; the start-up reply never comes: the driver lets its socket's time-out through as
    it is (``socket.timeout``, an alias of ``TimeoutError`` since Python 3.10), not as one of its own errors."""
    with silent_listener() as port, pytest.raises(socket.timeout) as raised:
        connect_redshift(credentials(stack.endpoints, port=port), timeout=1)
    assert is_transient(raised.value)


def test_the_driver_s_timeout_would_end_a_statement_and_connect_redshift_lifts_it(stack: LocalStack) -> None:
    """The driver's ``timeout`` is its socket's for the whole connection (mitdbg/brad#282): a statement longer than
    it fails. ``connect_redshift`` keeps it for opening only."""
    ep = stack.endpoints
    plain = redshift_connector.connect(
        host=ep.host, port=ep.front_door_port, database=ep.database, user=ep.etl_user, password=ep.etl_password,
        ssl=False, timeout=1,
    )  # fmt: skip
    with contextlib.closing(plain), pytest.raises(socket.timeout):
        plain.cursor().execute("SELECT pg_sleep(2)")
    with contextlib.closing(connect_redshift(credentials(ep), timeout=1)) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT pg_sleep(2), 1")
        assert cursor.fetchall()[0][1] == 1
