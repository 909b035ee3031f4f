"""A run summary written with the record of the earlier runs of its run id: ``earlier_runs``, oldest first.

A re-run with the same run id (a Glue retry with ``--run_id``, a re-run after a fix) writes its summary to the same
key (``<prefix><run id>/summary.json``). Replacing the document lost what the earlier attempt did: the rows it
loaded, or the script it committed, which the re-run then reports as only ``skipped`` (issue 32, item 4). So the
summary found at that key, when it is the same step's and of the same run id, is kept in the new one's
``earlier_runs`` (its own ``earlier_runs`` before it); the top level is this run, the run id's state after it. A
summary of another run id or step at that key (one key for every run) is replaced, as before.

Reading it needs ``s3:GetObject`` on the summary's key. A caller without ``s3:ListBucket`` gets 403 for a missing key
as for a forbidden one (AmazonS3/latest/API/API_GetObject.html), so a summary that cannot be read is taken as none:
a DEBUG line, and this run's summary is written alone. Runs of one run id that overlap may each miss the other's.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from glue_elt.aws.s3 import S3Store, S3Uri
from glue_elt.errors import GlueELTError

logger = logging.getLogger(__name__)
EARLIER_RUNS = "earlier_runs"


def publish_summary(s3: S3Store, uri: S3Uri, document: dict[str, Any], what: str = "run summary") -> str | None:
    """Write ``document`` (``what`` it is, for the log) to ``uri`` with the earlier runs of its run id found there
    (``with_earlier_runs``); the error's message (logged) when it could not be written, else ``None``."""
    try:
        data = s3.read_if_present(uri, what="earlier run summary")
    except GlueELTError as error:
        logger.debug("%s; the run summary is written without earlier runs", error)
        data = None
    return s3.publish(uri, with_earlier_runs(document, _parsed(data)), what=what)


def with_earlier_runs(document: dict[str, Any], found: Any) -> dict[str, Any]:
    """``document`` with ``earlier_runs``: the runs ``found`` (what the summary's key held) records, then ``found``
    itself without them, when it is a summary of the same step and run id; else none."""
    earlier: list[Any] = []
    if isinstance(found, dict) and _same_run(document, found):
        kept = found.get(EARLIER_RUNS)
        earlier = [*(kept if isinstance(kept, list) else []), {k: v for k, v in found.items() if k != EARLIER_RUNS}]
    return {**document, EARLIER_RUNS: earlier}


def _same_run(document: dict[str, Any], found: dict[str, Any]) -> bool:
    """Both are summaries of one step (the SQL step's name ``sql_path``, the migration step's a ``mode``) and run id."""
    if found.get("run_id") != document.get("run_id"):
        return False
    return ("sql_path" in found, "mode" in found) == ("sql_path" in document, "mode" in document)


def _parsed(data: bytes | None) -> Any:
    """The JSON in ``data``; ``None`` when there is none or it is not JSON (then it is no summary to keep)."""
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None
