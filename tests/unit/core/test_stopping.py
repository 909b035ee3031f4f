"""Stopping a run: the request, its callbacks, signals, and retries that end with it."""

from __future__ import annotations

import contextvars
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from glue_elt.core.retry import RetryPolicy
from glue_elt.core.stopping import StopRequest, handle_signals, refuse_if_stopped, stop_scope
from glue_elt.errors import ExecutionError, StoppedError


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
        "stop.on_request(lambda: (print('stopping', flush=True), time.sleep(60)))  # a cancel that never returns\n"
        "with handle_signals(stop):\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(60)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        process.send_signal(signal.SIGTERM)
        assert process.stdout.readline() == "stopping\n"  # handled (two pending signals would count as one)
        assert process.poll() is None  # the first signal only asks for a stop
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 143
        assert "SIGTERM again: exiting at once" in (process.stderr.read() if process.stderr else "")


def test_only_the_stopped_runs_statements_are_refused_and_workers_see_their_run() -> None:
    stopped, running = StopRequest(), StopRequest()
    stopped.request()
    refuse_if_stopped()  # outside any run: nothing to refuse
    with stop_scope(running):
        refuse_if_stopped()
    with stop_scope(stopped):
        with pytest.raises(StoppedError, match="not sent: the run was stopped"):
            refuse_if_stopped()
        with stop_scope(None):  # recording what committed goes on after the stop
            refuse_if_stopped()
        context = contextvars.copy_context()  # as the migration step hands its context to each worker
        with ThreadPoolExecutor(1) as pool, pytest.raises(StoppedError):
            pool.submit(context.run, refuse_if_stopped).result()
    refuse_if_stopped()  # the scope has ended
