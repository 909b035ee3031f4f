"""Driver error classification and messages (no server needed)."""

from __future__ import annotations

import pytest

from glue_elt.executor import describe_db_error, execution_error, is_transient


class InterfaceError(Exception):
    """Same name as redshift_connector's connection-level error."""


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
