"""Requests per second as the local API server receives them: what a client's pacing really sends (boto3's own
retries included), to compare with the Data API's per-second quotas (``glue_elt.redshift.data_api.pace``)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any


class RequestMeter:
    """Counts calls by operation and by whole second of arrival."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seconds: dict[int, Counter[str]] = {}

    def count(self, operation: str) -> None:
        """One call of ``operation``, now."""
        second = int(self._clock())
        with self._lock:
            self._seconds.setdefault(second, Counter())[operation] += 1

    def reset(self) -> None:
        """Start counting again."""
        with self._lock:
            self._seconds = {}

    def report(self) -> dict[str, Any]:
        """``total`` and ``peak_per_second`` by operation, and ``peak_all_per_second`` (the busiest second's
        calls of every operation together)."""
        with self._lock:
            seconds = list(self._seconds.values())
        total: Counter[str] = Counter()
        peak: dict[str, int] = {}
        for counts in seconds:
            total.update(counts)
            for operation, number in counts.items():
                peak[operation] = max(peak.get(operation, 0), number)
        busiest = max((sum(counts.values()) for counts in seconds), default=0)
        return {"total": dict(total), "peak_per_second": peak, "peak_all_per_second": busiest}
