"""Waiting for a batch reported ABORTED to end: its session asked about until it is not active, within a limit."""

from __future__ import annotations

import pytest

from glue_elt.errors import ExecutionError
from glue_elt.redshift.data_api.aborted import await_end


def test_a_batch_without_a_session_never_ran_and_is_not_waited_for() -> None:
    asked: list[int] = []
    await_end(lambda pid: asked.append(pid) or 1, {"Id": "b", "RedshiftPid": 0}, lambda s: None, (0.1,))
    assert asked == []


def test_the_session_is_asked_about_with_backoff_until_it_has_ended() -> None:
    answers, sleeps = iter([1, 1, 0]), []
    await_end(lambda pid: next(answers), {"Id": "b", "RedshiftPid": 7}, sleeps.append, (0.1, 0.5))
    assert sleeps == [0.1, 0.5]


def test_a_session_still_active_past_the_limit_fails_the_row_rather_than_sending_it_again() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(ExecutionError, match="session 7 is still active after 2 s") as raised:
        await_end(lambda pid: 1, {"Id": "b", "RedshiftPid": 7}, sleep, (1.0,), limit=2.0, clock=lambda: now[0])
    assert not raised.value.transient
