"""The chunked scenario's check of a run's outcome: the plan's chunk count, or why the run was not chunked."""

from __future__ import annotations

import pytest

from bench.chunked import planned_chunks


def test_the_plan_s_chunk_count_comes_from_a_chunked_outcome() -> None:
    assert planned_chunks((21, 21)) == 21


@pytest.mark.parametrize("chunks", [None, (10, 21)])
def test_a_run_that_loaded_whole_or_not_every_chunk_is_refused(chunks: tuple[int, int] | None) -> None:
    with pytest.raises(RuntimeError, match="did not load in chunks"):
        planned_chunks(chunks)
