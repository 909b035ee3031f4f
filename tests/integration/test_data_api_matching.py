"""The Data API executor trusts only answers it has matched: a placeholder inside a quoted name is text, a batch that
answers a ClientToken is compared with the request before its row counts are read, and a batch ended by
``CancelStatement`` (or reported ABORTED) must have really ended before the row moves on to a new token."""

from __future__ import annotations

import time
from collections.abc import Callable

from glue_elt import RowStatus
from glue_elt.redshift.state import StateTable
from local_stack import LocalStack
from local_stack.aws_api.process import set_faults
from tests.conftest import Db, run_step
from tests.integration.isolation import slow_inserts
from tests.integration.test_executors import FAST_RETRIES, config, line, seed

PutConfig = Callable[[str, str], str]
BUSY = (
    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename <> current_user "
    "AND state <> 'idle'"
)


def quiet(db: Db, seconds: float = 30.0) -> None:
    """Wait until no other user's session runs a statement or holds a transaction open (at most ``seconds``)."""
    deadline = time.monotonic() + seconds
    while db.rows(BUSY)[0][0] and time.monotonic() < deadline:
        time.sleep(0.1)


def test_a_state_table_whose_quoted_name_holds_a_placeholder_works_through_the_data_api(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed(db, source, target, rows=4)
    uri = config(put_config, f"percent-{target}", line(source, target, cluster_secret))
    state = f'{target}."run%state"'
    args = {"config_path": uri, "executor": "data_api", "state_table": state, "run_id": f"pct-{target}", **FAST_RETRIES}
    (first,) = run_step(args).outcomes
    (again,) = run_step(args).outcomes
    assert (first.status, first.rows_affected) == (RowStatus.SUCCEEDED, 4)
    assert (again.status, again.rows_affected) == (RowStatus.SKIPPED, 4)
    assert db.rows(f'SELECT run_id, rows_affected FROM {target}."run%state"') == [(f"pct-{target}", 4)]


def test_a_query_behind_session_settings_is_not_a_transaction_that_opens_by_reading_the_share(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """With ``--query_group`` every Data API statement is sent behind its ``SET``: the query that shows a tripped
    upsert guard's offending keys reads the share, and in one transaction with the SET a consumer refuses it."""
    source, target = schemas
    seed(db, source, target, rows=4)
    db.admin(f"INSERT INTO {source}.t VALUES (1, 1, 'again')")
    uri = config(put_config, f"dup-{target}", line(source, target, cluster_secret, "upsert", merge_keys="id"))
    args = {"config_path": uri, "executor": "data_api", "query_group": "etl", "fail_on_error": "false", **FAST_RETRIES}
    (failed,) = run_step(args).outcomes
    assert failed.status is RowStatus.FAILED
    assert "the source has duplicate merge keys (id): (1)" in (failed.error or ""), failed.error


def test_a_batch_reported_aborted_while_it_still_runs_is_awaited_and_loads_once(
    isolation: str, stack: LocalStack, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """The service answers ABORTED while the batch, still queued (its session open, no lock taken yet), goes on and
    commits (aws/aws-sdk-js-v3#3056): the executor waits until the batch's session has ended and the row is looked
    up, so neither this run nor a re-run of its run id sends a second batch beside the first."""
    source, target = schemas
    seed(db, source, target, rows=6)
    slow_inserts(db, target, "t", seconds=1.0)
    state = StateTable.parse(f"{target}.state")
    db.as_etl(*state.create_statements(with_schema=False))  # so the fault meets the row's batch
    uri = config(put_config, f"aborted-{target}", line(source, target, cluster_secret))
    args = {"config_path": uri, "executor": "data_api", "run_id": f"aborted-{target}", "state_table": str(state),
            **FAST_RETRIES}  # fmt: skip
    url = stack.endpoints.redshift_api_url
    set_faults(url, report_aborted_next_batch=1, aborted_batch_queued_seconds=3)
    try:
        (first,) = run_step(args).outcomes
    finally:
        set_faults(url, reset=True)
    (again,) = run_step(args).outcomes  # a re-run of the run id, right after
    quiet(db)  # every batch has ended, the first one included
    assert db.count(f"{target}.t") == 6, "a second batch loaded the rows again"
    assert (first.status, first.rows_affected) == (RowStatus.SUCCEEDED, 6), first.error
    assert (again.status, again.rows_affected) == (RowStatus.SKIPPED, 6)
