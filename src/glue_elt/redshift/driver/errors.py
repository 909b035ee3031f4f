"""The driver's errors in glue-elt's terms: transient or not, a secret-free message, an ``ExecutionError``.

``redshift_connector`` raises a server's ErrorResponse with its fields (``C`` SQLSTATE, ``M`` message, ``D`` detail)
as a dict in ``args[0]``; a connection failure as its own or the OS's exception. Its ``InterfaceError`` carries both
network failures and set-up mistakes (redshift_connector 2.2 ``core.py``): ``"communication error"`` with the OS's
error as ``args[1]`` (connection refused or reset, unreachable network, a name not resolved, but also a TLS
certificate that fails verification), ``"BrokenPipe: server socket closed ..."`` and ``"connection is closed"`` (a
lost connection); and ``"Server refuses SSL"``, ``"Authentication method N not supported ..."``, ``"... but no password
was provided"``, ``"Only %s and %% are supported in the query."`` and the like, which no retry changes. Only the
first kind is transient (boundary tests in ``tests/boundary/test_redshift_connector.py`` pin the texts).

This module is the driver's one place for that: which errors are the driver's (``is_driver_error``, as dlt's
``is_dbapi_exception``), what each becomes (``execution_error``; ``statement_error`` for a statement, which knows one
the statement timeout stopped; ``translated`` for a transaction; ``connect_failure``, ``UnreachableError`` for a
connection that could not be opened) and which are transient. The executor only calls it.
"""

from __future__ import annotations

import errno
import socket
import ssl

from glue_elt.core.redaction import redact
from glue_elt.errors import ExecutionError, GlueELTError, UnreachableError
from glue_elt.redshift.session import NO_SETTINGS, SessionSettings, rule_abort_error
from glue_elt.redshift.transient import CANCEL_TEXTS, TRANSIENT_MARKERS, WLM_ABORT_TEXTS

TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization failure (Redshift: error 1023, serializable isolation violation)
        "40P01",  # deadlock detected
        "57P01",  # admin shutdown (backend terminated)
        "57P02",  # crash shutdown
        "57P03",  # cannot connect now (server starting)
        "53300",  # too many connections
        "08000",
        "08001",
        "08003",
        "08004",
        "08006",
    }
)
"""SQLSTATEs worth another attempt (the Data API reports none: its errors are judged by their text alone)."""
QUERY_CANCELED = "57014"
"""A statement cancelled (PostgreSQL's code for one stopped by ``statement_timeout``)."""
NOT_TRANSIENT_SQLSTATES = frozenset({"08P01"})  # protocol violation (PgBouncer reports failed logins so)
REDSHIFT_SERIALIZABLE_VIOLATION = "1023"
"""Redshift's error number for a serializable isolation violation: sent as SQLSTATE XX000 with ``M`` = ``1023``
and the text in the detail field ``D`` (seen from a real cluster, aws/aws-sdk-pandas#665)."""

LOST_CONNECTION_TEXTS = ("brokenpipe: server socket closed", "connection is closed", "unable to determine ip")
"""How ``redshift_connector``'s ``InterfaceError`` begins when the connection was lost or the host's address is not
known now (lower case)."""
COMMUNICATION_ERROR = "communication error"
"""The ``InterfaceError`` text whose ``args[1]`` is the OS's error from opening the connection."""
NETWORK_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.ETIMEDOUT, errno.ENETRESET})
"""OS errors (besides ``ConnectionError`` and ``TimeoutError``) that say the network did not carry the connection."""


def is_transient(error: BaseException) -> bool:
    """Whether a driver or socket error is worth retrying on a new connection.

    A server error is judged by its SQLSTATE (and Redshift's error 1023 text); an error without one
    is transient when it is the driver's or the OS's connection failure. The server's message (``M``)
    and detail (``D``) are both read: Redshift puts ``1023`` in the first and the text in the second.
    """
    first = error.args[0] if error.args else None
    if isinstance(first, dict) and first.get("C"):
        code = str(first["C"])
        if str(first.get("M", "")).strip() == REDSHIFT_SERIALIZABLE_VIOLATION:
            return True
        message = f"{first.get('M', '')} {first.get('D', '')}".lower()
        connection_class = code.startswith("08") and code not in NOT_TRANSIENT_SQLSTATES
        return code in TRANSIENT_SQLSTATES or connection_class or any(m in message for m in TRANSIENT_MARKERS)
    if isinstance(error, (ConnectionError, TimeoutError, socket.timeout)):  # socket.timeout: before Python 3.10
        return True
    text = " ".join(str(arg) for arg in error.args).lower()
    if type(error).__name__ == "OperationalError":  # the driver's "connection time out"
        return True
    if type(error).__name__ == "InterfaceError" and _lost_connection(error):
        return True
    return any(marker in text for marker in TRANSIENT_MARKERS)


