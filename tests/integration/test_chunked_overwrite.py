"""A chunked overwrite on the local stack (issue 29): its chunks go into a staging table, then one swap makes that the
target. Killed half-way, the old rows are still there and visible, the stage waits for the re-run, which loads only
the missing chunks and swaps; a reader polling all along sees the old count or the new one, never another. Both
executors, at SERIALIZABLE and at SNAPSHOT."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from collections.abc import Callable

import pytest

from glue_elt import RowStatus
from glue_elt.redshift.names import Identifier, TableName
from glue_elt.steps.redshift_cross_account_migration.config_file import parse_config
from glue_elt.steps.redshift_cross_account_migration.model import row_keys
from glue_elt.steps.redshift_cross_account_migration.staging import stage_name
from local_stack import LocalStack, StackEndpoints
from tests.conftest import Db, run_step
from tests.integration.test_chunked_loads import (
    FAST,
    HEADER,
    big_source,
    open_work,
    put,
    records,
    row,
    step_command,
    wait_for,
)
from tests.integration.test_session_settings import attempts, slow_target
from tests.integration.test_staging_swap import Poller

pytestmark = pytest.mark.integration
PutConfig = Callable[[str, str], str]
OLD, NEW = 50, 300_010


def stage_of(config: str, run_id: str) -> str:
    """The stage the step names for the config's one row in ``run_id``."""
    (parsed,) = parse_config(config, "#", "test")
    target = TableName(tuple(Identifier(part) for part in parsed.target_table.split(".")))
    return stage_name(target, run_id, row_keys([parsed])[0]).table


def tables_of(db: Db, schema: str) -> list[str]:
    return [name for (name,) in db.rows(f"SELECT tablename FROM pg_tables WHERE schemaname = '{schema}' ORDER BY 1")]


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_chunked_overwrite_killed_half_way_keeps_the_old_rows_and_its_rerun_swaps_in_the_new_ones(
    isolation: str,
    executor: str,
    stack: LocalStack,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    endpoints: StackEndpoints,
) -> None:
    source, target = schemas
    big_source(db, source, target, 300_000, nulls=10)
    reader = f"{target}_reader"
    db.admin(f"CREATE ROLE {reader} LOGIN", f"GRANT USAGE ON SCHEMA {target} TO {reader}")
    db.as_etl(
        f"INSERT INTO {target}.big SELECT g, NULL, 'old' FROM generate_series(1, {OLD}) g",
        f"GRANT SELECT ON {target}.big TO {reader}",
    )
    line = row(f"{source}.big", f"{target}.big", cluster_secret, "overwrite")
    uri = put(put_config, f"over-{executor}-{target}", line)
    run_id = f"over-{target}"
    stage = stage_of(f"{HEADER}\n{line}\n", run_id)
    db.as_etl(f"CREATE TABLE {target}.{stage} (LIKE {target}.big)")  # made as the step would, to slow it down:
    counter = slow_target(db, f"{target}.{stage}", 0.4)  # every chunk's INSERT takes 0.4 s more
    command = step_command(uri, executor, run_id, 30_000)
    poller = Poller(stack, f"{target}.big", reader)
    poller.start()
    try:
        with subprocess.Popen(command, env={**os.environ, **endpoints.aws_env()}, stderr=subprocess.PIPE) as process:
            try:
                wait_for(lambda: records(db, run_id) >= 5 or process.poll() is not None, "five chunks")
                process.send_signal(signal.SIGKILL)
            finally:
                process.kill()
                process.wait()
        wait_for(lambda: not open_work(db), "the killed run's last transaction to end")
        committed, tried = records(db, run_id), attempts(db, counter)
        assert 5 <= committed < 12, "the run was not killed half-way"
        assert db.rows(f"SELECT count(*), min(v), max(v) FROM {target}.big") == [(OLD, "old", "old")]
        assert run_id.replace("-", "_") in stage and tables_of(db, target) == sorted(["big", stage])

        result = run_step({"config_path": uri, "executor": executor, "run_id": run_id, "chunk_rows": "30000", **FAST})
        (outcome,) = result.outcomes
        assert (outcome.status, outcome.rows_affected, outcome.chunks) == (RowStatus.SUCCEEDED, NEW, (12, 12))
    finally:
        poller.halt.set()
        poller.join()
    assert attempts(db, counter) - tried == 12 - committed  # only the missing chunks were loaded
    assert db.rows(f"SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE v = 'old') FROM {target}.big") == [
        (NEW, 300_000, 0)
    ]
    assert tables_of(db, target) == ["big"]  # nothing staged or retired is left
    seen = set(poller.results)
    assert seen <= {OLD, NEW} and OLD in seen and NEW in seen, sorted(map(str, seen))[:5]
    assert db.rows(f"SELECT has_table_privilege('{reader}', '{target}.big', 'SELECT')") == [(True,)]
    assert records(db, run_id) == 13  # 12 chunks and the row, each once


def test_an_overwrite_whose_target_has_a_bound_view_is_refused_before_any_write(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    big_source(db, source, target, 1000)
    db.as_etl(f"INSERT INTO {target}.big VALUES (1, NULL, 'old')", f"CREATE VIEW {target}.recent AS "
              f"SELECT * FROM {target}.big")  # fmt: skip
    uri = put(put_config, f"view-{target}", row(f"{source}.big", f"{target}.big", cluster_secret, "overwrite"))
    (outcome,) = run_step({"config_path": uri, "chunk_rows": "200", **FAST}).outcomes
    assert outcome.status is RowStatus.FAILED
    assert f"view(s) {target}.recent are bound to it" in str(outcome.error)
    assert tables_of(db, target) == ["big"] and db.count(f"{target}.big") == 1
    (whole,) = run_step({"config_path": uri, **FAST}).outcomes  # without chunks it loads as ever
    assert (whole.status, db.count(f"{target}.big")) == (RowStatus.SUCCEEDED, 1000)


def test_a_dry_run_shows_the_stage_and_the_swap_and_writes_nothing(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    big_source(db, source, target, 1000)
    line = row(f"{source}.big", f"{target}.big", cluster_secret, "overwrite")
    uri = put(put_config, f"dry-over-{target}", line)
    with caplog.at_level(logging.INFO):
        (outcome,) = run_step({"config_path": uri, "chunk_rows": "300", "dry_run": "true", "run_id": "dry"}).outcomes
    assert outcome.status is RowStatus.VALID
    config = f"{HEADER}\n{line}\n"
    stage = f"{target}.{stage_of(config, 'dry')}"
    assert f"each chunk into {stage}, then {stage} swapped in for the target with the row's record" in caplog.text
    assert tables_of(db, target) == ["big"] and db.count(f"{target}.big") == 0
