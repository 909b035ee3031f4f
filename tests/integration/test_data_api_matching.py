"""The Data API executor trusts only answers it has matched: a placeholder inside a quoted name is text, a batch that
answers a ClientToken is compared with the request before its row counts are read, and a batch ended by
``CancelStatement`` (or reported ABORTED) must have really ended before the row moves on to a new token."""

from __future__ import annotations

from collections.abc import Callable

from glue_elt import RowStatus
from tests.conftest import Db, run_step
from tests.integration.test_executors import FAST_RETRIES, config, line, seed

PutConfig = Callable[[str, str], str]


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
    assert "the source has duplicate merge keys: (1)" in (failed.error or ""), failed.error
