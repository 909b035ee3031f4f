"""What a chunked load tells an observer while it runs: each chunk started, each chunk finished with its rows, and
the row's end, whatever it was.

``ChunkedLoads`` calls these from the thread that loads the row, so with ``--max_parallel`` above 1 several rows call
one observer at once: an observer must be thread-safe, and must neither raise nor wait (a terminal's progress bars,
``chunk_bars``, are one). The log lines are written by the load itself, not through an observer: they are the record
in Glue and CloudWatch, where no bar is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from glue_elt.steps.redshift_cross_account_migration.chunks import Chunk


@dataclass(frozen=True)
class ChunkedRow:
    """A row that loads in chunks: its label (for people), its key (unique among the rows a run loads at once), its
    chunk count and the rows its plan estimated."""

    label: str
    key: str
    planned: int
    estimated_rows: int


class ChunkObserver(Protocol):
    """Told of a chunked row's progress (thread-safe; never raises, never waits)."""

    def chunk_started(self, row: ChunkedRow, chunk: Chunk) -> None:
        """``chunk`` of ``row`` is about to load (or to be found committed by an earlier process of the run id)."""

    def chunk_finished(self, row: ChunkedRow, chunk: Chunk, rows: int, *, loaded: bool) -> None:
        """``chunk`` committed with ``rows`` rows: now (``loaded``), or before, by the run id."""

    def row_ended(self, row: ChunkedRow) -> None:
        """The row is done with its chunks: all committed, or one failed (no ``chunk_finished`` for that one)."""


class NoChunkObserver:
    """Observes nothing (a run without a terminal)."""

    def chunk_started(self, row: ChunkedRow, chunk: Chunk) -> None:
        """Nothing."""

    def chunk_finished(self, row: ChunkedRow, chunk: Chunk, rows: int, *, loaded: bool) -> None:
        """Nothing."""

    def row_ended(self, row: ChunkedRow) -> None:
        """Nothing."""


NO_CHUNK_OBSERVER = NoChunkObserver()
