"""Rows in flight, told as they run: a log line when a row's load starts, one every ``--heartbeat_seconds`` while it
runs, and (on a terminal) the progress bar's list of the tables loading now.

In AWS Glue's log (CloudWatch, not a terminal: no progress bar) a run said nothing between its pre-flight and the end
of its first row, so a 20-minute load looked like a hung job, and which table it was stuck on could only be guessed.
So each row logs ``<target> (line n) <load type>: started (secret <name>)`` as its load begins and, for as long as it
runs, ``... : running for 20 min 0 s`` every ``--heartbeat_seconds`` (60 by default; 0 turns the heartbeat off),
from a timer thread of its own that the row's end stops and joins: a finished row says nothing more.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from glue_elt.steps.redshift_cross_account_migration.runner import PreparedRow

logger = logging.getLogger(__name__)
THREAD_NAME = "glue-elt-heartbeat"


def elapsed_text(seconds: float) -> str:
    """``45 s``, ``2 min 5 s``, ``1 h 3 min``: the time a row has run, as a log line says it."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


class InFlight:
    """The rows loading now: each start logged, a heartbeat per row every ``interval`` seconds (``None`` or 0: none),
    and ``show`` told the labels in flight whenever they change (the progress bar's list)."""

    def __init__(self, interval: float | None, show: Callable[[Sequence[str]], None] | None = None) -> None:
        self._interval = interval if interval and interval > 0 else None
        self._show = show or (lambda labels: None)
        self._running: dict[int, str] = {}
        self._lock = threading.Lock()
        self._next = 0

    @contextlib.contextmanager
    def running(self, prepared: PreparedRow) -> Iterator[None]:
        """Around one row's load: its start line, its heartbeats while it runs, and its place in the list."""
        row = prepared.row
        what = f"{row.label} {prepared.plan.load_type.value}"
        logger.info("%s: started (secret %s)", what, row.secret_name)
        with self._lock:
            key, self._next = self._next, self._next + 1
            self._running[key] = row.target_table
            self._show(list(self._running.values()))
        stop = threading.Event()
        beating = None
        if self._interval is not None:
            beating = threading.Thread(
                target=self._beat, args=(what, stop, time.monotonic()), name=THREAD_NAME, daemon=True
            )
            beating.start()
        try:
            yield
        finally:
            stop.set()
            if beating is not None:
                beating.join()
            with self._lock:
                del self._running[key]
                self._show(list(self._running.values()))

    def _beat(self, what: str, stop: threading.Event, started: float) -> None:
        assert self._interval is not None
        while not stop.wait(self._interval):
            logger.info("%s: running for %s", what, elapsed_text(time.monotonic() - started))
