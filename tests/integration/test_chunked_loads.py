"""Chunked loads on the local stack (issue 29): a big row loads in ranges of a column, each range its own committed,
recorded transaction; killed half-way, a re-run of the run id loads only the rest, each row exactly once. Both
executors, at SERIALIZABLE and at SNAPSHOT (the ``isolation`` fixture) where concurrency matters."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from glue_elt import RowStatus
from local_stack import StackEndpoints
from local_stack.redshift_views import report_sortkey_sql
from tests.conftest import Db, run_step
from tests.integration.isolation import slow_rows
from tests.integration.test_session_settings import attempts, slow_target

pytestmark = pytest.mark.integration
PutConfig = Callable[[str, str], str]
HEADER = "#".join(
    ("source_table", "source_columns", "source_filter", "target_table", "secret_name", "load_type", "merge_keys",
     "watermark_column", "target_columns", "chunk_column")
)  # fmt: skip
FAST = {"max_retries": 3, "retry_wait_seconds": 0.01}


def row(source: str, target: str, secret: str, load_type: str = "append", **more: str) -> str:
    fields = [f"shared_db.{source}", "", more.get("filter", ""), target, secret, load_type,
              more.get("merge_keys", ""), more.get("watermark", ""), "", more.get("chunk", "id")]  # fmt: skip
    return "#".join(fields)


def put(put_config: PutConfig, key: str, *lines: str) -> str:
    return put_config(f"chunked/{key}.csv", "\n".join([HEADER, *lines]) + "\n")


def records(db: Db, run_id: str) -> int:
    """The state table's records of ``run_id`` (a chunked row's chunks, then the row itself)."""
    if db.rows("SELECT to_regclass('glue_elt.migration_state')") == [(None,)]:
        return 0  # not created yet
    return db.count(f"glue_elt.migration_state WHERE run_id = '{run_id}'")


def big_source(db: Db, source: str, target: str, rows: int, nulls: int = 0) -> None:
    db.admin(
        f"CREATE TABLE {source}.big (id int, ts timestamp, v text)",
        f"INSERT INTO {source}.big SELECT g, timestamp '2024-01-01' + g * interval '1 minute', 'v' || g "
        f"FROM generate_series(1, {rows}) g",
        f"INSERT INTO {source}.big SELECT NULL, NULL, 'null id' FROM generate_series(1, {nulls}) g",
    )
    db.as_etl(f"CREATE TABLE {target}.big (id int, ts timestamp, v text)")


def open_work(db: Db) -> list[tuple[object, ...]]:
    """The ETL user's sessions that run a statement or hold a transaction open."""
    return db.rows(
        "SELECT pid FROM pg_stat_activity WHERE usename = 'etl_user' AND pid <> pg_backend_pid() "
        "AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')"
    )


