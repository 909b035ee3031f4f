"""Runs SQL on Redshift through ``redshift_connector``: pooled connections per secret, a cap on them across secrets.

Statements are sent one at a time (the driver's extended protocol takes one per call). ``transaction``
groups statements so they commit together or not at all.

Once the run's stop was requested (``glue_elt.core.stopping``), nothing more is sent: every statement, the set-up
of a new connection and a transaction's COMMIT ask ``refuse_if_stopped`` right before they go, so a connection
idle in the pool when the stop came sends nothing when it is handed out afterwards, and a transaction whose COMMIT
is refused rolls back.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from glue_elt.core.stopping import refuse_if_stopped
from glue_elt.errors import ExecutionError, StoppedError
from glue_elt.redshift.auth.secrets import RedshiftCredentials, SecretStore
from glue_elt.redshift.driver.connect import CONNECT_OPTIONS, CONNECT_TIMEOUT_SECONDS, connect_redshift
from glue_elt.redshift.driver.errors import (
    connect_failure,
    describe_db_error,
    execution_error,
    login_refused,
    statement_error,
    translated,
)
from glue_elt.redshift.driver.pool import ConnectionBudget, ConnectionPool, close_quietly
from glue_elt.redshift.executor import Row
from glue_elt.redshift.session import NO_SETTINGS, SessionSettings
from glue_elt.redshift.sql_secrets import mask_sql
from glue_elt.redshift.tags import tagged

logger = logging.getLogger(__name__)
__all__ = ["CONNECT_OPTIONS", "CONNECT_TIMEOUT_SECONDS", "DriverSession", "RedshiftExecutor", "connect_redshift"]

Connector = Callable[[RedshiftCredentials], Any]
PID_SQL = "SELECT PG_BACKEND_PID()"
TERMINATE_SQL = "SELECT PG_TERMINATE_BACKEND(%s)"
"""Ends a session of the same user (dg/PG_TERMINATE_BACKEND.html): its running statement stops, its transaction
rolls back."""


class DriverSession:
    """Statements on one open connection, inside the transaction that an executor manages."""

    def __init__(self, cursor: Any, settings: SessionSettings = NO_SETTINGS) -> None:
        self._cursor = cursor
        self._settings = settings

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement; return the rows it affected (``-1`` when the server reports none)."""
        return int(self._run(sql, params).rowcount)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """Run one query and return its rows (for small catalog results only)."""
        return [tuple(row) for row in self._run(sql, params).fetchall()]

    def _run(self, sql: str, params: Sequence[Any] | None) -> Any:
        if logger.isEnabledFor(logging.DEBUG):  # secret literals masked, whatever handler the caller installed
            logger.debug("SQL: %s", mask_sql(sql).text)
        refuse_if_stopped()  # after the connection was marked busy: a stop from now on terminates what it sends
        try:
            self._cursor.execute(tagged(sql), tuple(params) if params else None)
        except Exception as error:
            raise statement_error(error, self._settings) from None
        return self._cursor


