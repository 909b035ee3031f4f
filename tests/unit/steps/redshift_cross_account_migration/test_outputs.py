"""The run summary document (no S3 needed)."""

from __future__ import annotations

from datetime import datetime, timezone

from glue_elt.steps.redshift_cross_account_migration.model import (
    MigrationResult,
    MigrationRow,
    NotMigrated,
    RowOutcome,
    RowStatus,
)
from glue_elt.steps.redshift_cross_account_migration.outputs import summary_document

NOW = datetime(2026, 12, 3, tzinfo=timezone.utc)
ROW = MigrationRow("shared_db.s.t", "a.t", "secret")


def test_schema_mode_summaries_list_what_was_not_migrated() -> None:
    result = MigrationResult("r1", (), not_migrated=(NotMigrated("shared_db.sales.v", "a view; why"),))
    document = summary_document(result, "schema", NOW, NOW, 0.0)
    assert document["not_migrated"] == [{"table": "shared_db.sales.v", "reason": "a view; why"}]
    assert summary_document(MigrationResult("r1", ()), "schema", NOW, NOW, 0.0)["not_migrated"] == []


def test_config_file_summaries_have_no_not_migrated_section() -> None:
    assert "not_migrated" not in summary_document(MigrationResult("r1", ()), "config_file", NOW, NOW, 0.0)


def test_each_row_says_how_many_of_its_chunks_committed_and_a_row_loaded_whole_says_null() -> None:
    chunked = RowOutcome(ROW, RowStatus.FAILED, None, 1.0, "chunk 5/12 (...) failed", chunks=(4, 12), chunks_loaded=2)
    whole = RowOutcome(ROW, RowStatus.SUCCEEDED, 3, 1.0)
    document = summary_document(MigrationResult("r1", (chunked, whole)), "config_file", NOW, NOW, 0.0)
    assert [row["chunks"] for row in document["rows"]] == [{"committed": 4, "planned": 12}, None]
