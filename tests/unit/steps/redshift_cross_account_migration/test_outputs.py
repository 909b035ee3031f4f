"""The run summary document (no S3 needed)."""

from __future__ import annotations

from datetime import datetime, timezone

from glue_elt.steps.redshift_cross_account_migration.model import MigrationResult, NotMigrated
from glue_elt.steps.redshift_cross_account_migration.outputs import summary_document

NOW = datetime(2026, 12, 3, tzinfo=timezone.utc)


def test_schema_mode_summaries_list_what_was_not_migrated() -> None:
    result = MigrationResult("r1", (), not_migrated=(NotMigrated("shared_db.sales.v", "a view; why"),))
    document = summary_document(result, "schema", NOW, NOW, 0.0)
    assert document["not_migrated"] == [{"table": "shared_db.sales.v", "reason": "a view; why"}]
    assert summary_document(MigrationResult("r1", ()), "schema", NOW, NOW, 0.0)["not_migrated"] == []


def test_config_file_summaries_have_no_not_migrated_section() -> None:
    assert "not_migrated" not in summary_document(MigrationResult("r1", ()), "config_file", NOW, NOW, 0.0)
