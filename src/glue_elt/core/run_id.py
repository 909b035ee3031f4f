"""The run id: Glue's ``--JOB_RUN_ID`` when the job runs in Glue, else a sortable, unique one."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone


def new_run_id() -> str:
    """A sortable, unique run id for runs outside Glue (``YYYYmmddTHHMMSSZ-xxxxxxxx``)."""
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def resolve_run_id(*given: str | None) -> str:
    """The first of ``given`` that is set (``--run_id``, then ``--JOB_RUN_ID``), else a new run id.

    AWS Glue gives every job run, a retry included, an id of its own (``JobRun.Id``; a retry names the run it
    repeats in ``PreviousRunId``), so ``--JOB_RUN_ID`` alone cannot join a retry to the run it repeats; a
    ``--run_id`` passed with the run's arguments can, since Glue passes the same arguments to the retry."""
    for value in given:
        if value and value.strip():
            return value.strip()
    return new_run_id()
