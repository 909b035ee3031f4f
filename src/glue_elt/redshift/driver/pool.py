"""A small thread-safe connection pool: one per secret, reused connections, a hard cap on open ones."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


class ConnectionPool:
    """Connections for one secret: idle ones are reused; at most ``limit`` are open at once.

    ``acquire`` blocks while ``limit`` connections are in use. A caller must release a connection
    before acquiring another from the same pool (no nesting), or it could wait for itself.
    """

    def __init__(self, open_connection: Callable[[], Any], limit: int) -> None:
        if limit < 1:
            raise ValueError("a pool needs room for at least one connection")
        self._open_connection = open_connection
        self._limit = limit
        self._idle: list[Any] = []
        self._open = 0
        self._closed = False
        self._available = threading.Condition()

    @property
    def open_count(self) -> int:
        """Connections currently open (idle or in use)."""
        with self._available:
            return self._open

    def acquire(self) -> Any:
        """An idle connection, or a new one when fewer than ``limit`` are open; waits otherwise."""
        with self._available:
            while not self._idle and self._open >= self._limit:
                self._available.wait()
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            return self._open_connection()
        except BaseException:
            with self._available:
                self._open -= 1
                self._available.notify()
            raise

    def release(self, connection: Any, *, discard: bool = False) -> None:
        """Give ``connection`` back; a discarded (broken) one is closed and frees its slot."""
        with self._available:
            if not discard and not self._closed:
                self._idle.append(connection)
                self._available.notify()
                return
            self._open -= 1
            self._available.notify()
        close_quietly(connection)

    def close(self) -> None:
        """Close the idle connections; connections still in use are closed when released."""
        with self._available:
            self._closed = True
            idle, self._idle = self._idle, []
            self._open -= len(idle)
        for connection in idle:
            close_quietly(connection)


def close_quietly(connection: Any) -> None:
    """Close ``connection``, ignoring a failure (it is being thrown away)."""
    with contextlib.suppress(Exception):
        connection.close()
