"""The benchmark's table: the chunked loads' two rows, each ratio beside its target."""

from __future__ import annotations

from typing import Any

from bench.report import markdown

MACHINE = {"cpu": "test CPU", "cores": "2", "python": "3.11", "platform": "linux"}


def chunked(chunked_ratio: float, resume_ratio: float) -> dict[str, Any]:
    return {
        "rows": 1_000_000,
        "chunk_rows": 50_000,
        "planned_chunks": 21,
        "whole_s": 1.0,
        "chunked_s": chunked_ratio,
        "resumed_s": chunked_ratio * resume_ratio,
        "chunked_ratio": chunked_ratio,
        "resume_ratio": resume_ratio,
        "killed_after_chunks": [10, 11, 10, 10, 10],
        "plan_queries_s": {"count": 0.06, "percentiles": 0.53, "one_range": 0.048},
        "per_chunk_ms": 73.0,
    }


def rows_of(figures: dict[str, Any]) -> list[str]:
    table = markdown({"date": "2026-12-07", "machine": MACHINE, "chunked_loads": figures}, 500)
    return [line for line in table.splitlines() if line.startswith("| ") and "chunk" in line]


def test_the_chunked_rows_give_both_ratios_their_parts_and_whether_each_target_holds() -> None:
    whole_row, resume_row = rows_of(chunked(3.52, 0.49))
    assert "21 chunks, the NULL chunk included" in whole_row and "--chunk_rows 50,000" in whole_row
    assert "| 3.52 (chunked 3.52 s, whole 1.00 s; plan queries 0.06 + 0.53 s" in whole_row
    assert "73 ms per chunk beyond the whole load, of which a range's scan alone 48 ms" in whole_row
    assert whole_row.endswith("| <= 1.3 | **no** |")
    assert "| 0.49 (re-run 1.72 s, full chunked run 3.52 s; killed after 10 to 11 chunks)" in resume_row
    assert resume_row.endswith("| <= 0.6 | yes |")


def test_targets_met_and_missed_at_their_limits() -> None:
    whole_row, resume_row = rows_of(chunked(1.3, 0.61))
    assert whole_row.endswith("| <= 1.3 | yes |")
    assert resume_row.endswith("| <= 0.6 | **no** |")
