"""Two runs at once, under SERIALIZABLE and under SNAPSHOT isolation, through both executors (issue 16).

- A run id started twice while the first still runs (a re-run, or a scheduler that starts a job twice): every
  load type must end with each row's data exactly once.
- Overlapping incremental and upsert runs of different run ids: both read the target's state; neither may load
  what the other already loaded.

A trigger that sleeps before every INSERT into a target makes the runs overlap for sure. Before the fix, the run
id started twice loaded every append row twice and the overlapping incremental runs inserted the new rows twice
(SNAPSHOT isolation; the append duplicate happened under SERIALIZABLE too).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from glue_elt import MigrationResult, RedshiftSqlStep, RowStatus
from tests.conftest import Db, run_step
from tests.integration.isolation import slow_inserts
from tests.integration.test_executors import config, line

PutConfig = Callable[[str, str], str]
RETRIES = {"max_retries": 5, "retry_wait_seconds": 0.05}


def together(*runs: Mapping[str, object]) -> list[MigrationResult]:
    """Start the runs at the same moment, each in its own thread, and wait for all."""
    barrier = threading.Barrier(len(runs))
    results: dict[int, MigrationResult] = {}

    def go(number: int, args: Mapping[str, object]) -> None:
        barrier.wait()
        results[number] = run_step({**RETRIES, **args})

    threads = [threading.Thread(target=go, args=(n, args)) for n, args in enumerate(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(results) == len(runs), "a run did not finish"
    return [results[n] for n in range(len(runs))]


def table(db: Db, source: str, target: str, name: str, rows: int, *, loaded: int = 0) -> None:
    """``source.name`` with ``rows`` rows (id 1..rows), ``target.name`` with the first ``loaded`` of them (older
    values), and a slow INSERT on the target."""
    db.admin(
        f"CREATE TABLE {source}.{name} (id int, k int, v text)",
        f"INSERT INTO {source}.{name} SELECT g, g % 10, 'v' || g FROM generate_series(1, {rows}) g",
    )
    db.as_etl(
        f"CREATE TABLE {target}.{name} (id int, k int, v text)",
        f"INSERT INTO {target}.{name} SELECT g, g % 10, 'old' FROM generate_series(1, {loaded}) g",
    )
    slow_inserts(db, target, name)


def contents(db: Db, target: str, name: str) -> tuple[Any, ...]:
    """(rows, distinct ids, rows still holding an old value) of ``target.name``."""
    (found,) = db.rows(f"SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE v = 'old') FROM {target}.{name}")
    return found


def records(db: Db, run_id: str) -> dict[str, int]:
    found = db.rows(f"SELECT target_table, count(*) FROM glue_elt.migration_state WHERE run_id = '{run_id}' GROUP BY 1")
    return {str(target): int(count) for target, count in found}


def no_failures(*results: MigrationResult) -> None:
    for result in results:
        assert all(o.status in (RowStatus.SUCCEEDED, RowStatus.SKIPPED) for o in result.outcomes), [
            o.error for o in result.outcomes
        ]


def test_a_run_id_started_twice_loads_each_row_once(
    isolation: str, executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    table(db, source, target, "a", 20)
    table(db, source, target, "o", 20, loaded=5)
    table(db, source, target, "i", 20, loaded=5)
    table(db, source, target, "u", 20, loaded=5)
    lines = [
        line(source, target, cluster_secret, "append", "a"),
        line(source, target, cluster_secret, "overwrite", "o"),
        line(source, target, cluster_secret, "incremental", "i", watermark="id"),
        line(source, target, cluster_secret, "upsert", "u", merge_keys="id"),
    ]
    run_id = f"twice-{target}-{executor}"
    args = {"config_path": config(put_config, run_id, *lines), "executor": executor, "run_id": run_id}
    first, second = together({**args, "max_parallel": 4}, {**args, "max_parallel": 4})
    no_failures(first, second)
    assert contents(db, target, "a") == (20, 20, 0)
    assert contents(db, target, "o") == (20, 20, 0)
    assert contents(db, target, "i") == (20, 20, 5)  # rows 1..5 were there before, with their old values
    assert contents(db, target, "u") == (20, 20, 0)
    assert records(db, run_id) == {f"{target}.{name}": 1 for name in "aoiu"}  # one load committed per row
    statuses = sorted(
        o.status.value for result in (first, second) for o in result.outcomes if o.row.target_table.endswith(".a")
    )
    assert statuses in (["skipped", "succeeded"], ["succeeded", "succeeded"]), (
        statuses
    )  # Data API: one batch, two answers


def test_a_run_id_started_twice_in_truncate_mode_leaves_the_table_once(
    isolation: str, executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    table(db, source, target, "o", 20, loaded=5)
    run_id = f"twice-truncate-{target}-{executor}"
    uri = config(put_config, run_id, line(source, target, cluster_secret, "overwrite", "o"))
    args = {"config_path": uri, "executor": executor, "run_id": run_id, "overwrite_mode": "truncate"}
    no_failures(*together(args, args))
    assert contents(db, target, "o") == (20, 20, 0)


def test_overlapping_incremental_and_upsert_runs_never_load_a_row_twice(
    isolation: str, executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    table(db, source, target, "i", 200, loaded=50)
    table(db, source, target, "u", 200, loaded=50)
    lines = [
        line(source, target, cluster_secret, "incremental", "i", watermark="id"),
        line(source, target, cluster_secret, "upsert", "u", merge_keys="id"),
    ]
    uri = config(put_config, f"overlap-{target}-{executor}", *lines)
    runs = [
        {"config_path": uri, "executor": executor, "run_id": f"overlap-{name}-{target}", "max_parallel": 2}
        for name in "ab"
    ]
    no_failures(*together(*runs))
    assert contents(db, target, "i") == (200, 200, 50)
    assert contents(db, target, "u") == (200, 200, 0)


def test_a_sql_script_started_twice_with_one_run_id_commits_once(
    isolation: str, db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """RedshiftSqlStep: the second run, once it holds the state table's lock at the end of its transaction, finds
    the first one's record and rolls back."""
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.log (id int)")
    slow_inserts(db, target, "log")
    uri = put_config(f"sql/{target}/twice.sql", f"INSERT INTO {target}.log SELECT g FROM generate_series(1, 10) g;\n")
    args = {"sql_path": uri, "secret_name": etl_secret, "run_id": f"sql-twice-{target}", **RETRIES}
    barrier = threading.Barrier(2)
    statuses: list[str] = []

    def go() -> None:
        barrier.wait()
        step = RedshiftSqlStep(args)
        try:
            statuses.append(step.run().status)
        finally:
            step.close()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == ["committed", "skipped"]
    assert db.rows(f"SELECT count(*), count(DISTINCT id) FROM {target}.log") == [(10, 10)]


