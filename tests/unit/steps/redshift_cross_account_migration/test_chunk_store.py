"""The chunk plan table's statements: their shape on Redshift, their quoting, the table's name."""

from __future__ import annotations

import pytest
import sqlglot

from glue_elt.errors import ConfigError
from glue_elt.redshift.names import Identifier, TableName
from glue_elt.steps.redshift_cross_account_migration.chunk_store import (
    chunk_plans_name,
    create_sql,
    insert_once_sql,
    read_sql,
)
from glue_elt.steps.redshift_cross_account_migration.chunks import plan_from

STATE = TableName((Identifier("glue_elt"), Identifier("migration_state")))
PLAN = plan_from(Identifier("id"), "INTEGER", 1000, (0, 10, 20))


def test_the_plan_table_sits_beside_the_state_table() -> None:
    assert chunk_plans_name(STATE).sql() == '"glue_elt"."migration_state_chunks"'
    with pytest.raises(ConfigError, match=r"the chunk plan table .x{121}_chunks. would be over 127 bytes"):
        chunk_plans_name(TableName((Identifier("s"), Identifier("x" * 121))))


def test_every_statement_parses_as_redshift() -> None:
    table = chunk_plans_name(STATE)
    for sql in (create_sql(table), insert_once_sql(table, "run", "k" * 64, "a.t", PLAN), read_sql(table),
                read_sql(table, one_row=True).replace("%s", "'x'")):  # fmt: skip
        assert sqlglot.parse_one(sql.replace("%s", "'x'"), read="redshift") is not None


def test_the_insert_carries_literals_only_and_writes_once_per_run_and_row() -> None:
    sql = insert_once_sql(chunk_plans_name(STATE), "it's", "k" * 64, "a.t", PLAN)
    assert "%s" not in sql and "'it''s'" in sql
    assert sql.endswith(f"WHERE NOT EXISTS (SELECT 1 FROM \"glue_elt\".\"migration_state_chunks\" WHERE run_id = "
                        f"'it''s' AND row_key = '{'k' * 64}')")  # fmt: skip
    assert PLAN.document() in sql