def _lost_connection(error: BaseException) -> bool:
    """Whether the driver's ``InterfaceError`` is a network failure (see the module docstring), not a set-up
    mistake."""
    first = str(error.args[0]).lower() if error.args else ""
    if first == COMMUNICATION_ERROR and len(error.args) > 1:
        return _network_failure(error.args[1])
    return first.startswith(LOST_CONNECTION_TEXTS)


def _network_failure(cause: object) -> bool:
    """Whether the OS's error says the server could not be reached now: refused, reset, timed out, unreachable, a
    name not resolved, a TLS handshake cut short; not a certificate or TLS protocol mismatch."""
    if isinstance(cause, ssl.SSLError):
        return isinstance(cause, (ssl.SSLEOFError, ssl.SSLZeroReturnError))
    return isinstance(cause, (ConnectionError, TimeoutError, socket.timeout, socket.gaierror)) or (
        isinstance(cause, OSError) and cause.errno in NETWORK_ERRNOS
    )


def is_driver_error(error: BaseException) -> bool:
    """Whether ``error`` is the driver's or the OS's (a socket's), so this module translates it; other errors
    (glue-elt's own, a bug's) pass through as they are."""
    return type(error).__module__.startswith("redshift_connector") or isinstance(error, OSError)


def translated(error: BaseException) -> BaseException:
    """What a failed transaction raises: the driver's or the OS's error as an ``ExecutionError``, anything else (a
    ``GlueELTError`` included) as it is."""
    if isinstance(error, GlueELTError) or not is_driver_error(error):
        return error
    return execution_error(error)


def connect_failure(error: BaseException, prefix: str) -> ExecutionError:
    """The error of a connection that could not be opened: ``UnreachableError`` when it is worth another attempt
    (refused, reset, timed out, the server restarting: the cluster is not there), else an ``ExecutionError`` (a
    refused login, a set-up mistake). ``prefix`` says where to, as whom."""
    failure = execution_error(error, prefix)
    if failure.transient:
        return UnreachableError(str(failure), sqlstate=failure.sqlstate)
    return failure


def statement_error(error: BaseException, settings: SessionSettings = NO_SETTINGS) -> ExecutionError:
    """A failed statement's ``execution_error``; one a WLM query monitoring rule aborted (its words, whatever its
    SQLSTATE) or the run's statement timeout stopped (SQLSTATE 57014, or Redshift's words for it) says so instead,
    never transient (``rule_abort_error``, ``SessionSettings.timeout_error``)."""
    failure = execution_error(error)
    if any(mark in str(failure).lower() for mark in WLM_ABORT_TEXTS):
        return rule_abort_error(failure)
    if settings.statement_timeout_seconds is None:
        return failure
    if failure.sqlstate != QUERY_CANCELED and not any(mark in str(failure).lower() for mark in CANCEL_TEXTS):
        return failure
    return settings.timeout_error(failure)


def execution_error(error: BaseException, prefix: str = "") -> ExecutionError:
    """An ``ExecutionError`` for a driver error: secret-free message, SQLSTATE, transient flag."""
    first = error.args[0] if error.args else None
    sqlstate = str(first["C"]) if isinstance(first, dict) and first.get("C") else None
    return ExecutionError(prefix + describe_db_error(error), transient=is_transient(error), sqlstate=sqlstate)


def describe_db_error(error: BaseException) -> str:
    """A one-line, secret-free message for a driver error (server message and SQLSTATE when known)."""
    first = error.args[0] if error.args else None
    if isinstance(first, dict):
        text = str(first.get("M", "database error"))
        if first.get("D"):
            text += f" ({first['D']})"
        if first.get("C"):
            text += f" [SQLSTATE {first['C']}]"
    else:
        text = " ".join(str(arg) for arg in error.args) or type(error).__name__
    return redact(text)


def login_refused(error: BaseException) -> bool:
    """Whether a connection attempt failed because the server refused the user or password: SQLSTATE class 28
    (invalid authorization), or a failed authentication in the message (PgBouncer reports it as 08P01, Redshift's
    IAM logins as ``IAM authentication failed for user ...``)."""
    first = error.args[0] if error.args else None
    if isinstance(first, dict):
        return str(first.get("C", "")).startswith("28") or "authentication failed" in str(first.get("M", "")).lower()
    return "authentication failed" in " ".join(str(arg) for arg in error.args).lower()
