"""Dry run, re-running the error file, and the run summary document."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

from glue_elt import RedshiftCrossAccountDataMigration, RowStatus
from tests.conftest import BUCKET, Db, list_keys, read_json

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
PutConfig = Callable[[str, str], str]


def run(args: dict[str, object]) -> Any:
    step = RedshiftCrossAccountDataMigration(args)
    try:
        return step, step.run()
    finally:
        step.close()


def two_tables(db: Db, source: str, target: str) -> None:
    db.admin(f"CREATE TABLE {source}.a (id int)", f"INSERT INTO {source}.a VALUES (1), (2)")
    db.as_etl(f"CREATE TABLE {target}.a (id int)", f"CREATE TABLE {target}.b (id int)")


def test_dry_run_writes_nothing_and_reports_sql_and_verdicts(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    two_tables(db, source, target)
    lines = [
        f"shared_db.{source}.a###{target}.a#{etl_secret}#overwrite",
        f"shared_db.{source}.b###{target}.b#{etl_secret}#append",
    ]
    config = put_config(f"{target}/dry.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    args = {
        "config_path": config,
        "dry_run": "true",
        "error_output_path": f"s3://{BUCKET}/{target}/errors/",
        "state_table": f"{target}.run_state",
    }
    with caplog.at_level(logging.INFO):
        step, result = run(args)
    assert [o.status for o in result.outcomes] == [RowStatus.VALID, RowStatus.FAILED]
    assert f"source table shared_db.{source}.b does not exist" in (result.outcomes[1].error or "")
    assert step.exit_code(result) == 1
    assert (
        f'DELETE FROM "{target}"."a";\n  INSERT INTO "{target}"."a" ("id") SELECT "id" FROM "shared_db"."{source}"."a"'
        in caplog.text
    )
    assert "(dry run): 1 would run, 1 would fail; nothing written" in caplog.text
    assert db.count(f"{target}.a") == 0 and list_keys(f"{target}/errors/") == []
    assert db.rows(
        f"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{target}' AND table_name = 'run_state'"
    ) == [(0,)]


def test_the_error_file_reruns_exactly_the_failed_rows(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    two_tables(db, source, target)
    db.as_etl(f"CREATE TABLE {target}.late (id int)")
    lines = [
        f"shared_db.{source}.a###{target}.a#{etl_secret}#append",
        f"shared_db.{source}.late##id > 1#{target}.late#{etl_secret}#append",  # the source is not there yet
    ]
    config = put_config(f"{target}/first.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    errors = f"s3://{BUCKET}/{target}/failed_rows.json"
    _, first = run({"config_path": config, "error_output_path": errors})
    assert [o.status for o in first.outcomes] == [RowStatus.SUCCEEDED, RowStatus.FAILED]
    db.admin(
        f"CREATE TABLE {source}.late (id int)", f"INSERT INTO {source}.late VALUES (1), (2), (3)"
    )  # the cause, fixed
    _, rerun = run({"config_path": errors})
    assert [(o.row.target_table, o.status, o.rows_affected) for o in rerun.outcomes] == [
        (f"{target}.late", RowStatus.SUCCEEDED, 2)
    ]
    assert (db.count(f"{target}.a"), db.count(f"{target}.late")) == (2, 2)


def test_summary_document_matches_a_mixed_run(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    two_tables(db, source, target)
    lines = [
        f"shared_db.{source}.a###{target}.a#{etl_secret}#append",
        f"shared_db.{source}.b###{target}.b#{etl_secret}#append",
    ]
    config = put_config(f"{target}/mixed.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    args = {
        "config_path": config,
        "JOB_RUN_ID": f"jr_summary_{target}",
        "summary_output_path": f"s3://{BUCKET}/{target}/runs/",
    }
    run(args)
    with caplog.at_level(logging.INFO):
        run(args)  # same run id: the loaded row is skipped, the failed one fails again
    document = read_json(f"s3://{BUCKET}/{target}/runs/jr_summary_{target}/summary.json")
    assert (
        document["run_id"] == f"jr_summary_{target}" and document["mode"] == "config_file" and not document["dry_run"]
    )
    assert (
        re.fullmatch(r"\d{4}-\d\d-\d\dT.*\+00:00", document["started_at"])
        and document["finished_at"] >= document["started_at"]
    )
    assert document["counts"] == {"succeeded": 0, "failed": 1, "skipped": 1}
    (a, b) = document["rows"]
    assert (a["target_table"], a["status"], a["rows_affected"], a["error"]) == (f"{target}.a", "skipped", 2, None)
    assert (b["status"], b["rows_affected"]) == ("failed", None) and "does not exist" in b["error"]
    assert isinstance(a["seconds"], float)
    last_line = [
        r.getMessage() for r in caplog.records if r.name == "glue_elt.steps.redshift_cross_account_migration.report"
    ][-1]
    assert last_line == document["summary"]
    assert document["summary"].startswith(f"run jr_summary_{target}: 0 succeeded, 1 failed, 1 skipped")


def test_state_table_is_created_on_first_use_and_records_the_run(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    two_tables(db, source, target)
    config = put_config(f"{target}/state.csv", f"{HEADER}\nshared_db.{source}.a###{target}.a#{etl_secret}#append\n")
    _, result = run({"config_path": config, "state_table": f"{target}.run_state", "JOB_RUN_ID": "jr_state"})
    assert result.ok
    assert db.rows(f"SELECT run_id, target_table, load_type, rows_affected FROM {target}.run_state") == [
        ("jr_state", f"{target}.a", "append", 2)
    ]
