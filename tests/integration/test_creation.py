"""``create_unless_raced`` on the local stack with the real driver and the local Data API: a create that fails
because another run made the table first is taken as that race (the table is used); a create that fails for
another reason (a missing schema) is raised as the server gave it, and nothing is created."""

from __future__ import annotations

import pytest

from glue_elt.errors import ExecutionError
from glue_elt.redshift.catalog import TableKey
from glue_elt.redshift.creation import create_unless_raced
from glue_elt.redshift.executor import Executor
from local_stack import LocalStack
from tests.conftest import Db


def test_a_create_that_lost_the_race_uses_the_table_the_other_run_made(
    stack: LocalStack, db: Db, schemas: tuple[str, str], cluster_secret: str, sql_executor: Executor
) -> None:
    _, target = schemas
    key = TableKey(stack.endpoints.database, target, "book")
    statement = f"CREATE TABLE {target}.book (id INTEGER)"  # no IF NOT EXISTS: the race's loser fails for sure

    def create() -> None:
        db.as_etl(statement)  # the other run, first
        sql_executor.execute(cluster_secret, statement)

    create_unless_raced(sql_executor, cluster_secret, key, create)
    assert db.count(f"{target}.book") == 0


def test_a_create_that_fails_for_another_reason_is_raised_and_creates_nothing(
    stack: LocalStack, db: Db, schemas: tuple[str, str], cluster_secret: str, sql_executor: Executor
) -> None:
    _, target = schemas
    key = TableKey(stack.endpoints.database, f"{target}_missing", "book")
    statement = f"CREATE TABLE IF NOT EXISTS {target}_missing.book (id INTEGER)"
    with pytest.raises(ExecutionError, match="does not exist"):
        create_unless_raced(sql_executor, cluster_secret, key, lambda: sql_executor.execute(cluster_secret, statement))
    assert db.rows(f"SELECT 1 FROM pg_namespace WHERE nspname = '{target}_missing'") == []