class RedshiftExecutor:
    """Connection owner: ``execute``, ``query`` and ``transaction`` per secret name, then ``close``.

    Each secret has a pool of reused connections, at most ``max_connections_per_secret`` open at once,
    so up to that many threads can hold transactions on one secret concurrently, and one side connection for
    ``query_beside``. Across secrets, the pools share a budget of ``max_connections_per_secret`` connections (the
    side connections another of the same size): at most ``2 * max_connections_per_secret`` open in all, however many
    secrets there are. An idle connection of another secret is closed when a secret needs the room, and
    ``release_secret`` closes a secret's connections once it is no longer needed.
    """

    def __init__(
        self,
        secrets: SecretStore | None = None,
        connector: Connector = connect_redshift,
        max_connections_per_secret: int = 1,
        session: SessionSettings = NO_SETTINGS,
    ) -> None:
        self._secrets = secrets or SecretStore()
        self._session = session
        self._connector = connector
        self._limit = max_connections_per_secret
        self._pools: dict[str, ConnectionPool] = {}
        self._side_pools: dict[str, ConnectionPool] = {}
        self._budget = ConnectionBudget(max_connections_per_secret)
        self._side_budget = ConnectionBudget(max_connections_per_secret)
        self._cursors: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        self._pids: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
        self._busy: dict[int, tuple[str, Any]] = {}
        self._lock = threading.Lock()

    @property
    def secrets(self) -> SecretStore:
        """The secrets this executor reaches its targets with (each one's ``ConnectionSpec`` says where it is)."""
        return self._secrets

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
        self._mark_busy(secret_name, connection)
        try:
            yield DriverSession(self._cursor(connection), self._session)
        except ExecutionError as error:
            discard = error.transient
            raise
        finally:
            self._mark_idle(connection)
            with contextlib.suppress(Exception):  # a terminated session may refuse even this
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
        self._mark_busy(secret_name, connection)
        try:
            yield DriverSession(self._cursor(connection), self._session)
            refuse_if_stopped()  # a stopped run commits nothing: its transaction rolls back
            connection.commit()
        except BaseException as error:
            failure = translated(error)
            discard = _rollback_fails(connection) or (isinstance(failure, ExecutionError) and failure.transient)
            if failure is error:
                raise
            raise failure from None
        finally:
            self._mark_idle(connection)
            pool.release(connection, discard=discard)

    def cancel_running(self) -> None:
        """End every statement running on this executor's connections: ``PG_TERMINATE_BACKEND`` of each busy
        session, from a fresh connection per secret. Terminating (not cancelling) because Redshift may not cancel
        a query inside a transaction block and advises terminating its session (dg/PG_CANCEL_BACKEND.html); the
        session's transaction rolls back, and the call that was running fails."""
        with self._lock:
            busy = [(secret, self._pids.get(connection)) for secret, connection in self._busy.values()]
        by_secret: dict[str, list[int]] = {}
        for secret, pid in busy:
            if pid is not None:
                by_secret.setdefault(secret, []).append(pid)
        for secret, pids in by_secret.items():
            try:
                connection = self._connector(self._secrets.get(secret))
            except Exception as error:
                logger.warning("secret %r: could not connect to end %d running session(s): %s", secret, len(pids),
                               describe_db_error(error))  # fmt: skip
                continue
            try:
                connection.autocommit = True
                cursor = connection.cursor()
                for pid in pids:
                    cursor.execute(tagged(TERMINATE_SQL), (pid,))
                logger.info("secret %r: ended %d running session(s) on the server", secret, len(pids))
            except Exception as error:
                logger.warning("secret %r: ending running sessions failed: %s", secret, describe_db_error(error))
            finally:
                close_quietly(connection)

    def _mark_busy(self, secret_name: str, connection: Any) -> None:
        with self._lock:
            self._busy[id(connection)] = (secret_name, connection)

    def _mark_idle(self, connection: Any) -> None:
        with self._lock:
            self._busy.pop(id(connection), None)

    @property
    def open_connections(self) -> int:
        """Connections open now (idle, in use or being opened), side connections included, across all secrets."""
        return self._budget.open_count + self._side_budget.open_count

    def release_secret(self, secret_name: str) -> None:
        """Close ``secret_name``'s idle connections (those in use are closed when given back): its work is done.
        A later call for the secret opens new ones."""
        with self._lock:
            pools = [p for p in (self._pools.pop(secret_name, None), self._side_pools.pop(secret_name, None)) if p]
        for pool in pools:
            pool.close()

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
        pools, limit, budget = (
            (self._side_pools, 1, self._side_budget) if side else (self._pools, self._limit, self._budget)
        )
        with self._lock:
            if secret_name not in pools:
                pools[secret_name] = ConnectionPool(lambda: self._open(secret_name), limit, budget)
            return pools[secret_name]

    def _open(self, secret_name: str) -> Any:
        """A new connection, with the run's session settings (``SET query_group``, ``SET statement_timeout``: once
        per connection, not per statement), and its session's process id noted (``PG_BACKEND_PID()``,
        dg/PG_BACKEND_PID.html) so that a stop can end what it runs."""
        refuse_if_stopped()
        connection = self._connect(secret_name)
        try:
            connection.autocommit = True
            cursor = self._cursor(connection)
            for sql in [*self._session.statements(), PID_SQL]:
                refuse_if_stopped()
                cursor.execute(tagged(sql))
            pid = int(cursor.fetchall()[0][0])
            connection.autocommit = False
        except Exception as error:
            failure = (
                error
                if isinstance(error, StoppedError)
                else execution_error(error, f"secret {secret_name!r}: setting up the session failed: ")
            )
            close_quietly(connection)
            raise failure from None
        with self._lock:
            self._pids[connection] = pid
        return connection

    def _connect(self, secret_name: str) -> Any:
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


def _connect_failure(error: BaseException, secret_name: str, credentials: RedshiftCredentials) -> ExecutionError:
    where = f"{credentials.host}:{credentials.port}/{credentials.database} as {credentials.user}"
    return connect_failure(error, f"could not connect to {where} (secret {secret_name!r}): ")


def _rollback_fails(connection: Any) -> bool:
    """Roll back; True when that failed (the connection is then unusable)."""
    try:
        connection.rollback()
    except Exception as error:
        logger.debug("rollback failed: %s", describe_db_error(error))
        return True
    return False
