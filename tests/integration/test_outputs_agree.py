"""A run's outputs agree with each other and with what the run id committed (issue 32, items 2, 4, 5 and 11): output
paths that cannot be read back are refused, a re-run's outputs keep the earlier runs' records, a line that could not
be split is kept as written, and failed rows reach the log when the error file cannot be written."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from glue_elt import RedshiftCrossAccountDataMigration, RedshiftSqlStep, RowStatus
from glue_elt.steps.base import EXIT_CONFIG_ERROR, EXIT_ROWS_FAILED
from glue_elt.steps.redshift_cross_account_migration.model import CONFIG_FIELDS
from tests.conftest import BUCKET, Db, list_keys, read_json, run_step

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
PutConfig = Callable[[str, str], str]
FAST = {"max_retries": 0}


def exit_status(step: type[RedshiftCrossAccountDataMigration | RedshiftSqlStep], args: dict[str, Any]) -> int:
    with pytest.raises(SystemExit) as exited:
        step({**FAST, **args}).start()
    return int(exited.value.code or 0)


def a_late_table(db: Db, schemas: tuple[str, str], secret: str, put_config: PutConfig) -> tuple[str, str]:
    """A config of two rows: ``a`` loads, ``late`` fails until its source exists (``make_late``)."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.a (id int)", f"INSERT INTO {source}.a VALUES (1), (2)")
    db.as_etl(f"CREATE TABLE {target}.a (id int)", f"CREATE TABLE {target}.late (id int)")
    lines = [
        f"shared_db.{source}.a###{target}.a#{secret}#append",
        f"shared_db.{source}.late##id > 1#{target}.late#{secret}#append",
    ]
    return put_config(f"{target}/late.csv", HEADER + "\n" + "\n".join(lines) + "\n"), target


def make_late(db: Db, source: str) -> None:
    db.admin(f"CREATE TABLE {source}.late (id int)", f"INSERT INTO {source}.late VALUES (1), (2), (3)")


