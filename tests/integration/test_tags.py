"""Every statement the steps send opens with their tag, as the server logs it, with both executors; a run id
that tries to close the comment or add a parameter marker is quoted and the run works."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from glue_elt.steps.redshift_cross_account_migration.model import row_keys
from local_stack import LocalStack
from tests.conftest import Db, run_step
from tests.integration.test_redshift_sql import run_sql

PutConfig = Callable[[str, str], str]
HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
RUN_ID = "night */ 42; it's %s :p1"
TAG = re.compile(r'(?P<step>\w+) run=(?P<run>"[^"]*"|\S+)(?: row=(?P<row>\S+))?')
DRIVER_OWN = frozenset({"begin transaction", "commit", "rollback"})
"""What ``redshift_connector`` sends by itself (transaction control): not the step's statements."""
LOCAL_DATA_API_OWN = frozenset({"select pg_backend_pid()"})
"""What the local Data API sends on each of its sessions (to cancel it later): the service's, not the step's."""


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_every_statement_is_tagged_with_the_step_run_and_row(
    stack: LocalStack,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: Callable[[str, str], str],
    executor: str,
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int, v text)", f"INSERT INTO {source}.t VALUES (1, 'a'), (2, 'b')")
    db.as_etl(f"CREATE TABLE {target}.t (id int, v text)")
    uri = put_config(
        f"{target}/tags.csv", f"{HEADER}\nshared_db.{source}.t##id > 0#{target}.t#{cluster_secret}#append\n"
    )
    args = {"config_path": uri, "executor": executor, "run_id": RUN_ID, "summary_output_path": ""}
    with stack.statement_log() as log:
        (outcome,) = run_step(args).outcomes
    assert outcome.error is None and outcome.rows_affected == 2
    # The Data API gives the INSERT's query id (RedshiftQueryId); the driver would need a statement per table
    # (PG_LAST_QUERY_ID()), so its rows carry none: the tag finds them in SYS_QUERY_HISTORY instead.
    assert (
        (isinstance(outcome.query_id, int) and outcome.query_id > 0)
        if executor == "data_api"
        else (outcome.query_id is None)
    )
    statements = [s for s in log.statements if s.text.strip().lower() not in DRIVER_OWN | LOCAL_DATA_API_OWN]
    untagged = [s.text for s in statements if s.tag is None]
    assert statements and not untagged, untagged
    tags = [TAG.fullmatch(s.tag or "") for s in statements]
    assert all(tags), [s.tag for s in statements]
    assert {(m.group("step"), json.loads(m.group("run"))) for m in tags if m} == {("migrate", RUN_ID)}
    rows = {m.group("row") for m in tags if m and m.group("row")}
    assert rows == set(row_keys([outcome.row])), "the row's statements carry its key"
    loads = [s for s in statements if s.text.startswith(f'INSERT INTO "{target}"."t"')]
    assert loads and all(s.tag and "row=" in s.tag for s in loads)


@pytest.mark.parametrize("autocommit", ["refuse", "autocommit"])
def test_the_sql_steps_statements_carry_their_number(
    stack: LocalStack, db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, autocommit: str
) -> None:
    _, target = schemas
    uri = put_config(
        f"sql/{target}/tags.sql", f"CREATE TABLE {target}.a (id int);\nINSERT INTO {target}.a VALUES (1);\n"
    )
    args = {
        "sql_path": uri,
        "secret_name": etl_secret,
        "run_id": f"sql-tags-{autocommit}",
        "non_transactional": autocommit,
    }
    with stack.statement_log() as log:
        assert run_sql(args).status == "committed"
    numbered = {s.text: s.tag for s in log.statements if s.text.startswith(("CREATE TABLE", "INSERT INTO"))}
    assert numbered[f"CREATE TABLE {target}.a (id int)"] == f"sql run=sql-tags-{autocommit} row=1"
    assert numbered[f"INSERT INTO {target}.a VALUES (1)"] == f"sql run=sql-tags-{autocommit} row=2"
