"""A run id is a job's: two Glue jobs (``--JOB_NAME``) that use one run id (a date) both do their work, with both
executors and with the SQL step; a job's re-run still skips what it committed, and records written without a job
name (before keys were scoped, or by a run outside Glue) still count."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from glue_elt import RowStatus
from tests.conftest import Db, run_step
from tests.integration.conftest import EXECUTORS
from tests.integration.test_executors import FAST_RETRIES, config, line, seed
from tests.integration.test_redshift_sql import run_sql

PutConfig = Callable[[str, str], str]


@pytest.mark.parametrize("executor", EXECUTORS)
def test_two_jobs_with_one_run_id_each_load_the_same_row_once(
    isolation: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, executor: str
) -> None:
    source, target = schemas
    seed(db, source, target, rows=5)
    uri = config(put_config, f"jobs-{target}", line(source, target, cluster_secret))
    run_id = f"2026-12-07-{target}"
    args = {"config_path": uri, "executor": executor, "run_id": run_id, **FAST_RETRIES}

    (first,) = run_step({**args, "JOB_NAME": "orders-to-sales"}).outcomes
    (second,) = run_step({**args, "JOB_NAME": "orders-to-finance"}).outcomes
    assert (first.status, second.status) == (RowStatus.SUCCEEDED, RowStatus.SUCCEEDED)
    assert db.count(f"{target}.t") == 10  # each job's append, once each
    (again,) = run_step({**args, "JOB_NAME": "orders-to-sales"}).outcomes
    assert (again.status, again.rows_affected) == (RowStatus.SKIPPED, 5)
    assert db.count(f"{target}.t") == 10


def test_a_record_without_a_job_name_still_counts_for_a_job(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed(db, source, target, rows=5)
    uri = config(put_config, f"legacy-{target}", line(source, target, etl_secret))
    args = {"config_path": uri, "run_id": f"legacy-{target}"}
    (unnamed,) = run_step(args).outcomes  # as every run wrote its records before keys were scoped
    (job,) = run_step({**args, "JOB_NAME": "nightly"}).outcomes
    assert (unnamed.status, job.status) == (RowStatus.SUCCEEDED, RowStatus.SKIPPED)
    assert db.count(f"{target}.t") == 5


def test_two_jobs_with_one_run_id_each_run_the_same_script(
    isolation: str, db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.runs (n int)")
    uri = put_config(f"sql/{target}/jobs.sql", f"INSERT INTO {target}.runs VALUES (1);\n")
    args = {"sql_path": uri, "secret_name": etl_secret, "run_id": f"2026-12-07-{target}"}
    first = run_sql({**args, "JOB_NAME": "marts"})
    second = run_sql({**args, "JOB_NAME": "finance-marts"})
    again = run_sql({**args, "JOB_NAME": "marts"})
    assert (first.status, second.status, again.status) == ("committed", "committed", "skipped")
    assert db.count(f"{target}.runs") == 2
