"""Executors that run a transaction as one request (the Redshift Data API's ``BatchExecuteStatement``).

Such a transaction returns nothing until it has ended; what it must check, it checks with a statement that fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from glue_elt.errors import ExecutionError


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
    other_statements: bool = False
    """The batch that answered ran other statements than these (an earlier request of the same token, with other
    session settings or columns): ``rows`` and ``query_ids`` are empty, and the caller reads what it did elsewhere."""


class BatchStatementError(ExecutionError):
    """A batch failed, and rolled back, at statement ``index`` (0-based; ``None`` when not known); ``replayed`` as
    for ``BatchResult``: the failure is an earlier process's, repeated for its ``client_token``. ``aborted``: the
    service reported the batch ABORTED, which does not prove that it rolled back; it has ended now (its session is
    gone), but it may have committed: look the work up before sending anything in its place."""

    def __init__(
        self,
        message: str,
        *,
        index: int | None,
        transient: bool = False,
        replayed: bool = False,
        aborted: bool = False,
    ) -> None:
        super().__init__(message, transient=transient)
        self.index = index
        self.replayed = replayed
        self.aborted = aborted


@runtime_checkable
class BatchExecutor(Protocol):
    """An executor whose transactions are single batch requests."""

    def run_batch(self, secret_name: str, statements: Sequence[str], client_token: str | None = None) -> BatchResult:
        """Run ``statements`` as one transaction; the same ``client_token`` never runs twice: sent again, it is
        answered with the batch that token first named, whatever its outcome."""
        ...
