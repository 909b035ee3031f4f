"""The driver's errors in glue-elt's terms: each case as a table row, input error -> (class, transient, message,
SQLSTATE), and each ``InterfaceError`` text redshift_connector 2.2 raises on the steps' paths (its ``core.py``) read as
transient (a new connection may succeed) or terminal (a set-up mistake no retry changes)."""

from __future__ import annotations

import errno
import socket
import ssl

import pytest
from redshift_connector import InterfaceError, OperationalError, ProgrammingError

from glue_elt.core.redaction import register_secret
from glue_elt.errors import ExecutionError, LimitError, StoppedError, UnreachableError
from glue_elt.redshift.driver.errors import (
    connect_failure,
    describe_db_error,
    execution_error,
    is_driver_error,
    is_transient,
    login_refused,
    statement_error,
    translated,
)
from glue_elt.redshift.session import NO_SETTINGS, SessionSettings


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


REDSHIFT_1023 = {
    "S": "ERROR",
    "C": "XX000",
    "M": "1023",
    "D": "Serializable isolation violation on table - 119371, transactions forming the cycle are: 1745830, "
    "1745762 (pid:15021)",
    "F": "/home/ec2-user/padb/src/sys/xen_execute.cpp",
    "L": "9797",
    "R": "pg_throw",
}
"""Redshift's payload for error 1023 as a real cluster sent it through redshift_connector (aws/aws-sdk-pandas#665)."""


def server_error(code: str, message: str) -> Exception:
    return Exception({"S": "ERROR", "C": code, "M": message})


@pytest.mark.parametrize(
    "error",
    [
        server_error("40001", "could not serialize access"),
        Exception(REDSHIFT_1023),
        server_error("XX000", "1023 Serializable isolation violation on table - 123"),
        server_error("40P01", "deadlock detected"),
        server_error("57P01", "terminating connection due to administrator command"),
        server_error("08006", "connection failure"),
        ConnectionRefusedError(111, "Connection refused"),
        InterfaceError("communication error", "connection reset by peer"),
        BrokenPipeError(32, "Broken pipe"),
    ],
)
def test_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        server_error("42P01", 'relation "x" does not exist'),
        server_error("42501", "permission denied for table x"),
        server_error("42601", "syntax error at or near"),
        server_error("28P01", 'password authentication failed for user "etl"'),
        server_error("28000", "no pg_hba.conf entry"),
        server_error("08P01", "password authentication failed"),
        server_error("XX000", "internal error 10230"),
        Exception({**REDSHIFT_1023, "M": "1024", "D": "some other internal error"}),
        ValueError("bad value"),
    ],
)
def test_terminal(error: Exception) -> None:
    assert not is_transient(error)


def test_message_has_server_text_detail_and_sqlstate() -> None:
    error = Exception({"C": "23502", "M": 'null value in column "id"', "D": "Failing row contains (null)."})
    assert describe_db_error(error) == 'null value in column "id" (Failing row contains (null).) [SQLSTATE 23502]'
    wrapped = execution_error(error, "row 3: ")
    assert (str(wrapped).startswith("row 3: null value"), wrapped.sqlstate, wrapped.transient) == (True, "23502", False)


@pytest.mark.parametrize(
    ("error", "refused"),
    [
        (server_error("28P01", 'password authentication failed for user "etl"'), True),
        (server_error("28000", 'IAM authentication failed for user "IAMR:job"'), True),
        (server_error("08P01", "password authentication failed"), True),  # PgBouncer's way
        (InterfaceError("communication error", "authentication failed"), True),
        (server_error("08006", "connection failure"), False),
        (server_error("3D000", 'database "x" does not exist'), False),
        (ConnectionRefusedError(111, "Connection refused"), False),
    ],
)
def test_login_refused(error: Exception, refused: bool) -> None:
    assert login_refused(error) is refused


