"""The Data API pacer: per-operation spacing shared by threads, and busy answers waited out."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

from glue_elt.redshift.data_api.pace import DEFAULT_RATES, QUOTAS_PER_SECOND, Pacer, RateLimiter


class Clock:
    """A clock that stands still until the test moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def error(code: str, status: int = 400) -> ClientError:
    body: Any = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(body, "ExecuteStatement")


def test_calls_at_once_are_spaced_at_the_rate_and_other_operations_do_not_wait() -> None:
    clock, waits = Clock(), list[float]()
    limiter = RateLimiter({"DescribeStatement": 10}, clock=clock, sleep=waits.append)
    assert [limiter.acquire("DescribeStatement") for _ in range(3)] == pytest.approx([0.0, 0.1, 0.2])
    assert limiter.acquire("ExecuteStatement") == 0.0  # no rate: not limited
    clock.now = 1.0  # idle a while: the next call goes at once
    assert limiter.acquire("DescribeStatement") == 0.0
    assert waits == pytest.approx([0.1, 0.2])


def test_threads_share_one_schedule() -> None:
    """64 threads asking at the same instant get 64 distinct slots, one interval apart."""
    clock, waits = Clock(), list[float]()
    limiter = RateLimiter({"DescribeStatement": 80}, clock=clock, sleep=waits.append)
    slots: list[float] = []
    lock = threading.Lock()

    def poll() -> None:
        wait = limiter.acquire("DescribeStatement")
        with lock:
            slots.append(wait)

    threads = [threading.Thread(target=poll) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(slots) == pytest.approx([i / 80 for i in range(64)])


def test_default_rates_stay_under_the_quotas() -> None:
    assert set(DEFAULT_RATES) == set(QUOTAS_PER_SECOND)
    assert all(0 < DEFAULT_RATES[op] < QUOTAS_PER_SECOND[op] for op in QUOTAS_PER_SECOND)


def test_busy_answers_are_waited_out_with_one_client_token() -> None:
    answers: list[Any] = [error("ThrottlingException"), error("InternalServerException", 500), {"Id": "a"}]
    sent: list[dict[str, Any]] = []

    def call(request: dict[str, Any]) -> Any:
        sent.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    waits: list[float] = []
    pacer = Pacer({}, sleep=waits.append)
    assert pacer.send("ExecuteStatement", {"Sql": "x"}, call) == {"Id": "a"}
    assert len(sent) == 3 and len({r["ClientToken"] for r in sent}) == 1 and len(waits) == 2
    assert "ClientToken" not in pacer.send("DescribeStatement", {"Id": "a"}, lambda r: r)


def test_a_refusal_is_not_waited_out() -> None:
    waits: list[float] = []

    def call(request: dict[str, Any]) -> Any:
        raise error("ValidationException")

    with pytest.raises(ClientError):
        Pacer({}, sleep=waits.append).send("ExecuteStatement", {"Sql": "x"}, call)
    assert waits == []