def test_a_run_id_started_twice_into_a_missing_target_creates_it_once_and_loads_it_once(
    isolation: str, executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """``--create_missing_targets`` and a statement timeout: both runs see the target missing, both send ``CREATE
    TABLE`` in their load transaction; one creates and loads it, the other's CREATE fails (or, Data API, is answered
    with the same batch) and it then locks the table and skips."""
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.c (id int, k int, v varchar(20))",
        f"INSERT INTO {source}.c SELECT g, g % 10, 'v' || g FROM generate_series(1, 20) g",
    )
    run_id = f"twice-create-{target}-{executor}"
    args = {
        "config_path": config(put_config, run_id, line(source, target, cluster_secret, "append", "c")),
        "executor": executor,
        "run_id": run_id,
        "create_missing_targets": "true",
        "statement_timeout_seconds": "60",
    }
    first, second = together(args, args)
    no_failures(first, second)
    assert contents(db, target, "c") == (20, 20, 0)
    assert records(db, run_id) == {f"{target}.c": 1}


def test_two_run_ids_creating_one_missing_target_at_once_both_load_it(
    isolation: str, executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """Two runs of different run ids append into the same missing target: one creates it, and both loads land in
    it once each (the other's ``CREATE TABLE`` waits for the first to commit and fails; it then loads the table as an
    existing one, opening with its lock)."""
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.c (id int, k int, v varchar(20))",
        f"INSERT INTO {source}.c SELECT g, g % 10, 'v' || g FROM generate_series(1, 20) g",
    )
    runs = [
        {
            "config_path": config(put_config, run_id, line(source, target, cluster_secret, "append", "c")),
            "executor": executor,
            "run_id": run_id,
            "create_missing_targets": "true",
        }
        for run_id in (f"create-a-{target}-{executor}", f"create-b-{target}-{executor}")
    ]
    no_failures(*together(*runs))
    assert contents(db, target, "c") == (40, 20, 0)
