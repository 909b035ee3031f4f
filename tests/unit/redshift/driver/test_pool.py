"""ConnectionPool: reuse, the cap on open connections, discarding broken ones."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from glue_elt.redshift.driver.pool import ConnectionBudget, ConnectionPool


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


def make_pools(count: int, limit: int, budget: ConnectionBudget) -> tuple[list[ConnectionPool], list[FakeConnection]]:
    """``count`` pools (one per secret) sharing ``budget``, and the connections they opened, in order."""
    opened: list[FakeConnection] = []

    def open_connection() -> FakeConnection:
        opened.append(FakeConnection(len(opened)))
        return opened[-1]

    return [ConnectionPool(open_connection, limit, budget) for _ in range(count)], opened


def in_thread(action: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    return thread


def test_pools_sharing_a_budget_never_open_more_than_it_in_all() -> None:
    budget = ConnectionBudget(3)
    pools, opened = make_pools(10, 3, budget)
    peak, lock = [0], threading.Lock()

    def worker(number: int) -> None:
        for round_ in range(20):
            pool = pools[(number + round_) % len(pools)]
            connection = pool.acquire()
            with lock:
                peak[0] = max(peak[0], budget.open_count)
            pool.release(connection)

    threads = [in_thread(lambda n=n: worker(n)) for n in range(3)]
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a worker waited forever"
    assert peak[0] <= 3 and budget.open_count <= 3
    assert budget.open_count == sum(pool.open_count for pool in pools)
    assert sum(not c.closed for c in opened) == budget.open_count  # what is not counted was closed


def test_a_full_budget_of_idle_connections_of_other_secrets_makes_room_by_closing_the_longest_idle() -> None:
    budget = ConnectionBudget(2)
    (first, second, third), opened = make_pools(3, 2, budget)
    older, newer = first.acquire(), second.acquire()
    first.release(older)
    second.release(newer)
    got = third.acquire()  # does not wait: nobody uses the two open connections
    assert got is opened[2] and older.closed and not newer.closed
    assert (first.open_count, second.open_count, third.open_count, budget.open_count) == (0, 1, 1, 2)


def test_a_full_budget_of_connections_in_use_waits_for_one_to_be_given_back() -> None:
    budget = ConnectionBudget(1)
    (first, second), _ = make_pools(2, 1, budget)
    held = first.acquire()
    got: list[FakeConnection] = []
    waiter = in_thread(lambda: got.append(second.acquire()))
    waiter.join(0.2)
    assert waiter.is_alive() and not got and budget.open_count == 1
    first.release(held)  # idle now: the waiter closes it and opens its own
    waiter.join(10)
    assert not waiter.is_alive() and held.closed and budget.open_count == 1 and second.open_count == 1


def test_closing_a_pool_frees_its_slots_in_the_budget() -> None:
    budget = ConnectionBudget(2)
    (first, second), _ = make_pools(2, 2, budget)
    idle, busy = first.acquire(), first.acquire()
    first.release(idle)
    first.close()
    assert budget.open_count == 1 and budget.pools == [second]
    first.release(busy)
    assert busy.closed and budget.open_count == 0


def test_a_failed_open_frees_its_slot_in_the_budget() -> None:
    budget = ConnectionBudget(1)

    def refused() -> FakeConnection:
        raise ConnectionRefusedError("refused")

    with pytest.raises(ConnectionRefusedError):
        ConnectionPool(refused, 1, budget).acquire()
    assert budget.open_count == 0
