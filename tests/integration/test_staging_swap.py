"""A chunked overwrite's staging table and swap on the local stack, with the real driver and the local Data API (the
swap as one batch), under SERIALIZABLE and SNAPSHOT (repeatable read on the stand-in).

- A reader polling ``SELECT COUNT(*)`` of the target on another connection, as a user the target's grants let in,
  sees the old count, then the new one, never another number and never an error. One of its queries is made to
  wait behind the swap's LOCK for sure: a third session holds a read lock on the target until both the swap and the
  reader are queued behind it.
- The target's grants, defaults and NOT NULL are those of the new table; nothing staged is left behind.
- What the swap cannot carry over (another owner, a bound regular or materialized view, a referencing foreign key,
  an IDENTITY column) is refused with a message naming it, having sent only catalog queries.

A late-binding view (``WITH NO SCHEMA BINDING``, bound by name when queried, dg/r_CREATE_VIEW.html) is not tested:
PostgreSQL binds every view to its tables, so the stand-in cannot express one.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

from glue_elt.redshift.catalog import TableKey
from glue_elt.redshift.data_api.executor import DataApiExecutor
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.names import Identifier, TableName
from glue_elt.steps.redshift_cross_account_migration.staging import (
    create_stage,
    drop_retired,
    stage_name,
    swap_statements,
)
from glue_elt.steps.redshift_cross_account_migration.staging_checks import read_grants, read_swap_facts, swap_refusal
from local_stack import LocalStack
from tests.conftest import Db

OLD, NEW = 30, 250
ROW_KEY = "5a7e" * 16
PRIVILEGES_SQL = (
    "SELECT privilege_type, identity_name, identity_type, admin_option FROM svv_relation_privileges "
    "WHERE namespace_name = '{}' AND relation_name = 't' ORDER BY 1, 2"
)
COLUMNS_SQL = (
    "SELECT column_name, data_type, is_nullable, column_default FROM svv_redshift_columns "
    "WHERE schema_name = '{}' AND table_name = 't' ORDER BY ordinal_position"
)


def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for ``condition`` (a guard against hanging, not a measurement)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.02)


class Poller(threading.Thread):
    """``SELECT COUNT(*)`` of ``table`` in a loop, as ``role`` (an admin session with ``SET ROLE``): each count, or
    the error's text, in ``results``."""

    def __init__(self, stack: LocalStack, table: str, role: str) -> None:
        super().__init__(daemon=True)
        self.stack, self.table, self.role = stack, table, role
        self.results: list[int | str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        with contextlib.closing(self.stack.admin_connect()) as conn:
            cursor = conn.cursor()
            cursor.execute(f"SET ROLE {self.role}")
            while not self.halt.is_set():
                try:
                    cursor.execute(f"SELECT COUNT(*) FROM {self.table}")
                    self.results.append(int(cursor.fetchall()[0][0]))
                except Exception as error:  # every error is a finding
                    self.results.append(f"{type(error).__name__}: {error}")


def waiting_for(db: Db, table: str) -> int:
    """Lock requests on ``table`` that wait."""
    return int(db.rows(f"SELECT count(*) FROM pg_locks WHERE relation = '{table}'::regclass AND NOT granted")[0][0])


def seeded(db: Db, source: str, target: str) -> tuple[str, str]:
    """``source.t`` with NEW rows; ``target.t`` (the ETL user's) with OLD rows, a default, NOT NULL and grants to a
    login role (one WITH GRANT OPTION), a group and PUBLIC. Returns the role and the group."""
    reader, group = f"{target}_reader", f"{target}_group"
    db.admin(
        f"CREATE ROLE {reader} LOGIN",
        f"CREATE ROLE {group} NOLOGIN",
        f"GRANT USAGE ON SCHEMA {target} TO {reader}",
        f"CREATE TABLE {source}.t (id int NOT NULL, v varchar(20))",
        f"INSERT INTO {source}.t SELECT g, 'new ' || g FROM generate_series(1, {NEW}) g",
    )
    db.as_etl(
        f"CREATE TABLE {target}.t (id int NOT NULL, v varchar(20) DEFAULT 'none')",
        f"INSERT INTO {target}.t SELECT g, 'old' FROM generate_series(1, {OLD}) g",
        f"GRANT SELECT ON {target}.t TO {reader}",
        f"GRANT INSERT ON {target}.t TO {reader} WITH GRANT OPTION",
        f"GRANT SELECT, DELETE ON {target}.t TO GROUP {group}",
        f"GRANT REFERENCES ON {target}.t TO PUBLIC",
    )
    return reader, group


def test_a_reader_sees_the_old_rows_then_the_new_ones_and_the_grants_survive_the_swap(
    stack: LocalStack, db: Db, schemas: tuple[str, str], cluster_secret: str, sql_executor: Executor, isolation: str
) -> None:
    source, target = schemas
    reader, group = seeded(db, source, target)
    privileges_before = db.rows(PRIVILEGES_SQL.format(target))
    columns_before = db.rows(COLUMNS_SQL.format(target))
    assert {(row[1], row[2]) for row in privileges_before} == {(reader, "user"), (group, "group"), ("public", "public")}
    key = TableKey(stack.endpoints.database, target, "t")
    facts = read_swap_facts(sql_executor, cluster_secret, key)
    assert swap_refusal(facts, f"{target}.t", stack.endpoints.etl_user) is None

    name = TableName((Identifier(target), Identifier("t")))
    stage = stage_name(name, f"swap {isolation}", ROW_KEY)
    sql_executor.execute(cluster_secret, create_stage(stage, name))
    for low, high in ((1, 100), (101, 200), (201, NEW)):  # three chunks, each committed on its own
        with sql_executor.transaction(cluster_secret) as chunk:
            chunk.execute(
                f"INSERT INTO {stage.sql()} (id, v) SELECT id, v FROM shared_db.{source}.t "
                f"WHERE id BETWEEN {low} AND {high}"
            )
    sql_executor.execute(cluster_secret, create_stage(stage, name))  # a re-run's creation keeps the chunks
    assert db.count(stage.sql()) == NEW

    grants = read_grants(sql_executor, cluster_secret, key, stack.endpoints.etl_user)
    batches = sql_executor.calls["BatchExecuteStatement"] if isinstance(sql_executor, DataApiExecutor) else 0
    poller = Poller(stack, f"{target}.t", reader)
    with contextlib.closing(stack.admin_connect()) as holder:
        holder.autocommit = False
        holder.cursor().execute(f"SELECT COUNT(*) FROM {target}.t")  # a read lock, held until the rollback
        poller.start()
        until(lambda: len(poller.results) > 0, "the reader's first count")

        def swap() -> None:
            with sql_executor.transaction(cluster_secret) as session:
                for sql in swap_statements(name, stage, grants):
                    session.execute(sql)

        swapping = threading.Thread(target=swap)
        swapping.start()
        until(lambda: waiting_for(db, f"{target}.t") >= 2, "the swap's LOCK and a read queued behind it")
        holder.rollback()
    swapping.join(60)
    assert not swapping.is_alive()
    sql_executor.execute(cluster_secret, drop_retired(stage))
    until(lambda: NEW in poller.results, "the reader's count of the new rows")
    poller.halt.set()
    poller.join(60)

    counts = poller.results
    assert set(counts) == {OLD, NEW}, [c for c in counts if c not in (OLD, NEW)]
    assert counts == sorted(counts)  # old, then new, never back
    assert db.count(f"{target}.t") == NEW
    assert db.rows(PRIVILEGES_SQL.format(target)) == privileges_before
    assert db.rows(COLUMNS_SQL.format(target)) == columns_before  # types, NOT NULL, the default
    left = db.rows(f"SELECT tablename, tableowner FROM pg_tables WHERE schemaname = '{target}'")
    assert left == [("t", stack.endpoints.etl_user)]  # neither the stage nor the old table is left
    if isinstance(sql_executor, DataApiExecutor):
        assert sql_executor.calls["BatchExecuteStatement"] == batches + 1  # the swap was one batch


def test_what_the_swap_cannot_carry_over_is_refused_naming_it_with_only_catalog_queries_sent(
    stack: LocalStack, db: Db, schemas: tuple[str, str], cluster_secret: str, sql_executor: Executor
) -> None:
    _, target = schemas
    admin = stack.endpoints.admin_user
    db.admin(f"CREATE TABLE {target}.owned (id int)", f"GRANT ALL ON {target}.owned TO {stack.endpoints.etl_user}")
    db.as_etl(
        f"CREATE TABLE {target}.viewed (id int)",
        f"CREATE VIEW {target}.viewed_v AS SELECT id FROM {target}.viewed",
        f"CREATE TABLE {target}.mat (id int)",
        f"CREATE MATERIALIZED VIEW {target}.mat_mv AS SELECT id FROM {target}.mat",
        f"CREATE TABLE {target}.keyed (id int PRIMARY KEY)",
        f"CREATE TABLE {target}.lines (order_id int REFERENCES {target}.keyed (id))",
        f"CREATE TABLE {target}.ident (id bigint GENERATED BY DEFAULT AS IDENTITY, v int)",
        f"CREATE TABLE {target}.fine (id int)",
    )
    expected = {
        "owned": f"it is owned by {admin}, not by {stack.endpoints.etl_user}",
        "viewed": f"view(s) {target}.viewed_v are bound to it",
        "mat": f"view(s) {target}.mat_mv are bound to it",
        "keyed": f"foreign key(s) {target}.lines (lines_order_id_fkey) reference it",
        "ident": "IDENTITY column(s) id",
    }
    with stack.statement_log() as log:
        messages = {
            table: swap_refusal(
                read_swap_facts(sql_executor, cluster_secret, TableKey(stack.endpoints.database, target, table)),
                f"{target}.{table}",
                stack.endpoints.etl_user,
            )
            for table in [*expected, "fine"]
        }
    assert messages.pop("fine") is None
    etl = stack.endpoints.etl_user
    db.admin(  # a schema the ETL user may use but not create in, holding a table of its own
        f"CREATE SCHEMA {target}_kept",
        f"GRANT USAGE ON SCHEMA {target}_kept TO {etl}",
        f"CREATE TABLE {target}_kept.t (id int)",
        f"ALTER TABLE {target}_kept.t OWNER TO {etl}",
    )
    kept = read_swap_facts(sql_executor, cluster_secret, TableKey(stack.endpoints.database, f"{target}_kept", "t"))
    assert kept.owner == etl and not kept.may_create
    refused = swap_refusal(kept, f"{target}_kept.t", etl)
    assert refused is not None and f"{etl} has no CREATE privilege on schema {target}_kept" in refused, refused
    for table, reason in expected.items():
        message = messages[table]
        assert message is not None and message.startswith(f"a chunked overwrite cannot replace {target}.{table}: ")
        assert reason in message, message
    sent = [statement.text.strip().split(None, 1)[0].upper() for statement in log.statements]
    assert sent and set(sent) <= {"SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SET", "RESET", "SHOW"}, sent
