"""The run id: Glue's ``--JOB_RUN_ID`` when the job runs in Glue, else a sortable, unique one."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone


def new_run_id() -> str:
    """A sortable, unique run id for runs outside Glue (``YYYYmmddTHHMMSSZ-xxxxxxxx``)."""
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def resolve_run_id(given: str | None) -> str:
    """``given`` (``--JOB_RUN_ID``) when set, else a new run id."""
    return given.strip() if given and given.strip() else new_run_id()
