"""A terminal's bar per chunked row while it loads: its chunks done of those planned, and the rows they hold.

``report.Progress`` makes one ``ChunkBars`` only when it shows its table bar (stderr is a terminal), so Glue and
CloudWatch, where a bar would be noise in the log, get none: there the chunk's log lines say the same. Each row in
flight gets a tqdm bar on a line of its own below the table bar (``position``), freed for the next row when it ends
(``leave=False``); with ``--max_parallel`` above 1 several rows report at once, so every change is made under one
lock, and each bar is redrawn when a chunk finishes (chunks take seconds to minutes: no throttling is needed).
"""

from __future__ import annotations

import threading
from typing import Any, TextIO

from glue_elt.steps.redshift_cross_account_migration.chunk_events import ChunkedRow
from glue_elt.steps.redshift_cross_account_migration.chunks import Chunk


class ChunkBars:
    """The bars of the chunked rows in flight, drawn on ``file`` below the line ``first_position - 1``."""

    def __init__(self, file: TextIO, first_position: int = 1) -> None:
        self._file = file
        self._first = first_position
        self._lock = threading.Lock()
        self._bars: dict[str, tuple[Any, int]] = {}
        self._rows: dict[str, int] = {}

    def chunk_started(self, row: ChunkedRow, chunk: Chunk) -> None:
        """Show ``row``'s bar (made on its first chunk) with the chunk it is loading."""
        with self._lock:
            bar = self._bar(row)
            bar.set_description_str(f"{row.label} chunk {chunk.number}/{row.planned}", refresh=True)

    def chunk_finished(self, row: ChunkedRow, chunk: Chunk, rows: int, *, loaded: bool) -> None:
        """Count the chunk and its rows."""
        with self._lock:
            bar = self._bar(row)
            self._rows[row.key] = self._rows.get(row.key, 0) + rows
            bar.update(1)
            bar.set_postfix_str(f"{self._rows[row.key]:,} of ~{row.estimated_rows:,} rows", refresh=True)

    def row_ended(self, row: ChunkedRow) -> None:
        """Remove ``row``'s bar; its line serves the next row."""
        with self._lock:
            found = self._bars.pop(row.key, None)
            self._rows.pop(row.key, None)
            if found is not None:
                found[0].close()

    def _bar(self, row: ChunkedRow) -> Any:
        found = self._bars.get(row.key)
        if found is not None:
            return found[0]
        from tqdm import tqdm

        taken = {position for _, position in self._bars.values()}
        position = next(p for p in range(self._first, self._first + len(taken) + 1) if p not in taken)
        bar = tqdm(total=row.planned, unit="chunk", file=self._file, position=position, leave=False,
                   dynamic_ncols=True, mininterval=0)  # fmt: skip
        self._bars[row.key] = (bar, position)
        return bar
