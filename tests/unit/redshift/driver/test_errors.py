"""Each ``InterfaceError`` text redshift_connector 2.2 raises on the steps' paths (its ``core.py``), read as
transient (a new connection may succeed) or terminal (a set-up mistake no retry changes)."""

from __future__ import annotations

import errno
import socket
import ssl

import pytest
from redshift_connector import InterfaceError, OperationalError

from glue_elt.redshift.driver.errors import is_transient


@pytest.mark.parametrize(
    "error",
    [
        InterfaceError("communication error", ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")),
        InterfaceError("communication error", ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")),
        InterfaceError("communication error", OSError(errno.EHOSTUNREACH, "No route to host")),
        InterfaceError(
            "communication error", socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        ),
        InterfaceError("communication error", ssl.SSLEOFError(8, "EOF occurred in violation of protocol")),
        InterfaceError("communication error", socket.timeout("timed out")),
        InterfaceError(
            "BrokenPipe: server socket closed. Please check that client side networking configurations such as "
            "Proxies, firewalls, VPN, etc. are not affecting your network connection."
        ),
        InterfaceError("connection is closed"),
        OperationalError("connection time out", socket.timeout("timed out")),
        socket.timeout("timed out"),
    ],
)
def test_network_failures_are_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        InterfaceError("Server refuses SSL"),
        InterfaceError("communication error", ssl.SSLCertVerificationError(1, "certificate verify failed")),
        InterfaceError("Authentication method 7 not supported by redshift_connector."),
        InterfaceError("Authentication method 42 not recognized by redshift_connector."),
        InterfaceError("server requesting password authentication, but no password was provided"),
        InterfaceError("server requesting MD5 password authentication, but no password was provided"),
        InterfaceError("The 'user' connection parameter cannot be None"),
        InterfaceError("Only %s and %% are supported in the query."),
        InterfaceError("SSL required but ssl module not available in this Python installation"),
        InterfaceError("Invalid connection property setting. SSL must be enabled when using IAM"),
        InterfaceError("Cursor is missing prepared statement"),
        InterfaceError("Malformed Transaction Id"),
    ],
)
def test_set_up_mistakes_are_terminal(error: Exception) -> None:
    assert not is_transient(error)
