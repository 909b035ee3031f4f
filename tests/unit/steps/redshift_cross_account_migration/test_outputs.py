"""The run summary document and the error file's rows (no S3 needed; a refusing client stands in for S3)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from glue_elt.aws.s3 import S3Store, S3Uri
from glue_elt.steps.redshift_cross_account_migration.model import CONFIG_FIELDS, MigrationRow
from glue_elt.steps.redshift_cross_account_migration.outputs import remove_stale_error_file, summary_document
from glue_elt.steps.redshift_cross_account_migration.results import MigrationResult, NotMigrated, RowOutcome, RowStatus

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


def test_a_line_that_could_not_be_split_is_kept_as_written_in_the_summary_and_the_error_file() -> None:
    row = MigrationRow("", "", "", line=3, problem="line 3 has 2 fields but the header has 3", raw="a.b#s")
    result = MigrationResult("r1", (RowOutcome(row, RowStatus.FAILED, None, 0.0, row.problem),))
    (entry,) = summary_document(result, "config_file", NOW, NOW, 0.0)["rows"]
    assert (entry["raw_line"], entry["target_table"], entry["load_type"]) == ("a.b#s", "", "unknown")
    assert result.failed_rows() == [{**dict.fromkeys(CONFIG_FIELDS, ""), "raw_line": "a.b#s", "error": row.problem}]


class _Body:
    def read(self) -> bytes:
        return b"[]"


class _UndeletableS3:
    """S3 that refuses every delete (AccessDenied) and answers reads as ``read`` says: the object, 404, or 403."""

    def __init__(self, read: str) -> None:
        self._read = read

    def delete_object(self, **_: Any) -> Any:
        raise ClientError({"Error": {"Code": "AccessDenied"}}, "DeleteObject")

    def get_object(self, **_: Any) -> Any:
        if self._read == "found":
            return {"Body": _Body()}
        raise ClientError({"Error": {"Code": "NoSuchKey" if self._read == "missing" else "AccessDenied"}}, "GetObject")


def test_an_error_file_that_cannot_be_removed_fails_the_outputs_only_when_it_is_there(
    caplog: pytest.LogCaptureFixture,
) -> None:
    uri = S3Uri("b", "errors/r1/failed_rows.json")
    denied = "error file s3://b/errors/r1/failed_rows.json could not be removed: access denied (AccessDenied)"
    assert remove_stale_error_file(S3Store(cast(Any, _UndeletableS3("found"))), uri) == (
        f"{denied}: it lists rows of an earlier attempt of this run id that have since committed"
    )
    assert remove_stale_error_file(S3Store(cast(Any, _UndeletableS3("missing"))), uri) is None
    caplog.clear()
    assert remove_stale_error_file(S3Store(cast(Any, _UndeletableS3("denied"))), uri) is None
    assert caplog.records[-1].levelname == "WARNING" and caplog.records[-1].getMessage() == (
        f"{denied}: if an earlier attempt of this run id left one, it lists rows that have since committed"
    )
