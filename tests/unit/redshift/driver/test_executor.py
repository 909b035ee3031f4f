"""The one new try after refused temporary credentials, and what a stopped run still sends (no server needed); the
driver's error translation is in ``test_errors.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest

from glue_elt.core.stopping import StopRequest, stop_scope
from glue_elt.errors import ExecutionError, StoppedError
from glue_elt.redshift.auth.secrets import RedshiftCredentials, SecretStore
from glue_elt.redshift.driver.executor import PID_SQL, RedshiftExecutor


def server_error(code: str, message: str) -> Exception:
    return Exception({"S": "ERROR", "C": code, "M": message})


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


class Transactional(FakeConnection):
    """A fake connection that takes transactions and notes when it is closed (in ``closed``)."""

    def __init__(self, password: str, closed: list[FakeConnection]) -> None:
        super().__init__(password)
        self._closed = closed

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        self._closed.append(self)


def test_many_secrets_share_the_cap_on_connections_and_a_released_secret_closes_its_own() -> None:
    opened: list[FakeConnection] = []
    closed: list[FakeConnection] = []

    def connect(credentials: RedshiftCredentials) -> Any:
        opened.append(Transactional(credentials.password, closed))
        return opened[-1]

    executor = RedshiftExecutor(cast(SecretStore, FakeSecrets(False)), connect, max_connections_per_secret=2)
    for number in range(40):
        secret = f"secret-{number}"
        with executor.transaction(secret) as session:
            session.execute("INSERT 1")
            executor.query_beside(secret, "SELECT 1")
        assert executor.open_connections <= 2 + 2  # the loads' two, and as many look-up connections
    assert len(opened) == 80 and len(closed) == 80 - 4  # each new secret closed another's idle connections
    executor.release_secret("secret-39")
    assert executor.open_connections == 2 and len(closed) == 78
    executor.close()
    assert executor.open_connections == 0 and len(closed) == 80
