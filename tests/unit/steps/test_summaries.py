"""A run summary keeps the earlier runs of its run id found at its key (no S3 needed)."""

from __future__ import annotations

from typing import Any

from glue_elt.steps.summaries import with_earlier_runs


def sql(run_id: str, status: str, **more: Any) -> dict[str, Any]:
    return {"run_id": run_id, "sql_path": "s3://b/x.sql", "status": status, **more}


def migration(run_id: str, failed: int, **more: Any) -> dict[str, Any]:
    return {"run_id": run_id, "mode": "config_file", "counts": {"failed": failed}, **more}


def test_a_skipped_rerun_keeps_the_committed_runs_document() -> None:
    committed = sql("r1", "committed", earlier_runs=[])
    assert with_earlier_runs(sql("r1", "skipped"), committed) == sql(
        "r1", "skipped", earlier_runs=[sql("r1", "committed")]
    )


def test_earlier_runs_stay_in_order_oldest_first() -> None:
    second = migration("r1", 0, earlier_runs=[migration("r1", 2)])
    merged = with_earlier_runs(migration("r1", 0), second)
    assert merged["earlier_runs"] == [migration("r1", 2), migration("r1", 0)]


def test_another_run_id_another_step_or_no_summary_is_replaced() -> None:
    assert with_earlier_runs(sql("r2", "committed"), sql("r1", "committed"))["earlier_runs"] == []
    assert with_earlier_runs(sql("r1", "committed"), migration("r1", 0))["earlier_runs"] == []
    assert with_earlier_runs(migration("r1", 0), sql("r1", "committed"))["earlier_runs"] == []
    for found in (None, [1, 2], "text", {"run_id": "r1"}):
        assert with_earlier_runs(migration("r1", 0), found)["earlier_runs"] == []


def test_a_malformed_earlier_record_is_kept_without_its_list() -> None:
    found = migration("r1", 1, earlier_runs="not a list")
    assert with_earlier_runs(migration("r1", 0), found)["earlier_runs"] == [migration("r1", 1)]
