"""Waiting until a batch the Data API reports ABORTED has ended on the cluster, before anything is sent in its place.

``DescribeStatement`` can answer ABORTED for a statement the cluster still runs: a report shows a statement
cancelled through the API while ``STV_INFLIGHT`` still listed it (aws/aws-sdk-js-v3#3056), and ``CancelStatement``
refuses a statement that is not running yet ("To be canceled, a query must be running"). A row that moved on to a
new ``ClientToken`` at once could load a second time beside a first batch that goes on to commit. So the executor
waits until the batch's session (its ``RedshiftPid``) is no longer ``active`` in ``SYS_SESSION_HISTORY``
(dg/SYS_SESSION_HISTORY.html: "active, timed out, and closed"; a user sees their own sessions; a SYS view, so on
provisioned clusters and Serverless alike), asked in a statement of its own, and the caller then looks the row up
in the state table: the batch may have committed all the same.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from glue_elt.errors import ExecutionError

ACTIVE_SESSION = (
    "SELECT COUNT(*) FROM sys_session_history WHERE session_id = %s AND TRIM(status) = 'active' "
    "AND session_id <> PG_BACKEND_PID()"
)
"""Whether a session is still active (not the asking one: on the stand-in a pooled backend can serve both)."""
SETTLE_SECONDS = 900.0
"""How long to wait for a batch reported ABORTED to end before the row fails instead of moving on."""


def await_end(
    active_sessions: Callable[[int], int],
    described: Mapping[str, Any],
    sleep: Callable[[float], None],
    delays: Sequence[float],
    *,
    limit: float = SETTLE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Return once the session of the ``described`` batch is not active (``active_sessions(pid)`` counts it); a
    batch that never had a session (``RedshiftPid`` 0) returns at once. ``ExecutionError`` (terminal) when it is
    still active after ``limit`` seconds: the row must not be sent again while it may run."""
    pid = int(described.get("RedshiftPid") or 0)
    if pid <= 0:
        return
    deadline = clock() + limit
    for attempt in itertools.count():
        if active_sessions(pid) == 0:
            return
        if clock() >= deadline:
            raise ExecutionError(
                f"batch {described.get('Id')} was reported ABORTED, but its session {pid} is still active after "
                f"{limit:.0f} s: the row is not sent again while it may run (look for session {pid} in "
                "SYS_QUERY_HISTORY; a re-run of the run id waits for it)"
            )
        sleep(delays[min(attempt, len(delays) - 1)])
    raise AssertionError("unreachable")  # pragma: no cover (itertools.count never ends)
