"""State table SQL and row identity."""

from __future__ import annotations

import hashlib
import json

import pytest

from glue_elt.errors import ValidationError
from glue_elt.redshift.state import DEFAULT_STATE_TABLE, RunLedger, StateTable
from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow, row_keys


def test_default_state_table_statements() -> None:
    schema, table = StateTable.parse(DEFAULT_STATE_TABLE).create_statements()
    assert schema == 'CREATE SCHEMA IF NOT EXISTS "glue_elt"'
    assert table.startswith('CREATE TABLE IF NOT EXISTS "glue_elt"."migration_state" (run_id VARCHAR(256) NOT NULL')


def test_state_table_name_is_validated() -> None:
    with pytest.raises(ValidationError, match="--state_table"):
        StateTable.parse("state; drop table x")


def test_row_keys_are_stable_and_tell_equal_rows_apart() -> None:
    a = MigrationRow("s.a", "t.a", "sec", line=2)
    b = MigrationRow("s.b", "t.b", "sec", line=3)
    a_again = MigrationRow("s.a", "t.a", "sec", line=9)
    keys = row_keys([a, b, a_again])
    assert len(set(keys)) == 3
    assert row_keys([a, b, a_again]) == keys  # deterministic
    assert row_keys([MigrationRow("s.a", "t.a", "sec", line=40)])[0] == keys[0]  # line numbers do not matter
    assert row_keys([MigrationRow("s.a", "t.a", "sec", load_type="overwrite")])[0] != keys[0]


def test_a_row_without_target_columns_keeps_the_key_it_had_before_that_column_existed() -> None:
    original = {"source_table": "s.a", "source_columns": "", "source_filter": "", "target_table": "t.a",
                "secret_name": "sec", "load_type": "", "merge_keys": "", "watermark_column": ""}  # fmt: skip
    before = hashlib.sha256((json.dumps(original, sort_keys=True) + "#0").encode()).hexdigest()
    assert row_keys([MigrationRow("s.a", "t.a", "sec")]) == [before]
    renamed = MigrationRow("s.a", "t.a", "sec", source_columns="a", target_columns="b")
    assert row_keys([renamed]) != row_keys([MigrationRow("s.a", "t.a", "sec", source_columns="a")])


def test_a_job_records_under_a_key_of_its_own_and_accepts_records_without_a_job_name() -> None:
    unnamed, job, other = RunLedger(None, "run"), RunLedger(None, "run", "nightly"), RunLedger(None, "run", "b")  # type: ignore[arg-type]
    assert unnamed.scoped("k" * 64) == "k" * 64  # runs outside Glue: the key as before
    assert job.scoped("k" * 64) != other.scoped("k" * 64)
    assert len(job.scoped("k" * 64)) == 64  # the state table's CHAR(64)
    assert job.keys_for("k" * 64) == [job.scoped("k" * 64), "k" * 64]
