"""Stopping a run: the request, its callbacks, signals, and retries that end with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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


def test_a_second_signal_exits_at_once_even_while_the_first_stop_hangs() -> None:
    script = (
        "import time\n"
        "from glue_elt.core.stopping import StopRequest, handle_signals\n"
        "stop = StopRequest()\n"
        "stop.on_request(lambda: time.sleep(60))  # a cancel that never returns\n"
        "with handle_signals(stop):\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(60)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert process.poll() is None  # the first signal only asks for a stop
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 143
        assert "SIGTERM again: exiting at once" in (process.stderr.read() if process.stderr else "")
