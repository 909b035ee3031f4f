"""The retry policy every step uses: transient errors only, exponential backoff with jitter (tenacity)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential, wait_random

from glue_elt.core.stopping import StopRequest
from glue_elt.errors import ExecutionError

logger = logging.getLogger(__name__)
T = TypeVar("T")
MAX_RETRY_WAIT_SECONDS = 60.0


def is_retryable(error: BaseException) -> bool:
    """Transient execution errors are retried; everything else fails at once."""
    return isinstance(error, ExecutionError) and error.transient


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` retries after the first attempt; the first wait is ``wait_seconds``, doubling each time
    (at most a minute), plus random jitter of up to ``wait_seconds``."""

    max_retries: int = 3
    wait_seconds: float = 1.0
    stop: StopRequest | None = field(default=None, compare=False)
    """A stop asked for ends the retrying: the error of the attempt it interrupted is raised."""

    def call(self, label: str, action: Callable[[], T]) -> T:
        """``action()``, retried on transient errors; each retry is logged as a warning naming ``label``."""

        def log_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            logger.warning(
                "%s: transient error (%s); retry %d/%d in %.1f s",
                label, error, state.attempt_number, self.max_retries, wait,
            )  # fmt: skip

        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=wait_exponential(multiplier=self.wait_seconds, max=MAX_RETRY_WAIT_SECONDS)
            + wait_random(0, self.wait_seconds),
            retry=retry_if_exception(lambda error: is_retryable(error) and not self._stopping()),
            before_sleep=log_retry,
            reraise=True,
        )
        return retrying(action)

    def _stopping(self) -> bool:
        return self.stop is not None and self.stop.requested
