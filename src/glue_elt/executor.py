"""Runs SQL on Redshift through ``redshift_connector``: one connection per secret, reused, closed at the end.

Statements are sent one at a time (the driver's extended protocol takes one per call). ``transaction``
groups statements so they commit together or not at all.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from glue_elt.errors import ExecutionError, GlueELTError, UnreachableError
from glue_elt.pool import ConnectionPool
from glue_elt.redaction import redact
from glue_elt.secrets import RedshiftCredentials, SecretStore

logger = logging.getLogger(__name__)

Row = tuple[Any, ...]
Connector = Callable[[RedshiftCredentials], Any]


def connect_redshift(credentials: RedshiftCredentials) -> Any:
    """Open a ``redshift_connector`` connection (autocommit off) for ``credentials``."""
    import redshift_connector

    return redshift_connector.connect(
        host=credentials.host,
        port=credentials.port,
        database=credentials.database,
        user=credentials.user,
        password=credentials.password,
        ssl=credentials.ssl,
        application_name="glue-elt",
    )


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
NOT_TRANSIENT_SQLSTATES = frozenset({"08P01"})  # protocol violation (PgBouncer reports failed logins so)
TRANSIENT_MARKERS = ("serializable isolation violation", "error: 1023", "connection reset", "broken pipe")
REDSHIFT_SERIALIZABLE_VIOLATION = "1023"
"""Redshift's error number for a serializable isolation violation: sent as SQLSTATE XX000 with ``M`` = ``1023``
and the text in the detail field ``D`` (seen from a real cluster, aws/aws-sdk-pandas#665)."""
CONNECTION_ERROR_NAMES = frozenset({"InterfaceError", "OperationalError"})


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
    if isinstance(error, (ConnectionError, TimeoutError)):
        return True
    text = " ".join(str(arg) for arg in error.args).lower()
    if type(error).__name__ in CONNECTION_ERROR_NAMES:
        return True
    return any(marker in text for marker in TRANSIENT_MARKERS)


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


class Session(Protocol):
    """Statements inside a transaction that an executor manages."""

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run (or, for a batch, add) one statement; return the rows it affected (``-1`` when not known)."""
        ...

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """Run one query and return its rows."""
        ...


class DriverSession:
    """Statements on one open connection, inside the transaction that an executor manages."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement; return the rows it affected (``-1`` when the server reports none)."""
        return int(self._run(sql, params).rowcount)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """Run one query and return its rows (for small catalog results only)."""
        return [tuple(row) for row in self._run(sql, params).fetchall()]

    def _run(self, sql: str, params: Sequence[Any] | None) -> Any:
        logger.debug("SQL: %s", sql)
        try:
            self._cursor.execute(sql, tuple(params) if params else None)
        except Exception as error:
            raise execution_error(error) from None
        return self._cursor


class Executor(Protocol):
    """What steps need from a connection owner: single statements, queries, transactions, and clean-up.

    ``RedshiftExecutor`` is the wire-protocol implementation; tests may pass any object with these methods.
    """

    def execute(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement on its own; return the rows it affected."""
        ...

    def query(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """Run one query on its own and return its rows."""
        ...

    def query_beside(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """``query`` on a connection that no transaction holds, so it may be called inside a ``transaction``
        block (the load's look-up while its transaction holds the target's lock)."""
        ...

    def transaction(self, secret_name: str) -> AbstractContextManager[Session]:
        """A transaction that commits when the block ends and rolls back when it raises."""
        ...

    def close(self) -> None:
        """Close every connection."""
        ...


class RedshiftExecutor:
    """Connection owner: ``execute``, ``query`` and ``transaction`` per secret name, then ``close``.

    Each secret has a pool of reused connections, at most ``max_connections_per_secret`` open at once,
    so up to that many threads can hold transactions on one secret concurrently, and one side connection for
    ``query_beside``.
    """

    def __init__(
        self,
        secrets: SecretStore | None = None,
        connector: Connector = connect_redshift,
        max_connections_per_secret: int = 1,
    ) -> None:
        self._secrets = secrets or SecretStore()
        self._connector = connector
        self._limit = max_connections_per_secret
        self._pools: dict[str, ConnectionPool] = {}
        self._side_pools: dict[str, ConnectionPool] = {}
        self._cursors: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def execute(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement on its own (autocommit: no BEGIN/COMMIT round trips); return rows affected."""
        with self._autocommit(secret_name) as session:
            return session.execute(sql, params)

    def query(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """Run one query on its own (autocommit) and return its rows."""
        with self._autocommit(secret_name) as session:
            return session.query(sql, params)

    def query_beside(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """``query`` on the secret's side connection: one more than ``max_connections_per_secret``, used only for
        such short queries, so a thread that holds a transaction can run one without waiting for itself."""
        with self._autocommit(secret_name, side=True) as session:
            return session.query(sql, params)

    @contextmanager
    def _autocommit(self, secret_name: str, *, side: bool = False) -> Iterator[DriverSession]:
        pool = self._pool(secret_name, side=side)
        connection = pool.acquire()
        discard = False
        connection.autocommit = True
        try:
            yield DriverSession(self._cursor(connection))
        except ExecutionError as error:
            discard = error.transient
            raise
        finally:
            connection.autocommit = False
            pool.release(connection, discard=discard)

    @contextmanager
    def transaction(self, secret_name: str) -> Iterator[DriverSession]:
        """A transaction on one of ``secret_name``'s connections: commit on success, roll back on error.

        Transactions do not nest: finish one before starting another on the same secret.
        """
        pool = self._pool(secret_name)
        connection = pool.acquire()
        discard = False
        try:
            yield DriverSession(self._cursor(connection))
            connection.commit()
        except BaseException as error:
            wrapped = error if isinstance(error, GlueELTError) or not _is_connection_error(error) else None
            failure = wrapped or execution_error(error)
            discard = _rollback_fails(connection) or (isinstance(failure, ExecutionError) and failure.transient)
            if wrapped is not None:
                raise
            raise failure from None
        finally:
            pool.release(connection, discard=discard)

    def close(self) -> None:
        """Close every connection this executor opened."""
        with self._lock:
            pools = [*self._pools.values(), *self._side_pools.values()]
            self._pools, self._side_pools = {}, {}
        for pool in pools:
            pool.close()

    def _cursor(self, connection: Any) -> Any:
        """The connection's one driver cursor, reused for all its statements (a new cursor costs
        more than a round trip); it goes when the connection does."""
        with self._lock:
            cursor = self._cursors.get(connection)
        if cursor is None:
            cursor = connection.cursor()
            with self._lock:
                self._cursors[connection] = cursor
        return cursor

    def _pool(self, secret_name: str, *, side: bool = False) -> ConnectionPool:
        pools, limit = (self._side_pools, 1) if side else (self._pools, self._limit)
        with self._lock:
            if secret_name not in pools:
                pools[secret_name] = ConnectionPool(lambda: self._open(secret_name), limit)
            return pools[secret_name]

    def _open(self, secret_name: str) -> Any:
        """A new connection. Temporary credentials refused at log-in (revoked, or expired early) are asked for anew
        once: another try with the same password could not succeed."""
        credentials = self._secrets.get(secret_name)
        try:
            return self._connector(credentials)
        except Exception as error:
            if not (login_refused(error) and self._secrets.discard_temporary(secret_name, credentials)):
                raise _connect_failure(error, secret_name, credentials) from None
            logger.info(
                "secret %r: %s was refused at log-in; asking for new credentials", secret_name, credentials.user
            )
        credentials = self._secrets.get(secret_name)
        try:
            return self._connector(credentials)
        except Exception as error:
            raise _connect_failure(error, secret_name, credentials) from None


def login_refused(error: BaseException) -> bool:
    """Whether a connection attempt failed because the server refused the user or password: SQLSTATE class 28
    (invalid authorization), or a failed authentication in the message (PgBouncer reports it as 08P01, Redshift's
    IAM logins as ``IAM authentication failed for user ...``)."""
    first = error.args[0] if error.args else None
    if isinstance(first, dict):
        return str(first.get("C", "")).startswith("28") or "authentication failed" in str(first.get("M", "")).lower()
    return "authentication failed" in " ".join(str(arg) for arg in error.args).lower()


def _connect_failure(error: BaseException, secret_name: str, credentials: RedshiftCredentials) -> ExecutionError:
    failure = execution_error(
        error,
        f"could not connect to {credentials.host}:{credentials.port}/{credentials.database} "
        f"as {credentials.user} (secret {secret_name!r}): ",
    )
    if failure.transient:  # the cluster is not there (refused, reset, timed out, restarting)
        return UnreachableError(str(failure), sqlstate=failure.sqlstate)
    return failure


def _rollback_fails(connection: Any) -> bool:
    """Roll back; True when that failed (the connection is then unusable)."""
    try:
        connection.rollback()
    except Exception as error:
        logger.debug("rollback failed: %s", describe_db_error(error))
        return True
    return False


def _is_connection_error(error: BaseException) -> bool:
    return type(error).__module__.startswith("redshift_connector") or isinstance(error, OSError)
