"""Stopping a run: SIGTERM (a Glue job stopped or timed out), SIGINT (Ctrl-C), or ``step.cancel()`` from code.

Why on the server too: a client that just exits leaves its statements running on the cluster, holding a WLM
slot, locks and billing (apache/airflow#69676 fixed the same for Airflow's Redshift operators). A stop therefore
starts no new row, and asks each executor to end what it has running on the server (the driver terminates its
busy sessions with ``PG_TERMINATE_BACKEND``, the Data API cancels with ``CancelStatement``); the rows they held
roll back and are reported as cancelled, and the run's outputs are written as for any run.

A stop also keeps every statement not yet sent from being sent, in every phase of a run: each executor asks
``refuse_if_stopped`` right before it sends a statement (or takes a connection's COMMIT), and raises
``StoppedError`` when the stop of the run it sends for was requested. Which run that is comes from a context
variable that a step sets around its run (``stop_scope``), as the statements' tags do (``glue_elt.redshift.tags``):
it follows each thread, the migration step hands a copy of its context to each worker, and an executor shared by
several steps (or runs) refuses only the statements of the run that was stopped. A statement sent just before
the stop was seen is one the executor knows as running, and ``cancel_running`` ends it on the server.

``handle_signals`` installs the handlers only in the main thread (Python delivers signals there, and
``signal.signal`` refuses other threads) and restores the previous ones afterwards. The handler only sets the
flag and starts the cancelling in a thread of its own: it must not wait on locks the interrupted code may hold. A
second signal ends the process at once with ``128 + signal`` (``os._exit``).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import FrameType

from glue_elt.errors import StoppedError

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
CANCELLED = "cancelled"
"""The error of a row (or a statement) that a stop ended before it finished."""
NOT_SENT = "not sent: the run was stopped"
"""The message of the ``StoppedError`` an executor raises instead of sending a statement."""


class StopRequest:
    """Whether a run was asked to stop, by which signal, and what to call when it is."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []
        self.signal_number: int | None = None

    @property
    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self._event.is_set()

    def on_request(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when a stop is asked for (at once if it was already)."""
        with self._lock:
            self._callbacks.append(callback)
        if self.requested:
            _call_quietly(callback)

    def request(self, signal_number: int | None = None) -> None:
        """Ask for a stop (once; later requests change nothing) and run the callbacks in this thread."""
        with self._lock:
            if self._event.is_set():
                return
            self.signal_number = signal_number
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            _call_quietly(callback)

    @property
    def exit_code(self) -> int | None:
        """``128 + signal`` after a signal (143 for SIGTERM, 130 for SIGINT), else ``None``."""
        return None if self.signal_number is None else 128 + self.signal_number


_RUN_STOP: ContextVar[StopRequest | None] = ContextVar("glue_elt_run_stop", default=None)


@contextmanager
def stop_scope(stop: StopRequest | None) -> Iterator[None]:
    """The statements sent in this block (in this context, and in copies of it) belong to the run ``stop`` stops;
    ``None`` (for work that must finish even after a stop: recording what has committed) lifts the refusal."""
    token = _RUN_STOP.set(stop)
    try:
        yield
    finally:
        _RUN_STOP.reset(token)


def refuse_if_stopped() -> None:
    """``StoppedError`` when the current run's stop was requested: call it right before sending a statement."""
    stop = _RUN_STOP.get()
    if stop is not None and stop.requested:
        raise StoppedError(NOT_SENT)


def _call_quietly(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception as error:  # a failed cancel must not hide the stop itself
        logger.warning("while stopping: %s", error)


@contextmanager
def handle_signals(stop: StopRequest) -> Iterator[None]:
    """SIGTERM and SIGINT ask ``stop`` for a stop while the block runs (main thread only); a second one exits."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(number: int, frame: FrameType | None) -> None:
        name = signal.Signals(number).name
        if stop.requested:
            os.write(2, f"{name} again: exiting at once\n".encode())
            os._exit(128 + number)
        logger.warning(
            "%s: stopping: no new row or statement starts; running statements are ended on the server "
            "(send it again to exit at once)",
            name,
        )
        threading.Thread(target=stop.request, args=(number,), name="glue-elt-stop", daemon=True).start()

    previous = {number: signal.signal(number, handler) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