REFUSED = ConnectionRefusedError(111, "Connection refused")
SECRET = "s3cr3t-pa55word"
register_secret(SECRET)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Exception(REDSHIFT_1023), (ExecutionError, True, "1023 (Serializable isolation violation on table - 119371, "
         "transactions forming the cycle are: 1745830, 1745762 (pid:15021)) [SQLSTATE XX000]", "XX000")),
        (server_error("40001", "could not serialize access"),
         (ExecutionError, True, "could not serialize access [SQLSTATE 40001]", "40001")),
        (server_error("42P01", 'relation "x" does not exist'),
         (ExecutionError, False, 'relation "x" does not exist [SQLSTATE 42P01]', "42P01")),
        (Exception({"C": "23502", "M": 'null value in column "id"', "D": "Failing row contains (null)."}),
         (ExecutionError, False, 'null value in column "id" (Failing row contains (null).) [SQLSTATE 23502]', "23502")),
        (Exception({"M": "no code"}), (ExecutionError, False, "no code", None)),
        (Exception({"C": "57014", "M": "canceling statement due to statement timeout"}),
         (ExecutionError, False, "canceling statement due to statement timeout [SQLSTATE 57014]", "57014")),
        (InterfaceError("communication error", REFUSED),
         (ExecutionError, True, "communication error [Errno 111] Connection refused", None)),
        (InterfaceError("connection is closed"), (ExecutionError, True, "connection is closed", None)),
        (InterfaceError("Server refuses SSL"), (ExecutionError, False, "Server refuses SSL", None)),
        (OperationalError("connection time out"), (ExecutionError, True, "connection time out", None)),
        (BrokenPipeError(32, "Broken pipe"), (ExecutionError, True, "32 Broken pipe", None)),
        (server_error("28P01", f"password {SECRET} refused"),
         (ExecutionError, False, "password *** refused [SQLSTATE 28P01]", "28P01")),
        (ValueError("bad value"), (ExecutionError, False, "bad value", None)),
        (Exception(), (ExecutionError, False, "Exception", None)),
    ],
)  # fmt: skip
def test_execution_error(error: Exception, expected: tuple[type[Exception], bool, str, str | None]) -> None:
    failure = execution_error(error, "row 3: ")
    assert (type(failure), failure.transient, str(failure), failure.sqlstate) == (
        expected[0], expected[1], "row 3: " + expected[2], expected[3],
    )  # fmt: skip


AT = "could not connect to h:5439/dev as etl (secret 's'): "


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (REFUSED, (UnreachableError, True, "111 Connection refused", None)),
        (InterfaceError("communication error", REFUSED),
         (UnreachableError, True, "communication error [Errno 111] Connection refused", None)),
        (server_error("57P03", "the database system is starting up"),
         (UnreachableError, True, "the database system is starting up [SQLSTATE 57P03]", "57P03")),
        (server_error("53300", "too many connections"),
         (UnreachableError, True, "too many connections [SQLSTATE 53300]", "53300")),
        (server_error("28P01", 'password authentication failed for user "etl"'),
         (ExecutionError, False, 'password authentication failed for user "etl" [SQLSTATE 28P01]', "28P01")),
        (server_error("08P01", "password authentication failed"),
         (ExecutionError, False, "password authentication failed [SQLSTATE 08P01]", "08P01")),
        (server_error("3D000", 'database "dev" does not exist'),
         (ExecutionError, False, 'database "dev" does not exist [SQLSTATE 3D000]', "3D000")),
        (InterfaceError("communication error", ssl.SSLCertVerificationError(1, "certificate verify failed")),
         (ExecutionError, False, "communication error certificate verify failed", None)),
    ],
)  # fmt: skip
def test_connect_failure(error: Exception, expected: tuple[type[Exception], bool, str, str | None]) -> None:
    failure = connect_failure(error, AT)
    assert (type(failure), failure.transient, str(failure), failure.sqlstate) == (
        expected[0], expected[1], AT + expected[2], expected[3],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (InterfaceError("connection is closed"), (ExecutionError, True, "connection is closed")),
        (ProgrammingError({"C": "40P01", "M": "deadlock detected"}),
         (ExecutionError, True, "deadlock detected [SQLSTATE 40P01]")),
        (REFUSED, (ExecutionError, True, "111 Connection refused")),
        (socket.timeout("timed out"), (ExecutionError, True, "timed out")),
    ],
)  # fmt: skip
def test_a_failed_transactions_driver_error_is_translated(
    error: Exception, expected: tuple[type[Exception], bool, str]
) -> None:
    failure = translated(error)
    assert isinstance(failure, ExecutionError)
    assert (type(failure), failure.transient, str(failure)) == expected