@pytest.mark.parametrize("name", ["error_output_path", "summary_output_path"])
def test_a_migration_output_path_neither_a_prefix_nor_a_json_key_is_refused_before_anything_runs(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, name: str,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """``s3://b/errors`` was written as JSON that ``--config_path`` then read as a ``#``-separated file (item 2)."""
    config, target = a_late_table(db, schemas, etl_secret, put_config)
    path = f"s3://{BUCKET}/{target}/outputs"
    status = exit_status(RedshiftCrossAccountDataMigration, {"config_path": config, name: path, "JOB_RUN_ID": target})
    assert status == EXIT_CONFIG_ERROR
    filename = "failed_rows.json" if name == "error_output_path" else "summary.json"
    assert (
        f"--{name} must end with '/' (a prefix: each run id gets its own <prefix><run id>/{filename}) or with "
        f"'.json' (one key for every run), got '{path}'"
    ) in caplog.text
    assert list_keys(f"{target}/outputs") == [] and db.count(f"{target}.a") == 0


def test_an_sql_summary_path_neither_a_prefix_nor_a_json_key_is_refused_before_anything_runs(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    target = schemas[1]
    uri = put_config(f"sql/{target}/t.sql", f"CREATE TABLE {target}.t (id int)")
    args = {"sql_path": uri, "secret_name": etl_secret, "summary_output_path": f"s3://{BUCKET}/sql/{target}/runs"}
    assert exit_status(RedshiftSqlStep, args) == EXIT_CONFIG_ERROR
    assert db.rows(f"SELECT to_regclass('{target}.t') IS NULL") == [(True,)]


def test_a_rerun_that_now_succeeds_removes_the_error_file_and_keeps_the_earlier_summary(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """Item 4: after the re-run, ``failed_rows.json`` no longer lists rows that have committed, and the summary
    says what the run id holds now while keeping the first attempt's record."""
    config, target = a_late_table(db, schemas, etl_secret, put_config)
    run_id = f"again-{target}"
    args = {
        "config_path": config,
        "JOB_RUN_ID": run_id,
        "error_output_path": f"s3://{BUCKET}/{target}/errors/",
        "summary_output_path": f"s3://{BUCKET}/{target}/runs/",
    }
    first = run_step(args)
    assert [o.status for o in first.outcomes] == [RowStatus.SUCCEEDED, RowStatus.FAILED]
    errors = f"{target}/errors/{run_id}/failed_rows.json"
    assert [row["target_table"] for row in read_json(f"s3://{BUCKET}/{errors}")] == [f"{target}.late"]

    make_late(db, schemas[0])
    again = run_step(args)
    assert [o.status for o in again.outcomes] == [RowStatus.SKIPPED, RowStatus.SUCCEEDED] and again.ok
    assert list_keys(f"{target}/errors/") == []
    summary = read_json(f"s3://{BUCKET}/{target}/runs/{run_id}/summary.json")
    assert summary["counts"] == {"succeeded": 1, "failed": 0, "skipped": 1} and summary["error_file"] is None
    (earlier,) = summary["earlier_runs"]
    assert earlier["counts"] == {"succeeded": 1, "failed": 1, "skipped": 0}
    assert earlier["error_file"] == f"s3://{BUCKET}/{errors}" and "earlier_runs" not in earlier
    assert [(r["status"], r["rows_affected"]) for r in earlier["rows"]] == [("succeeded", 2), ("failed", None)]

    third = run_step(args)  # nothing left to do: the record grows, oldest first
    assert third.skipped == 2
    summary = read_json(f"s3://{BUCKET}/{target}/runs/{run_id}/summary.json")
    assert [run["counts"] for run in summary["earlier_runs"]] == [
        {"succeeded": 1, "failed": 1, "skipped": 0},
        {"succeeded": 1, "failed": 0, "skipped": 1},
    ]


def test_a_summary_of_another_run_id_at_one_key_is_replaced(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    config, target = a_late_table(db, schemas, etl_secret, put_config)
    summary = f"s3://{BUCKET}/{target}/last-run.json"
    run_step({"config_path": config, "JOB_RUN_ID": f"one-{target}", "summary_output_path": summary})
    run_step({"config_path": config, "JOB_RUN_ID": f"two-{target}", "summary_output_path": summary})
    document = read_json(summary)
    assert document["run_id"] == f"two-{target}" and document["earlier_runs"] == []


def test_a_skipped_sql_rerun_keeps_the_committed_runs_summary(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """Item 4: the skipped re-run used to overwrite the committed run's summary with ``"status": "skipped"``."""
    target = schemas[1]
    uri = put_config(f"sql/{target}/two.sql", f"CREATE TABLE {target}.t (id int);\nINSERT INTO {target}.t VALUES (1)")
    args = {"sql_path": uri, "secret_name": etl_secret, "JOB_RUN_ID": f"sql-{target}",
            "summary_output_path": f"s3://{BUCKET}/sql/{target}/runs/"}  # fmt: skip
    for _ in range(2):
        step = RedshiftSqlStep(args)
        try:
            step.run()
        finally:
            step.close()
    document = read_json(f"s3://{BUCKET}/sql/{target}/runs/sql-{target}/summary.json")
    assert document["status"] == "skipped"
    (committed,) = document["earlier_runs"]
    assert committed["status"] == "committed" and committed["run_id"] == f"sql-{target}"
    assert [(s["status"], s["rows"]) for s in committed["statements"]] == [("succeeded", None), ("succeeded", 1)]


def test_a_line_with_the_wrong_number_of_fields_is_kept_as_written(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    """Item 5: the values were shifted into the wrong fields (``"target_table": "b'"``), in the log and in the
    error file, and re-run from the error file the row looked like a normal one."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.a (id int)", f"INSERT INTO {source}.a VALUES (1)")
    db.as_etl(f"CREATE TABLE {target}.a (id int)")
    bad = f"shared_db.{source}.b#{target}.b#{etl_secret}#append"
    text = f"{HEADER}\nshared_db.{source}.a###{target}.a#{etl_secret}#append\n{bad}\n"
    errors = f"s3://{BUCKET}/{target}/errors.json"
    result = run_step({"config_path": put_config(f"{target}/short.csv", text), "error_output_path": errors})
    (_, failed) = result.outcomes
    assert failed.status is RowStatus.FAILED and failed.row.target_table == "" and failed.row.raw == bad
    problem = (
        "line 3 has 4 fields but the header has 6 (a value containing the separator '#'? enclose it in double quotes)"
    )
    assert failed.error == problem
    assert f"] line 3 {bad!r} unknown: FAILED after" in caplog.text
    (entry,) = read_json(errors)
    assert entry == {**dict.fromkeys(CONFIG_FIELDS, ""), "raw_line": bad, "error": problem}

    rerun = run_step({"config_path": errors})
    (again,) = rerun.outcomes
    assert again.status is RowStatus.FAILED and again.row.raw == bad
    assert again.error == (
        f"entry 1: raw_line {bad!r} is a config line as written that could not be split into the config's "
        "columns: give its values in their fields and remove raw_line"
    )


def test_failed_rows_are_logged_when_the_error_file_cannot_be_written(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    """Item 11: with no such bucket, the failed rows' values (the filter, the source) appeared nowhere."""
    config, target = a_late_table(db, schemas, etl_secret, put_config)
    status = exit_status(
        RedshiftCrossAccountDataMigration,
        {"config_path": config, "error_output_path": f"s3://no-such-bucket-{target.replace('_', '-')}/errors/"},
    )
    assert status == EXIT_ROWS_FAILED
    (logged,) = [r for r in caplog.records if r.getMessage().startswith("the failed rows, as the error file")]
    assert logged.levelno == logging.ERROR
    rows = json.loads(logged.getMessage().split("\n", 1)[1])
    assert [(row["source_table"], row["source_filter"], row["target_table"]) for row in rows] == [
        (f"shared_db.{schemas[0]}.late", "id > 1", f"{target}.late")
    ]


def test_a_run_without_failed_rows_says_so_when_it_cannot_remove_an_earlier_error_file(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    config, target = a_late_table(db, schemas, etl_secret, put_config)
    make_late(db, schemas[0])
    bucket = f"no-such-bucket-{target.replace('_', '-')}"
    result = run_step({"config_path": config, "error_output_path": f"s3://{bucket}/errors/", "JOB_RUN_ID": target})
    assert result.ok
    assert (
        f"error file s3://{bucket}/errors/{target}/failed_rows.json could not be removed: the bucket does not exist "
        "(NoSuchBucket): if an earlier attempt of this run id left one, it lists rows that have since committed"
    ) in caplog.text
