"""Stopping a run (SIGTERM, as Glue stops a job; SIGINT, Ctrl-C) on the stack, with both executors: the step
exits with 128 + the signal within seconds, nothing of its user still runs on the server, the interrupted target
holds exactly its rows from before, the outputs say what was cancelled, and a re-run with the same run id
completes the work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from local_stack import StackEndpoints
from tests.conftest import BUCKET, Db, read_json
from tests.integration.test_session_settings import slow_target

PutConfig = Callable[[str, str], str]
HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
TABLES = ("first", "slow", "last")


def active_load(db: Db, table: str, timeout: float = 30.0) -> None:
    """Wait until the ETL user's insert into ``table`` runs on the server."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running(db, table):
            return
        time.sleep(0.05)
    raise AssertionError(f"no insert into {table} started within {timeout} s")


def running(db: Db, table: str | None = None) -> list[tuple[object, ...]]:
    """The ETL user's statements still running on the server (of ``table``'s insert, when given)."""
    where = f" AND query LIKE '%INSERT INTO %{table.split('.')[-1]}%'" if table else ""
    return db.rows(
        "SELECT pid, query FROM pg_stat_activity WHERE usename = 'etl_user' AND state = 'active'"
        f" AND pid <> pg_backend_pid(){where}"
    )


@pytest.mark.parametrize(
    ("executor", "stop"), [("driver", signal.SIGTERM), ("data_api", signal.SIGTERM), ("driver", signal.SIGINT)]
)
def test_a_stopped_run_ends_its_statements_on_the_server_and_a_rerun_completes_it(
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    endpoints: StackEndpoints,
    executor: str,
    stop: signal.Signals,
) -> None:
    source, target = schemas
    for name in TABLES:
        db.admin(f"CREATE TABLE {source}.{name} (id int)", f"INSERT INTO {source}.{name} VALUES (1), (2), (3)")
        db.as_etl(f"CREATE TABLE {target}.{name} (id int)", f"INSERT INTO {target}.{name} VALUES (0)")
    slow_target(db, f"{target}.slow", 120)
    lines = [f"shared_db.{source}.{name}###{target}.{name}#{cluster_secret}#append" for name in TABLES]
    uri = put_config(f"{target}/stop.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    outputs = f"s3://{BUCKET}/{target}/out/"
    command = [
        sys.executable, "-m", "glue_elt.steps.redshift_cross_account_migration", "--config_path", uri,
        "--executor", executor, "--max_parallel", "1", "--run_id", f"stop-{target}",
        "--error_output_path", outputs, "--summary_output_path", outputs,
    ]  # fmt: skip
    env = {**os.environ, **endpoints.aws_env()}
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as process:
        try:
            active_load(db, f"{target}.slow")
            process.send_signal(stop)
            try:
                code = process.wait(timeout=5)  # the bound: the step has exited within 5 s
            except subprocess.TimeoutExpired:
                process.kill()
                code = None
        finally:
            if process.poll() is None:
                process.kill()
        log = process.stderr.read() if process.stderr else ""
    assert code == 128 + stop, log
    assert running(db) == [], log  # nothing of the step is still running on the server
    assert [db.count(f"{target}.{name}") for name in TABLES] == [4, 1, 1]  # the slow target as it was before
    summary = read_json(f"{outputs}stop-{target}/summary.json")
    assert summary["cancelled"] is True
    assert [(row["target_table"], row["status"], row["error"]) for row in summary["rows"]] == [
        (f"{target}.first", "succeeded", None),
        (f"{target}.slow", "failed", "cancelled"),
        (f"{target}.last", "failed", "cancelled"),
    ]
    failed_rows = read_json(f"{outputs}stop-{target}/failed_rows.json")
    assert [(row["target_table"], row["error"]) for row in failed_rows] == [
        (f"{target}.slow", "cancelled"),
        (f"{target}.last", "cancelled"),
    ]
    assert "CANCELLED" in log

    db.admin(f"DROP TRIGGER slow_sleep ON {target}.slow")
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert [db.count(f"{target}.{name}") for name in TABLES] == [4, 4, 4]  # each row exactly once


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_stopped_sql_script_rolls_back_and_exits_143(
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    endpoints: StackEndpoints,
    executor: str,
) -> None:
    """The driver terminates its session; the Data API cancels the script's batch (CancelStatement)."""
    _, target = schemas
    db.as_etl(f"CREATE TABLE {target}.events (id int)")
    uri = put_config(f"sql/{target}/stop.sql", f"INSERT INTO {target}.events VALUES (1);\nSELECT pg_sleep(120);\n")
    summary = f"s3://{BUCKET}/{target}/sql-summary.json"
    command = [
        sys.executable, "-m", "glue_elt.steps.redshift_sql", "--sql_path", uri, "--secret_name", cluster_secret,
        "--run_id", f"stop-sql-{target}", "--summary_output_path", summary, "--executor", executor,
    ]  # fmt: skip
    env = {**os.environ, **endpoints.aws_env()}
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as process:
        try:
            deadline = time.monotonic() + 30
            while not db.rows(
                "SELECT 1 FROM pg_stat_activity WHERE usename = 'etl_user' AND query LIKE '%pg_sleep(120)%'"
            ):
                assert time.monotonic() < deadline, "the script's sleep never started"
                time.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=5)
        finally:
            if process.poll() is None:
                process.kill()
        log = process.stderr.read() if process.stderr else ""
    assert code == 143, log
    assert running(db) == [] and db.count(f"{target}.events") == 0, log  # ended on the server, rolled back
    document = read_json(summary)
    assert document["cancelled"] is True and document["status"] == "failed"
    assert document["error"].startswith("cancelled: ")
