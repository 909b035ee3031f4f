"""Driver error classification and messages, the one new try after refused temporary credentials, and what a
stopped run still sends (no server needed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest

from glue_elt.core.stopping import StopRequest, stop_scope
from glue_elt.errors import ExecutionError, StoppedError
from glue_elt.redshift.auth.secrets import RedshiftCredentials, SecretStore
from glue_elt.redshift.driver.errors import describe_db_error, execution_error, is_transient, login_refused
from glue_elt.redshift.driver.executor import PID_SQL, RedshiftExecutor


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


class FakeSecrets:
    """``get`` hands out credentials numbered by call; ``discard_temporary`` answers ``temporary``."""

    def __init__(self, temporary: bool) -> None:
        self.temporary = temporary
        self.gets = 0
        self.discarded: list[str] = []

    def get(self, secret_name: str) -> RedshiftCredentials:
        self.gets += 1
        return RedshiftCredentials("h", 5439, "dev", "IAM:etl", f"password-{self.gets}")

    def discard_temporary(self, secret_name: str, refused: RedshiftCredentials) -> bool:
        self.discarded.append(refused.password)
        return self.temporary


def refusing(times: int, error: Exception) -> Callable[[RedshiftCredentials], Any]:
    """A connector that raises ``error`` for its first ``times`` calls, then connects (answers the password)."""
    calls: list[str] = []

    def connect(credentials: RedshiftCredentials) -> Any:
        calls.append(credentials.password)
        if len(calls) <= times:
            raise error
        return FakeConnection(credentials.password)

    return connect


class FakeConnection:
    def __init__(self, password: str) -> None:
        self.password = password
        self.autocommit = False

    def cursor(self) -> Any:
        return self

    def execute(self, sql: str, params: Any = None) -> None:
        self.rowcount = 1
        self.last = sql

    def fetchall(self) -> list[tuple[Any]]:
        if self.last.endswith(PID_SQL):  # the session's process id, asked for once per connection
            return [(4242,)]
        return [(self.password,)]

    def close(self) -> None:
        pass


REFUSED = server_error("08P01", "password authentication failed")


def test_refused_temporary_credentials_are_asked_for_again_once() -> None:
    secrets = FakeSecrets(temporary=True)
    executor = RedshiftExecutor(cast(SecretStore, secrets), connector=refusing(1, REFUSED))
    assert executor.query("s", "select 1") == [("password-2",)]
    assert (secrets.gets, secrets.discarded) == (2, ["password-1"])
    executor.close()
    executor = RedshiftExecutor(cast(SecretStore, FakeSecrets(temporary=True)), connector=refusing(2, REFUSED))
    with pytest.raises(ExecutionError, match=r"as IAM:etl \(secret 's'\): password authentication failed"):
        executor.query("s", "select 1")


@pytest.mark.parametrize(
    ("temporary", "error"),
    [(False, REFUSED), (True, server_error("3D000", 'database "dev" does not exist'))],
    ids=["stored_password", "not_a_refusal"],
)
def test_nothing_is_asked_for_again_otherwise(temporary: bool, error: Exception) -> None:
    secrets = FakeSecrets(temporary=temporary)
    executor = RedshiftExecutor(cast(SecretStore, secrets), connector=refusing(1, error))
    with pytest.raises(ExecutionError, match="could not connect to h:5439/dev as IAM:etl"):
        executor.query("s", "select 1")
    assert secrets.gets == 1


class RecordingConnection(FakeConnection):
    """Records what it sends: statements, COMMIT and ROLLBACK (only inside a transaction, as the driver does)."""

    def __init__(self, sent: list[str]) -> None:
        super().__init__("p")
        self.sent = sent

        self.in_transaction = False

    def execute(self, sql: str, params: Any = None) -> None:
        self.sent.append(sql.split(" */ ")[-1])
        self.in_transaction = not self.autocommit
        super().execute(sql, params)

    def commit(self) -> None:
        self.sent.append("commit")
        self.in_transaction = False

    def rollback(self) -> None:  # as redshift_connector's: nothing is sent outside a transaction
        if self.in_transaction:
            self.sent.append("rollback")
        self.in_transaction = False


def test_a_stopped_run_sends_nothing_on_a_connection_taken_from_the_pool_after_the_stop() -> None:
    sent: list[str] = []
    executor = RedshiftExecutor(
        cast(SecretStore, FakeSecrets(temporary=False)), connector=lambda _: RecordingConnection(sent)
    )
    stop = StopRequest()
    with stop_scope(stop):
        executor.query("s", "select 1")  # the connection is idle in the pool when the stop comes
        assert sent == [PID_SQL, "select 1"]
        stop.request()
        with pytest.raises(StoppedError):
            executor.execute("s", "insert into t values (1)")
        with pytest.raises(StoppedError), executor.transaction("s") as session:
            session.execute("insert into t values (2)")
        with pytest.raises(StoppedError):
            executor.query("other", "select 2")  # a new connection is not even opened
    assert sent == [PID_SQL, "select 1"]


def test_a_transaction_of_a_stopped_run_rolls_back_instead_of_committing() -> None:
    sent: list[str] = []
    executor = RedshiftExecutor(
        cast(SecretStore, FakeSecrets(temporary=False)), connector=lambda _: RecordingConnection(sent)
    )
    stop = StopRequest()
    with stop_scope(stop), pytest.raises(StoppedError), executor.transaction("s") as session:
        session.execute("insert into t values (1)")
        stop.request()  # all statements were sent: the COMMIT is the one not sent yet
    assert sent == [PID_SQL, "insert into t values (1)", "rollback"]
