"""Concurrent runs sharing the state table, under SERIALIZABLE and SNAPSHOT isolation (``tests.integration.isolation``).

A load transaction locks its target, writes it and appends to the state table without reading it, so the rows of
one run, and runs on different targets, never conflict; two runs that overwrite the same table wait for each
other's lock instead of conflicting.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

import pytest

from glue_elt import MigrationResult, RowStatus
from local_stack import LocalStack
from tests.conftest import Db, run_step

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
PutConfig = Callable[[str, str], str]
ROWS = 200
SHARED_ROWS = 200_000


def test_two_concurrent_runs_share_the_state_table_and_load_every_table_once(
    isolation: str,
    stack: LocalStack,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: PutConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, target = schemas
    own = {run: [f"{run}{n}" for n in range(10)] for run in ("a", "b")}
    shared = ["s0", "s1"]
    sizes = {table: SHARED_ROWS if table in shared else ROWS for table in [*own["a"], *own["b"], *shared]}
    for table, size in sizes.items():
        db.admin(
            f"CREATE TABLE {source}.{table} (id int, v text)",
            f"INSERT INTO {source}.{table} SELECT g, 'v' || g FROM generate_series(1, {size}) g",
        )
        db.as_etl(f"CREATE TABLE {target}.{table} (id int, v text)")
    state = f"state_{target}.migration_state"  # created by whichever run gets there first
    results: dict[str, MigrationResult] = {}
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        lines = [f"shared_db.{source}.{t}###{target}.{t}#{etl_secret}#overwrite" for t in [*shared, *own[name]]]
        uri = put_config(f"isolation/{target}-{name}.csv", HEADER + "\n" + "\n".join(lines) + "\n")
        args = {
            "config_path": uri,
            "JOB_RUN_ID": f"run-{name}-{target}",
            "state_table": state,
            "max_parallel": 4,
            "max_retries": 8,
            "retry_wait_seconds": 0.05,
        }
        barrier.wait()
        results[name] = run_step(args)

    with caplog.at_level(logging.WARNING):
        threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    for name in ("a", "b"):
        outcomes = results[name].outcomes
        assert [o.status for o in outcomes] == [RowStatus.SUCCEEDED] * 12, [o.error for o in outcomes]
        assert db.rows(f"SELECT count(*) FROM {state} WHERE run_id = 'run-{name}-{target}'") == [(12,)]
    for table, size in sizes.items():
        assert db.rows(f"SELECT count(*), count(DISTINCT id) FROM {target}.{table}") == [(size, size)], table
    retried = set(re.findall(rf"{target}\.(\w+) \(line \d+\): transient error", caplog.text))
    assert retried <= set(shared), f"rows on tables of their own conflicted: {retried - set(shared)}"
