"""The terminal's bar per chunked row, read from what tqdm writes (to a StringIO, with the bars forced on): chunks and
rows, a line of its own per row in flight, the line reused once a row ends, exact counts with rows reporting from
several threads; and no bar at all when stderr is not a terminal."""

from __future__ import annotations

import io
import re
import threading

import pytest

from glue_elt.steps.redshift_cross_account_migration.chunk_events import NO_CHUNK_OBSERVER, ChunkedRow
from glue_elt.steps.redshift_cross_account_migration.chunks import Chunk
from glue_elt.steps.redshift_cross_account_migration.report import Progress


def chunk(number: int) -> Chunk:
    return Chunk(number, None, None, nulls=number == 1)


def lines(text: str, label: str) -> list[int]:
    """The terminal line (below the table bar) each drawing of ``label``'s bar went to, in order."""
    return [len(moves) for moves in re.findall(rf"(\n+)\r{re.escape(label)} chunk", text)]


def test_a_chunked_row_gets_a_bar_of_its_own_with_its_chunks_and_rows() -> None:
    out = io.StringIO()
    progress = Progress(2, bar=True, file=out)
    row = ChunkedRow("a.big", "k1", 3, 3000)
    with progress.active():
        for number in (1, 2):
            progress.chunks.chunk_started(row, chunk(number))
            progress.chunks.chunk_finished(row, chunk(number), 1000, loaded=number == 2)
        progress.chunks.chunk_started(row, chunk(3))
        progress.chunks.row_ended(row)
    text = out.getvalue()
    assert "a.big chunk 3/3" in text and "2/3 [" in text and "2,000 of ~3,000 rows" in text
    assert "?table/s]" in text  # beside the bar of tables
    assert set(lines(text, "a.big")) == {1}


def test_rows_in_flight_each_have_a_line_and_a_row_that_ended_frees_its_line() -> None:
    out = io.StringIO()
    progress = Progress(3, bar=True, file=out)
    first, second, third = (ChunkedRow(f"{name}.big", name, 2, 20) for name in "abc")
    with progress.active():
        progress.chunks.chunk_started(first, chunk(1))
        progress.chunks.chunk_started(second, chunk(1))
        progress.chunks.row_ended(first)
        progress.chunks.chunk_started(third, chunk(1))
        progress.chunks.row_ended(second)
        progress.chunks.row_ended(third)
    text = out.getvalue()
    assert (set(lines(text, "a.big")), set(lines(text, "b.big")), set(lines(text, "c.big"))) == ({1}, {2}, {1})


def test_rows_reporting_from_several_threads_keep_exact_counts() -> None:
    out = io.StringIO()
    progress = Progress(4, bar=True, file=out)
    rows = [ChunkedRow(f"t{n}.big", f"k{n}", 40, 200) for n in range(4)]

    def load(row: ChunkedRow) -> None:
        for number in range(1, 41):
            progress.chunks.chunk_started(row, chunk(number))
            progress.chunks.chunk_finished(row, chunk(number), 5, loaded=True)
        progress.chunks.row_ended(row)

    with progress.active():
        threads = [threading.Thread(target=load, args=(row,)) for row in rows]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    text = out.getvalue()
    for row in rows:
        drawn = re.findall(rf"\r{re.escape(row.label)} chunk \d+/40:[^\r]*", text)
        assert "40/40 [" in drawn[-1] and "200 of ~200 rows" in drawn[-1], drawn[-1]
    assert len({line for row in rows for line in lines(text, row.label)}) <= 4  # never more lines than rows at once


def test_without_a_terminal_there_is_no_bar(capsys: pytest.CaptureFixture[str]) -> None:
    assert Progress(2, bar=False).chunks is NO_CHUNK_OBSERVER
    assert Progress(2).chunks is NO_CHUNK_OBSERVER  # stderr is captured: not a terminal
