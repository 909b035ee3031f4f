"""The chunk plans of a run, kept on the target cluster beside the state table (``<state table>_chunks``).

A chunked row's ranges must be the same in every process of its run id: a re-run resumes after the chunks that
committed, and a range that moved between two runs would load some rows twice and others never. So the plan is
written once, before the row's first chunk, and read back: a row that has a plan is loaded on it, whatever
``--chunk_rows`` says now (a row that was planned is never loaded whole, which would copy its committed chunks
again).

The write is one short transaction, ``LOCK plans`` then an ``INSERT ... SELECT ... WHERE NOT EXISTS`` of the row's
plan: the lock takes no snapshot (dg/r_LOCK.html), so two processes planning one row at once are ordered by it and
the second keeps the first's plan, which both then read back. Its statements carry no parameters, so the Data API
sends them as one batch. The table is created when a run first plans a row on that cluster; reading it costs a
run nothing until then (the inspection's catalog query looks for it with the state table).
"""

from __future__ import annotations

import logging
import threading

from glue_elt.errors import ConfigError
from glue_elt.redshift.catalog import ClusterFacts, TableKey
from glue_elt.redshift.creation import create_unless_raced
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.names import TableName, quote_literal
from glue_elt.redshift.state import ROW_KEY_BYTES, RUN_ID_BYTES, TARGET_TABLE_BYTES, RunLedger, beside_state
from glue_elt.steps.redshift_cross_account_migration.chunks import ChunkPlan

logger = logging.getLogger(__name__)
PLAN_BYTES = 65535
"""The plan column's size: Redshift's longest VARCHAR (a plan of ``MAX_CHUNKS`` cut points fits in it)."""


def chunk_plans_name(state: TableName) -> TableName:
    """The plan table beside the state table ``state``."""
    return beside_state(state, "_chunks", "the chunk plan table")


def create_sql(table: TableName) -> str:
    """The plan table, when missing (Redshift and PostgreSQL syntax)."""
    return (
        f"CREATE TABLE IF NOT EXISTS {table.sql()} (run_id VARCHAR({RUN_ID_BYTES}) NOT NULL, "
        f"row_key CHAR({ROW_KEY_BYTES}) NOT NULL, target_table VARCHAR({TARGET_TABLE_BYTES}) NOT NULL, "
        f"chunk_plan VARCHAR({PLAN_BYTES}) NOT NULL, planned_at TIMESTAMP NOT NULL)"
    )


def insert_once_sql(table: TableName, run_id: str, row_key: str, target: str, plan: ChunkPlan) -> str:
    """The row's plan, unless the run id has one for the row already (run after ``LOCK table``)."""
    run, key = quote_literal(run_id), quote_literal(row_key)
    values = ", ".join((run, key, quote_literal(target), quote_literal(plan.document())))
    return (
        f"INSERT INTO {table.sql()} (run_id, row_key, target_table, chunk_plan, planned_at) SELECT {values}, GETDATE() "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table.sql()} WHERE run_id = {run} AND row_key = {key})"
    )


def read_sql(table: TableName, *, one_row: bool = False) -> str:
    """A run's plans (``one_row``: of one row key), the first written for a row first."""
    row = " AND row_key = %s" if one_row else ""
    return f"SELECT row_key, chunk_plan FROM {table.sql()} WHERE run_id = %s{row} ORDER BY planned_at"


class ChunkPlans:
    """The plans a run id has written, per cluster: read once when the run opens its ledger, written once per row."""

    def __init__(self, executor: Executor, ledger: RunLedger) -> None:
        self._executor = executor
        self._ledger = ledger
        self._tables: dict[str, tuple[TableName, TableKey] | ConfigError] = {}
        self._created: set[str] = set()
        self._plans: dict[tuple[str, str], ChunkPlan] = {}
        self._lock = threading.Lock()

    def open(self, secret_name: str, state: TableName, facts: ClusterFacts, *, exists: bool) -> None:
        """Read the run id's plans on ``secret_name``'s cluster (``facts``: its catalog's; when the inspection found
        the plan table)."""
        try:
            table = chunk_plans_name(state)
        except ConfigError as error:  # kept for the first row that would plan
            self._tables[secret_name] = error
            return
        self._tables[secret_name] = (table, facts.key(table))
        if not exists:
            return
        self._created.add(secret_name)
        found = self._executor.query(secret_name, read_sql(table), [self._ledger.run_id])
        for key, document in found:
            self._plans.setdefault((secret_name, str(key).strip()), ChunkPlan.read(str(document)))

    def planned(self, secret_name: str, key: str) -> ChunkPlan | None:
        """The plan the run id keeps for the row ``key``, if it has one."""
        for candidate in self._ledger.keys_for(key):
            plan = self._plans.get((secret_name, candidate))
            if plan is not None:
                return plan
        return None

    def save(self, secret_name: str, key: str, target: str, plan: ChunkPlan) -> ChunkPlan:
        """Keep ``plan`` for the row ``key`` unless another process of the run id kept one first; returns the plan
        the row is loaded on (``plan``, or the other process's)."""
        found_table = self._tables[secret_name]
        if isinstance(found_table, ConfigError):
            raise found_table
        table, catalog_key = found_table
        with self._lock:
            if secret_name not in self._created:
                create = create_sql(table)
                create_unless_raced(self._executor, secret_name, catalog_key,
                                    lambda: self._executor.execute(secret_name, create))  # fmt: skip
                self._created.add(secret_name)
        scoped = self._ledger.scoped(key)
        with self._executor.transaction(secret_name) as session:
            session.execute(f"LOCK {table.sql()}")
            session.execute(insert_once_sql(table, self._ledger.run_id, scoped, target, plan))
        found = self._executor.query(secret_name, read_sql(table, one_row=True), [self._ledger.run_id, scoped])
        kept = ChunkPlan.read(str(found[0][1])) if found else plan
        if kept != plan:
            logger.info("another process of this run id planned the row first; loading on its plan")
        self._plans[(secret_name, scoped)] = kept
        return kept
