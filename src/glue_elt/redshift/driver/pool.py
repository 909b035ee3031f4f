"""Thread-safe connection pools, one per secret, that share a budget: a cap on the connections open across them.

A run with many secrets would otherwise keep every secret's connections open to its end: 40 secrets behind a pooler
of 50 server connections stalled the run (issue 31, item 9). The budget bounds the run's total; when it is full, an
idle connection of another pool is closed to make room, so a secret never waits for connections that nobody uses.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


class ConnectionBudget:
    """At most ``limit`` connections open across the pools that share it (one lock for all of them)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a budget needs room for at least one connection")
        self.limit = limit
        self.open = 0
        self.pools: list[ConnectionPool] = []
        self.changed = threading.Condition()

    @property
    def open_count(self) -> int:
        """Connections open (idle, in use or being opened) across the pools."""
        with self.changed:
            return self.open

    def evict_idle(self, wanted_by: ConnectionPool) -> Any | None:
        """An idle connection of another pool, taken out of it and its slot freed (the caller closes it), or
        ``None`` when no other pool has one. Call with ``changed`` held."""
        for pool in self.pools:
            if pool is not wanted_by and pool.idle:
                pool.open -= 1
                self.open -= 1
                return pool.idle.pop(0)  # the longest idle
        return None


class ConnectionPool:
    """Connections for one secret: idle ones are reused; at most ``limit`` are open at once, and no more than the
    ``budget`` it shares with other pools allows (its own by default).

    ``acquire`` blocks while ``limit`` connections are in use, or while the budget is full of connections in use.
    A caller must release a connection before acquiring another from a pool of the same budget (no nesting), or it
    could wait for itself.
    """

    def __init__(self, open_connection: Callable[[], Any], limit: int, budget: ConnectionBudget | None = None) -> None:
        if limit < 1:
            raise ValueError("a pool needs room for at least one connection")
        self._open_connection = open_connection
        self._limit = limit
        self._budget = budget or ConnectionBudget(limit)
        self.idle: list[Any] = []
        self.open = 0
        self._closed = False
        with self._budget.changed:
            self._budget.pools.append(self)

    @property
    def open_count(self) -> int:
        """Connections currently open (idle or in use)."""
        with self._budget.changed:
            return self.open

    def acquire(self) -> Any:
        """An idle connection, or a new one when fewer than ``limit`` are open and the budget has room (made by
        closing another pool's idle connection if need be); waits otherwise."""
        budget = self._budget
        evicted = None
        with budget.changed:
            while not self.idle:
                if self.open < self._limit:
                    if budget.open < budget.limit:
                        break
                    evicted = budget.evict_idle(self)
                    if evicted is not None:
                        break
                budget.changed.wait()
            else:
                return self.idle.pop()
            self.open += 1
            budget.open += 1
        if evicted is not None:
            close_quietly(evicted)
        try:
            return self._open_connection()
        except BaseException:
            self._forget_one()
            raise

    def release(self, connection: Any, *, discard: bool = False) -> None:
        """Give ``connection`` back; a discarded (broken) one, or one of a closed pool, is closed and frees its
        slot."""
        with self._budget.changed:
            if not discard and not self._closed:
                self.idle.append(connection)
                self._budget.changed.notify_all()
                return
        self._forget_one()
        close_quietly(connection)

    def close(self) -> None:
        """Close the idle connections and leave the budget; connections still in use are closed when released."""
        budget = self._budget
        with budget.changed:
            self._closed = True
            idle, self.idle = self.idle, []
            self.open -= len(idle)
            budget.open -= len(idle)
            if self in budget.pools:
                budget.pools.remove(self)
            budget.changed.notify_all()
        for connection in idle:
            close_quietly(connection)

    def _forget_one(self) -> None:
        """One connection fewer is open (closed, or never opened): wake those waiting for its slot."""
        with self._budget.changed:
            self.open -= 1
            self._budget.open -= 1
            self._budget.changed.notify_all()


def close_quietly(connection: Any) -> None:
    """Close ``connection``, ignoring a failure (it is being thrown away)."""
    with contextlib.suppress(Exception):
        connection.close()