@pytest.mark.parametrize(
    "error",
    [ExecutionError("x", transient=True), StoppedError("stopped"), UnreachableError("x"), ValueError("a bug"),
     KeyboardInterrupt(), server_error("40P01", "not the driver's")],
)  # fmt: skip
def test_a_failed_transactions_other_errors_pass_as_they_are(error: BaseException) -> None:
    assert translated(error) is error


@pytest.mark.parametrize(
    ("error", "driver"),
    [(InterfaceError("x"), True), (OperationalError("x"), True), (REFUSED, True), (socket.timeout("t"), True),
     (ValueError("x"), False), (ExecutionError("x"), False)],
)  # fmt: skip
def test_is_driver_error(error: Exception, driver: bool) -> None:
    assert is_driver_error(error) is driver


TIMEOUT = SessionSettings(statement_timeout_seconds=30)
STOPPED = (
    "the statement ran longer than --statement_timeout_seconds 30 (Redshift's statement_timeout) and was stopped: "
)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ProgrammingError({"C": "XX000", "M": "Query (150) canceled on user's request"}),  # dg/r_statement_timeout.html
         (LimitError, False, STOPPED + "Query (150) canceled on user's request [SQLSTATE XX000]")),
        (ProgrammingError({"C": "57014", "M": "canceling statement due to statement timeout"}),  # PostgreSQL
         (LimitError, False, STOPPED + "canceling statement due to statement timeout [SQLSTATE 57014]")),
        (ProgrammingError({"C": "57014", "M": "canceling statement due to user request"}),
         (LimitError, False, STOPPED + "canceling statement due to user request [SQLSTATE 57014]")),
        (ProgrammingError({"C": "42P01", "M": "relation x does not exist"}),
         (ExecutionError, False, "relation x does not exist [SQLSTATE 42P01]")),
        (Exception(REDSHIFT_1023), (ExecutionError, True, "1023 (Serializable isolation violation on table - 119371, "
         "transactions forming the cycle are: 1745830, 1745762 (pid:15021)) [SQLSTATE XX000]")),
    ],
)  # fmt: skip
def test_a_statement_stopped_by_the_timeout_says_so(
    error: Exception, expected: tuple[type[Exception], bool, str]
) -> None:
    failure = statement_error(error, TIMEOUT)
    assert (type(failure), failure.transient, str(failure)) == expected
    untimed = statement_error(error, NO_SETTINGS)
    assert str(untimed) == str(execution_error(error)) and untimed.transient == is_transient(error)


QMR_ABORT = 'Query (500029) cancelled by WLM abort action of Query Monitoring Rule "testrule".'
"""A query monitoring rule's abort, in the words AWS's Knowledge Center quotes ("Why was my Amazon Redshift query
aborted?"); its SQLSTATE is not published: 57014 (a cancel) and XX000 (Redshift's generic code) both tried."""
ABORTED_BY_RULE = (
    "a WLM query monitoring rule of the cluster aborted the statement (another attempt would meet it again): "
)


@pytest.mark.parametrize("code", ["57014", "XX000"])
@pytest.mark.parametrize("settings", [TIMEOUT, NO_SETTINGS])
def test_a_statement_a_wlm_rule_aborted_says_so_never_the_timeout(code: str, settings: SessionSettings) -> None:
    failure = statement_error(ProgrammingError({"C": code, "M": QMR_ABORT}), settings)
    assert (type(failure), failure.transient, failure.sqlstate) == (LimitError, False, code)
    assert str(failure) == f"{ABORTED_BY_RULE}{QMR_ABORT} [SQLSTATE {code}]"
