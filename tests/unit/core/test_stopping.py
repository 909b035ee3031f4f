"""Stopping a run: the request, its callbacks, signals, and retries that end with it."""

from __future__ import annotations

import os
import signal
import time

import pytest

from glue_elt.core.retry import RetryPolicy
from glue_elt.core.stopping import StopRequest, handle_signals
from glue_elt.errors import ExecutionError


def test_a_request_runs_each_callback_once_and_later_ones_at_once() -> None:
    stop, calls = StopRequest(), []
    stop.on_request(lambda: calls.append("first"))
    assert not stop.requested and stop.exit_code is None
    stop.request(signal.SIGTERM)
    stop.request(signal.SIGINT)  # a second request changes nothing
    stop.on_request(lambda: calls.append("late"))
    assert calls == ["first", "late"] and stop.requested and stop.exit_code == 143


def test_a_failing_callback_does_not_hide_the_stop() -> None:
    stop = StopRequest()
    stop.on_request(lambda: (_ for _ in ()).throw(RuntimeError("cannot reach the cluster")))
    stop.request()
    assert stop.requested and stop.exit_code is None  # asked for from code, not by a signal


def test_a_stop_ends_the_retries() -> None:
    stop, attempts = StopRequest(), []

    def attempt() -> None:
        attempts.append(1)
        stop.request()
        raise ExecutionError("terminating connection due to administrator command", transient=True)

    with pytest.raises(ExecutionError):
        RetryPolicy(3, 0.0, stop=stop).call("row", attempt)
    assert len(attempts) == 1


def test_sigterm_asks_for_a_stop_and_the_handlers_are_restored() -> None:
    stop = StopRequest()
    before = signal.getsignal(signal.SIGTERM)
    with handle_signals(stop):
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + 5
        while not stop.requested and time.monotonic() < deadline:
            time.sleep(0.01)
    assert stop.requested and stop.exit_code == 143
    assert signal.getsignal(signal.SIGTERM) is before