def step_command(uri: str, executor: str, run_id: str, chunk_rows: int) -> list[str]:
    """The migration step's command line for ``uri`` with ``--chunk_rows``, as a user starts it."""
    return [
        sys.executable, "-m", "glue_elt.steps.redshift_cross_account_migration", "--config_path", uri,
        "--executor", executor, "--run_id", run_id, "--chunk_rows", str(chunk_rows),
    ]  # fmt: skip


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.05)


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_chunked_append_killed_half_way_resumes_and_loads_every_row_once(
    isolation: str,
    executor: str,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    endpoints: StackEndpoints,
) -> None:
    source, target = schemas
    big_source(db, source, target, 300_000, nulls=10)
    counter = slow_target(db, f"{target}.big", 0.4)  # every chunk's INSERT takes 0.4 s more
    uri = put(put_config, f"kill-{executor}-{target}", row(f"{source}.big", f"{target}.big", cluster_secret))
    run_id = f"kill-{target}"
    command = step_command(uri, executor, run_id, 30_000)
    with subprocess.Popen(command, env={**os.environ, **endpoints.aws_env()}, stderr=subprocess.PIPE) as process:
        try:
            wait_for(lambda: records(db, run_id) >= 5 or process.poll() is not None, "five chunks")
            process.send_signal(signal.SIGKILL)
        finally:
            process.kill()
            process.wait()
    wait_for(lambda: not open_work(db), "the killed run's last transaction to end")  # a Data API batch runs on
    committed, tried = records(db, run_id), attempts(db, counter)
    assert 5 <= committed < 12, "the run was not killed half-way"
    assert db.count(f"{target}.big") < 300_010

    result = run_step({"config_path": uri, "executor": executor, "run_id": run_id, "chunk_rows": "30000", **FAST})
    (outcome,) = result.outcomes
    assert (outcome.status, outcome.rows_affected, outcome.chunks) == (RowStatus.SUCCEEDED, 300_010, (12, 12))
    assert db.rows(f"SELECT count(*), count(DISTINCT id), count(*) - count(id) FROM {target}.big") == [
        (300_010, 300_000, 10)
    ]
    assert records(db, run_id) == 13  # 12 chunks, each once, and the row
    assert attempts(db, counter) - tried == 12 - committed  # the re-run loaded only the chunks that were missing


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_chunk_that_fits_the_statement_timeout_loads_where_the_whole_table_does_not(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    big_source(db, source, target, 3000)
    slow_rows(db, target, "big", 0.001)  # a load of n rows takes about n ms
    uri = put(put_config, f"timeout-{executor}-{target}", row(f"{source}.big", f"{target}.big", cluster_secret))
    limits = {"config_path": uri, "executor": executor, "statement_timeout_seconds": "1.5", **FAST}

    (whole,) = run_step({**limits, "run_id": f"whole-{target}"}).outcomes
    assert whole.status is RowStatus.FAILED and "--statement_timeout_seconds 1.5" in str(whole.error)
    (too_big,) = run_step({**limits, "run_id": f"big-{target}", "chunk_rows": "2500"}).outcomes
    assert too_big.status is RowStatus.FAILED and too_big.chunks is not None
    assert "lower --chunk_rows so that each chunk fits the limit" in str(too_big.error), too_big.error
    assert db.count(f"{target}.big") == 0

    (chunked,) = run_step({**limits, "run_id": f"chunked-{target}", "chunk_rows": "400"}).outcomes
    assert (chunked.status, chunked.rows_affected) == (RowStatus.SUCCEEDED, 3000), chunked.error
    assert db.rows(f"SELECT count(*), count(DISTINCT id) FROM {target}.big") == [(3000, 3000)]


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_incremental_and_upsert_rows_load_in_chunks_with_their_guarantees(
    isolation: str, executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """The incremental row is cut by ``id`` while its watermark ``ts`` runs the other way: a watermark read again
    after the first chunk would skip the later chunks' rows. The upsert replaces the keys it has, chunk by chunk."""
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.inc (id int, ts int, v text)",
        f"INSERT INTO {source}.inc SELECT g, 1000 - g, 'new' FROM generate_series(1, 900) g",
        f"CREATE TABLE {source}.ups (id int, v text)",
        f"INSERT INTO {source}.ups SELECT g, 'new' FROM generate_series(1, 1000) g",
    )
    db.as_etl(
        f"CREATE TABLE {target}.inc (id int, ts int, v text)",
        f"INSERT INTO {target}.inc VALUES (0, 400, 'old')",  # the watermark: 400
        f"CREATE TABLE {target}.ups (id int, v text)",
        f"INSERT INTO {target}.ups SELECT g, 'old' FROM generate_series(500, 1500) g",
    )
    uri = put(
        put_config,
        f"types-{executor}-{target}",
        row(f"{source}.inc", f"{target}.inc", cluster_secret, "incremental", watermark="ts"),
        row(f"{source}.ups", f"{target}.ups", cluster_secret, "upsert", merge_keys="id", chunk=""),
    )
    inc, ups = run_step({"config_path": uri, "executor": executor, "chunk_rows": "100", **FAST}).outcomes
    assert (inc.status, inc.rows_affected) == (RowStatus.SUCCEEDED, 599), inc.error  # ts 401..999
    assert inc.chunks is not None and inc.chunks[1] > 5
    assert db.rows(f"SELECT count(*), min(ts), max(ts) FROM {target}.inc WHERE v = 'new'") == [(599, 401, 999)]
    assert (ups.status, ups.rows_affected) == (RowStatus.SUCCEEDED, 1000), ups.error
    assert db.rows(f"SELECT v, count(*), count(DISTINCT id) FROM {target}.ups GROUP BY v ORDER BY v") == [
        ("new", 1000, 1000),
        ("old", 500, 500),
    ]


def test_a_text_chunk_column_fails_its_row_before_any_write_and_the_dry_run_prints_the_plan(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    big_source(db, source, target, 1000, nulls=3)
    rows = (row(f"{source}.big", f"{target}.big", cluster_secret, chunk="v"),
            row(f"{source}.big", f"{target}.big", cluster_secret, chunk="ts"))  # fmt: skip
    uri = put(put_config, f"dry-{target}", *rows)
    with caplog.at_level(logging.INFO):
        text, timestamps = run_step({"config_path": uri, "chunk_rows": "250", "dry_run": "true"}).outcomes
    assert text.status is RowStatus.FAILED
    assert "chunk column v is text: chunked loads need a number, a DATE or a TIMESTAMP" in str(text.error)
    assert timestamps.status is RowStatus.VALID
    assert "chunk plan: ~1,003 row(s) in 6 chunk(s) of ts:" in caplog.text
    assert "1: ts IS NULL (~3 rows)" in caplog.text and "6: ts > 2024-01-01 13:20:00 (~200 rows)" in caplog.text
    assert db.count(f"{target}.big") == 0
    (loaded_text, _) = run_step({"config_path": uri, "chunk_rows": "250", **FAST}).outcomes
    assert loaded_text.status is RowStatus.FAILED and db.count(f"{target}.big") == 1003  # the ts row alone


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_planned_row_resumes_on_its_plan_even_when_chunk_rows_is_off_now(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """Loaded whole, a row with committed chunks would copy them again: a row the run id planned keeps its plan."""
    source, target = schemas
    big_source(db, source, target, 1000)
    db.as_etl(
        f"""CREATE FUNCTION {target}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.id > 600 THEN RAISE EXCEPTION 'no id above 600 yet'; END IF; RETURN NEW; END $$""",
        f"CREATE TRIGGER refuse BEFORE INSERT ON {target}.big FOR EACH ROW EXECUTE FUNCTION {target}.refuse()",
    )
    uri = put(put_config, f"replan-{executor}-{target}", row(f"{source}.big", f"{target}.big", cluster_secret))
    run = {"config_path": uri, "executor": executor, "run_id": f"replan-{target}", "max_retries": 0}
    (first,) = run_step({**run, "chunk_rows": "100"}).outcomes
    assert first.status is RowStatus.FAILED and first.chunks == (7, 11), first.error  # NULLs and 6 ranges of 100
    assert "chunk 8/11 (id > 600 and <= 700) failed, 7 of 11 committed" in str(first.error)
    assert db.count(f"{target}.big") == 600

    db.as_etl(f"DROP TRIGGER refuse ON {target}.big")
    (second,) = run_step(run).outcomes  # no --chunk_rows now
    assert (second.status, second.rows_affected, second.chunks) == (RowStatus.SUCCEEDED, 1000, (11, 11))
    assert db.rows(f"SELECT count(*), count(DISTINCT id) FROM {target}.big") == [(1000, 1000)]


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_two_processes_of_one_run_id_load_each_chunk_once(
    isolation: str,
    executor: str,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    endpoints: StackEndpoints,
) -> None:
    source, target = schemas
    big_source(db, source, target, 5000, nulls=5)
    slow_target(db, f"{target}.big", 0.2)
    uri = put(put_config, f"twice-{executor}-{target}", row(f"{source}.big", f"{target}.big", cluster_secret))
    run_id = f"twice-{target}"
    command = step_command(uri, executor, run_id, 500)
    env = {**os.environ, **endpoints.aws_env()}
    first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    logs = [process.communicate(timeout=180)[1] for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], logs
    assert db.rows(f"SELECT count(*), count(DISTINCT id) FROM {target}.big") == [(5005, 5000)]
    keys = db.rows(f"SELECT row_key, count(*) FROM glue_elt.migration_state WHERE run_id = '{run_id}' GROUP BY row_key")
    assert len(keys) == 13  # 12 chunks (the NULLs and 11 ranges: 5,005 rows by 500) and the row
    assert sorted(count for _, count in keys)[:-1] == [1] * 12  # each chunk once (the row's record may be twice)
    assert db.count(f"glue_elt.migration_state_chunks WHERE run_id = '{run_id}'") == 1  # one plan


def test_schema_mode_cuts_by_the_named_column_else_the_sort_key_else_loads_whole(
    db: Db, schemas: tuple[str, str], cluster_secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    """``--chunk_column`` for the tables that have it (a new target too: its first chunk creates it), the leading sort
    key where the catalog shows one, else the table loads whole and the log says why."""
    source, target = schemas
    for name, columns in (("dated", "id int, order_date date"), ("sorted", "id int, k int"), ("plain", "id int, v text"),
                          ("fresh", "id int, order_date date")):  # fmt: skip
        second = "DATE '2024-01-01' + g" if "date" in columns else ("g % 50" if name == "sorted" else "'v'")
        db.admin(f"CREATE TABLE {source}.{name} ({columns})",
                 f"INSERT INTO {source}.{name} SELECT g, {second} FROM generate_series(1, 400) g")  # fmt: skip
        if name != "fresh":
            db.as_etl(f"CREATE TABLE {target}.{name} ({columns})")
    db.admin(report_sortkey_sql(f"{source}.sorted", "k", 1))
    params = {"source_schema": f"shared_db.{source}", "target_schema": target, "secret_name": cluster_secret,
              "discover_from": "source", "create_missing_targets": "true", "chunk_rows": "100",
              "chunk_column": "order_date", **FAST}  # fmt: skip
    with caplog.at_level(logging.INFO):
        outcomes = {o.row.target_table.split(".")[-1]: o for o in run_step(params).outcomes}
    assert {name: (o.status, o.rows_affected) for name, o in outcomes.items()} == {
        name: (RowStatus.SUCCEEDED, 400) for name in ("dated", "fresh", "plain", "sorted")
    }
    assert {name: o.chunks for name, o in outcomes.items()} == {"dated": (5, 5), "fresh": (5, 5), "sorted": (5, 5),
                                                                "plain": None}  # fmt: skip
    assert "of order_date" in caplog.text and "planned in 5 chunk(s) of k" in caplog.text
    assert "plain loads whole: no chunk_column, and the catalog shows no sort key of the source" in caplog.text
    assert outcomes["fresh"].created
    for name in outcomes:
        assert db.rows(f"SELECT count(*), count(DISTINCT id) FROM {target}.{name}") == [(400, 400)]
