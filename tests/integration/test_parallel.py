"""Parallel loads against the real stack: same result as serial, same-table rows never overlap,
connections per secret never exceed --max_parallel (plus the one side connection for the look-ups that a load makes
while its transaction holds the target's lock), each secret read once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import boto3

from glue_elt import RedshiftCrossAccountDataMigration, RedshiftExecutor, RowStatus
from glue_elt.redshift.auth.secrets import SecretStore
from local_stack import LocalStack
from tests.conftest import BUCKET, Db, read_json, run_step
from tests.integration.isolation import slow_rows
from tests.integration.test_reliability import StepThread

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
PutConfig = Callable[[str, str], str]


def test_parallel_run_over_55_tables_equals_the_serial_run(
    stack: LocalStack, db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, _ = schemas
    tables = [f"t{i:02d}" for i in range(55)]
    for i, table in enumerate(tables):
        db.admin(f"CREATE TABLE {source}.{table} (id int, v text)")
        db.admin(f"INSERT INTO {source}.{table} SELECT g, 'v' || g FROM generate_series(1, {i * 7}) g")
    results, errors = {}, {}
    for mode, parallel in (("serial", 1), ("parallel", 4)):
        target = f"{source}_{mode}"
        stack.create_target_schema(target)
        db.as_etl(*[f"CREATE TABLE {target}.{table} (v text, id int)" for table in tables])
        lines = [f"shared_db.{source}.{t}###{target}.{t}#{etl_secret}#append" for t in tables]
        lines[10] = f"shared_db.{source}.missing###{target}.t10#{etl_secret}#append"  # fails pre-flight
        lines[20] = f"shared_db.{source}.t20##no_col > 1#{target}.t20#{etl_secret}#append"  # fails pre-flight
        lines.append(f"shared_db.{source}.t05##id <= 3#{target}.t05#{etl_secret}#append")  # same target twice
        lines.append(f"shared_db.{source}.t06###{target}.t06#{etl_secret}#overwrite")  # and again, overwriting
        config = put_config(f"{target}/config.csv", HEADER + "\n" + "\n".join(lines) + "\n")
        result = run_step(
            {
                "config_path": config,
                "max_parallel": parallel,
                "error_output_path": f"s3://{BUCKET}/{target}/errors.json",
            }
        )
        results[mode] = [
            (o.row.target_table.replace(target, "T"), o.status, o.rows_affected, (o.error or "").replace(target, "T"))
            for o in result.outcomes
        ]
        results[mode + " counts"] = [db.count(f"{target}.{t}") for t in tables]
        errors[mode] = str(read_json(f"s3://{BUCKET}/{target}/errors.json")).replace(target, "T")
    assert results["parallel"] == results["serial"]
    assert results["parallel counts"] == results["serial counts"]
    assert errors["parallel"] == errors["serial"]
    statuses = [status for _, status, _, _ in results["serial"]]
    assert statuses.count(RowStatus.FAILED) == 2 and statuses.count(RowStatus.SUCCEEDED) == 55
    assert results["serial counts"][5] == 35 + 3 and results["serial counts"][6] == 42


def test_rows_on_one_target_never_run_at_once(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """Timestamps written by the SQL itself (clock_timestamp() per inserted row) show who ran when."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.s (id int)", f"INSERT INTO {source}.s SELECT g FROM generate_series(1, 60) g")
    db.as_etl(
        f"CREATE TABLE {target}.a (id int, loaded_at timestamp DEFAULT clock_timestamp())",
        f"CREATE TABLE {target}.b (id int, loaded_at timestamp DEFAULT clock_timestamp())",
    )
    slow_rows(db, target, "a")
    slow_rows(db, target, "b")
    lines = []
    for low in (0, 10, 20, 30):  # four slow loads into a, interleaved with four into b
        slow = f"id > {low} AND id <= {low + 10}"
        lines.append(f"shared_db.{source}.s#id#{slow}#{target}.a#{etl_secret}#append")
        lines.append(f"shared_db.{source}.s#id#{slow}#{target}.b#{etl_secret}#append")
    config = put_config(f"{target}/same.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    result = run_step({"config_path": config, "max_parallel": 4})
    assert result.ok and [o.rows_affected for o in result.outcomes] == [10] * 8

    def spans(table: str) -> list[tuple[Any, Any]]:
        return db.rows(f"SELECT min(loaded_at), max(loaded_at) FROM {target}.{table} GROUP BY (id - 1) / 10 ORDER BY 1")

    a, b = spans("a"), spans("b")
    for spans_of_one_table in (a, b):
        for earlier, later in zip(spans_of_one_table, spans_of_one_table[1:]):
            assert earlier[1] < later[0], "two loads of one table overlapped"
    assert any(x[0] < y[1] and y[0] < x[1] for x in a for y in b), "loads of different tables never overlapped"
    ordered = db.rows(f"SELECT (id - 1) / 10 FROM {target}.a GROUP BY 1 ORDER BY min(loaded_at)")
    assert [r[0] for r in ordered] == [0, 1, 2, 3]  # file order within the table


def test_connections_per_secret_never_exceed_max_parallel_and_one_for_look_ups(
    stack: LocalStack, db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    tables = [f"t{i}" for i in range(12)]
    db.admin(f"CREATE TABLE {source}.s (id int)", f"INSERT INTO {source}.s SELECT g FROM generate_series(1, 10) g")
    db.as_etl(*[f"CREATE TABLE {target}.{t} (id int)" for t in tables])
    for table in tables:
        slow_rows(db, target, table)
    lines = [f"shared_db.{source}.s###{target}.{t}#{etl_secret}#append" for t in tables]
    config = put_config(f"{target}/pool.csv", HEADER + "\n" + "\n".join(lines) + "\n")

    observed: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            clients = [line.split("|") for line in stack.bouncer_admin("SHOW CLIENTS").splitlines()]
            observed.append(sum(1 for c in clients if c[1] == "etl_user" and c[-1] == "glue-elt"))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        runner = StepThread(RedshiftCrossAccountDataMigration({"config_path": config, "max_parallel": 3}))
        runner.start()
        result = runner.outcome()
    finally:
        stop.set()
        sampler.join(10)
    assert result.ok
    assert max(observed) <= 3 + 1  # three loads at once, and the side connection of their look-ups
    assert max(observed) >= 2, "the run never used more than one connection"


def test_each_secret_is_read_once_per_run(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    tables = [f"t{i}" for i in range(20)]
    db.admin(f"CREATE TABLE {source}.s (id int)", f"INSERT INTO {source}.s VALUES (1)")
    db.as_etl(*[f"CREATE TABLE {target}.{t} (id int)" for t in tables])
    lines = [f"shared_db.{source}.s###{target}.{t}#{etl_secret}#append" for t in tables]
    config = put_config(f"{target}/secret.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    client = boto3.client("secretsmanager")
    calls: list[str] = []
    client.meta.events.register(
        "provide-client-params.secrets-manager.GetSecretValue", lambda **kw: calls.append(kw["params"]["SecretId"])
    )
    executor = RedshiftExecutor(SecretStore(client), max_connections_per_secret=4)
    step = RedshiftCrossAccountDataMigration({"config_path": config, "max_parallel": 4}, executor=executor)
    result = step.run()
    executor.close()
    assert result.ok and len(result.outcomes) == 20
    assert calls == [etl_secret]
