"""ConnectionPool: reuse, the cap on open connections, discarding broken ones."""

from __future__ import annotations

import threading
import time

import pytest

from glue_elt.redshift.driver.pool import ConnectionPool


class FakeConnection:
    """Stands for a driver connection; records whether it was closed."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.closed = False

    def close(self) -> None:
        self.closed = True


def make_pool(limit: int) -> tuple[ConnectionPool, list[FakeConnection]]:
    opened: list[FakeConnection] = []

    def open_connection() -> FakeConnection:
        opened.append(FakeConnection(len(opened)))
        return opened[-1]

    return ConnectionPool(open_connection, limit), opened


def test_idle_connections_are_reused() -> None:
    pool, opened = make_pool(2)
    first = pool.acquire()
    pool.release(first)
    assert pool.acquire() is first and len(opened) == 1


def test_never_more_than_limit_open_at_once() -> None:
    pool, opened = make_pool(3)
    peak, in_use, lock = [0], [0], threading.Lock()

    def worker() -> None:
        for _ in range(20):
            connection = pool.acquire()
            with lock:
                in_use[0] += 1
                peak[0] = max(peak[0], in_use[0])
            time.sleep(0.001)
            with lock:
                in_use[0] -= 1
            pool.release(connection)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == 3 and len(opened) == 3 and pool.open_count == 3


def test_discarded_connection_is_closed_and_frees_its_slot() -> None:
    pool, opened = make_pool(1)
    broken = pool.acquire()
    pool.release(broken, discard=True)
    assert broken.closed and pool.open_count == 0
    assert pool.acquire() is opened[1]


def test_failed_open_frees_its_slot() -> None:
    attempts = []

    def flaky() -> FakeConnection:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionRefusedError("refused")
        return FakeConnection(len(attempts))

    pool = ConnectionPool(flaky, 1)
    with pytest.raises(ConnectionRefusedError):
        pool.acquire()
    assert pool.acquire().number == 2


def test_close_closes_idle_and_later_released_connections() -> None:
    pool, _ = make_pool(2)
    idle, busy = pool.acquire(), pool.acquire()
    pool.release(idle)
    pool.close()
    assert idle.closed and not busy.closed
    pool.release(busy)
    assert busy.closed and pool.open_count == 0
