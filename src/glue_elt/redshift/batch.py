"""Executors that run a transaction as one request (the Redshift Data API's ``BatchExecuteStatement``), and the
``ClientToken`` that names such a request once per run id, work key and generation (``client_token``; both steps'
batches use it).

Such a transaction returns nothing until it has ended; what it must check, it checks with a statement that fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from glue_elt.errors import ExecutionError

MAX_REPLAYED_BATCHES = 100
"""Failed batches of earlier processes that one piece of work may be answered with before it gives up (each one moves
the work to the next generation of its ``ClientToken``)."""


@dataclass(frozen=True)
class BatchResult:
    """A committed batch: its statement id and each statement's row count (``-1`` when none was reported);
    ``replayed`` when the service answered the ``client_token`` with a batch created before this executor's first
    statement (an earlier process's)."""

    statement_id: str
    rows: tuple[int, ...]
    replayed: bool = False
    query_ids: tuple[int, ...] = ()
    """Each statement's Redshift query id (``RedshiftQueryId``; 0 when the service gave none)."""
    seconds: tuple[float, ...] = ()
    """Each statement's duration (``Duration``, nanoseconds; 0 when the service gave none)."""
    other_statements: bool = False
    """The batch that answered ran other statements than these (an earlier request of the same token, with other
    session settings or columns): ``rows`` and ``query_ids`` are empty, and the caller reads what it did elsewhere."""


class BatchStatementError(ExecutionError):
    """A batch failed, and rolled back, at statement ``index`` (0-based; ``None`` when not known); ``replayed`` as
    for ``BatchResult``: the failure is an earlier process's, repeated for its ``client_token``. ``aborted``: the
    service reported the batch ABORTED, which does not prove that it rolled back; it has ended now (its session is
    gone), but it may have committed: look the work up before sending anything in its place. ``stopped_by_limit``:
    the failed statement's error was a ``LimitError``. Copies keep every attribute (``errors.with_prefix``)."""

    def __init__(
        self,
        message: str,
        *,
        index: int | None = None,
        transient: bool = False,
        replayed: bool = False,
        aborted: bool = False,
        stopped_by_limit: bool = False,
    ) -> None:
        super().__init__(message, transient=transient)
        self.stopped_by_limit = stopped_by_limit
        self.index = index
        self.replayed = replayed
        self.aborted = aborted


@runtime_checkable
class BatchExecutor(Protocol):
    """An executor whose transactions are single batch requests."""

    def run_batch(
        self, secret_name: str, statements: Sequence[str], client_token: str | None = None, *, autocommit: bool = False
    ) -> BatchResult:
        """Run ``statements`` as one transaction (with ``autocommit``, each on its own: the Data API's
        ``ExecutionMode`` ``AUTO_COMMIT``); the same ``client_token`` never runs twice: sent again, it is answered
        with the batch that token first named, whatever its outcome."""
        ...


def client_token(run_id: str, row_key: str, generation: str) -> str:
    """The batch's ``ClientToken`` (64 characters, the API's maximum). The generation changes only after a batch
    has ended in failure (or, in truncate mode, with every attempt): a lost answer, or a second process of the run
    id, sends the same token and gets the batch the service already has (committed or still running), never a
    second load."""
    return hashlib.sha256(f"{run_id}\0{row_key}\0{generation}".encode()).hexdigest()
