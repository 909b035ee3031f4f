"""How fast one Data API executor calls the service, and how it waits when the service is busy.

The Data API's request quotas are per account and Region, per second, and not adjustable ("Quotas for Amazon
Redshift Data API", mgmt/amazon-redshift-limits.html, as quoted in jitsucom/jitsu#1462): ``DescribeStatement``
100, ``ExecuteStatement`` 30, ``GetStatementResult`` 20. ``BatchExecuteStatement``'s figure was not found in a
source: 20 is assumed, the lowest of the others (docs/redshift-compatibility.md).
An executor spaces its calls of each operation at ``DEFAULT_SHARE`` of them, shared by all its threads, so the
polling of 64 rows at once costs what one row's would at most (it waits its turn instead of multiplying).

A busy answer (throttling, too many active statements, a 5xx) is waited out, with jittered exponential backoff,
for up to ``BUSY_SECONDS`` in all before it counts as one transient failure: it never uses up a row's
``--max_retries``. A submission resent in that time carries the same ``ClientToken``, so the service answers
with the statement it may already have accepted instead of running it twice.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from glue_elt.aws.errors import refusal
from glue_elt.redshift.data_api.errors import is_busy

logger = logging.getLogger(__name__)
T = TypeVar("T")

QUOTAS_PER_SECOND: Mapping[str, float] = {
    "DescribeStatement": 100,
    "ExecuteStatement": 30,
    "BatchExecuteStatement": 20,
    "GetStatementResult": 20,
}
"""Requests per second per account and Region (see the module docstring; ``BatchExecuteStatement``'s is an
assumption); the whole account shares them."""
DEFAULT_SHARE = 0.8
"""The part of each quota one executor uses by default, leaving room for the account's other callers."""
DEFAULT_RATES: Mapping[str, float] = {
    operation: quota * DEFAULT_SHARE for operation, quota in QUOTAS_PER_SECOND.items()
}
BUSY_SECONDS = 300.0
"""How long busy answers are waited out in all before one is a transient error (a retry of the row)."""
BUSY_FIRST_WAIT, BUSY_MAX_WAIT = 0.1, 2.0
"""Seconds: the first wait at most, doubling, never more than the last (the quotas refill every second)."""
SUBMISSIONS = frozenset({"ExecuteStatement", "BatchExecuteStatement"})


class RateLimiter:
    """Per-operation spacing of calls (at most ``rates[operation]`` per second), shared by every thread.

    Each caller reserves the next free slot and sleeps until it, outside the lock: first come, first served.
    An operation without a rate is not limited."""

    def __init__(
        self,
        rates: Mapping[str, float],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._intervals = {operation: 1.0 / rate for operation, rate in rates.items() if rate > 0}
        self._next: dict[str, float] = {}
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()

    def acquire(self, operation: str) -> float:
        """Wait for ``operation``'s next slot; returns the seconds waited."""
        interval = self._intervals.get(operation)
        if interval is None:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(operation, now))
            self._next[operation] = slot + interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait


class Pacer:
    """Sends an executor's calls at its rates and waits out busy answers (see the module docstring)."""

    def __init__(
        self,
        rates: Mapping[str, float] = DEFAULT_RATES,
        *,
        busy_seconds: float = BUSY_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limiter = RateLimiter(rates, sleep=sleep)
        self.busy_seconds = busy_seconds
        self._sleep = sleep

    def send(self, operation: str, request: Mapping[str, Any], call: Callable[[dict[str, Any]], T]) -> T:
        """``call(request)`` in its turn; busy answers are waited out for up to ``busy_seconds`` in all, after
        which the last one is raised. A submission keeps one ``ClientToken`` through the waits."""
        sent = dict(request)
        if operation in SUBMISSIONS and "ClientToken" not in sent:
            sent["ClientToken"] = str(uuid.uuid4())

        def once() -> T:
            self.limiter.acquire(operation)
            return call(sent)

        def log_wait(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            code = refusal(error)[0] if error is not None else ""
            logger.info("Data API %s busy (%s); trying again in %.1f s", operation, code, wait)

        retrying = Retrying(
            stop=stop_after_delay(self.busy_seconds),
            wait=wait_random_exponential(multiplier=BUSY_FIRST_WAIT, max=BUSY_MAX_WAIT),
            retry=retry_if_exception(is_busy),
            before_sleep=log_wait,
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(once)
