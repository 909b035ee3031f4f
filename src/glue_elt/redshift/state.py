"""Run state on the target cluster: which rows of a run have committed.

The state row is written in the same transaction as the row's load, so "committed" in the state table
and "loaded" in the target can never disagree. Reads of the table always run in their own (autocommit)
statement, never inside a load transaction: a load transaction only appends to the state table, so loads
of one run, or of concurrent runs sharing the table, never form a read/write cycle (Redshift error 1023)
under SERIALIZABLE or SNAPSHOT isolation. The table has no primary key: Redshift would not enforce one, so
nothing may rely on it; exactly-once comes from looking a row up while its work is locked (the load's target,
or for a SQL script the commit lock beside the state table), on a connection beside the transaction
(``look_up_beside``).

A run id is a job's: runs of two Glue jobs (``--JOB_NAME``) that use one run id (a date, say) record their rows and
scripts under keys of their own (``RunLedger.scoped``), so neither skips work because of the other. Records written
without a job name (by runs outside Glue, and by every run before keys were scoped) answer for every job.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from glue_elt.core.sizes import check_parameter
from glue_elt.errors import ConfigError, ExecutionError, with_prefix
from glue_elt.redshift import catalog
from glue_elt.redshift.catalog import ClusterFacts, TableKey
from glue_elt.redshift.creation import create_unless_raced
from glue_elt.redshift.executor import Executor, Row, Session
from glue_elt.redshift.names import (
    MAX_IDENTIFIER_BYTES,
    Identifier,
    TableName,
    display_identifier,
    parse_table_name,
    quote_identifier,
    quote_literal,
)

DEFAULT_STATE_TABLE = "glue_elt.migration_state"
RUN_ID_BYTES = 256
ROW_KEY_BYTES = 64
TARGET_TABLE_BYTES = 1024
LOAD_TYPE_BYTES = 32
TEXT_COLUMNS = {
    "run_id": RUN_ID_BYTES,
    "row_key": ROW_KEY_BYTES,
    "target_table": TARGET_TABLE_BYTES,
    "load_type": LOAD_TYPE_BYTES,
}
"""The state table's text columns and their sizes in bytes: Redshift's ``VARCHAR(n)``/``CHAR(n)`` hold n bytes of
UTF-8 (``glue_elt.core.sizes``); the table's DDL and every check of a value written into it are built from these."""
Query = Callable[[str, Sequence[Any]], list[Row]]


ONE_ROW = '(SELECT 1) AS "glue_elt_one"'
"""A one-row source for a commit record whose row count is a number (``RunLedger.record_of``)."""


def check_run_id(name: str, value: str) -> str:
    """``value`` (stripped) when it fits the state table's ``run_id`` column, else ``ConfigError`` naming ``--name``:
    a parameter's parser, so an over-long run id stops the run before it connects."""
    return check_parameter(name, value.strip(), RUN_ID_BYTES, "the state table")


@dataclass(frozen=True)
class StateTable:
    """The state table's name and the SQL that reads and writes it."""

    name: TableName

    def __str__(self) -> str:
        return ".".join(display_identifier(part.name) for part in self.name.parts)

    @classmethod
    def parse(cls, text: str) -> StateTable:
        """Parse ``--state_table`` (``schema.table`` or ``database.schema.table``)."""
        return cls(parse_table_name(text, "--state_table"))

    def create_statements(self, *, with_schema: bool = True) -> list[str]:
        """Create the table (and its schema, when ``with_schema``) if missing; Redshift and PostgreSQL syntax.

        Redshift checks CREATE on the database even for ``CREATE SCHEMA IF NOT EXISTS`` of an existing schema,
        so the schema statement is sent only when the schema is missing."""
        table = (
            f"CREATE TABLE IF NOT EXISTS {self.name.sql()} (run_id VARCHAR({RUN_ID_BYTES}) NOT NULL, "
            f"row_key CHAR({ROW_KEY_BYTES}) NOT NULL, target_table VARCHAR({TARGET_TABLE_BYTES}) NOT NULL, "
            f"load_type VARCHAR({LOAD_TYPE_BYTES}) NOT NULL, rows_affected BIGINT, committed_at TIMESTAMP NOT NULL)"
        )
        schema = f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(self.name.schema)}"
        return [schema, table] if with_schema else [table]

    def committed_rows(self, query: Query, run_id: str, row_keys: Sequence[str]) -> int | None:
        """``rows_affected`` recorded for this row of this run under any of ``row_keys`` (its key, and the key
        records written before jobs had keys of their own carry), or ``None`` if it has not committed."""
        marks = ", ".join(["%s"] * len(row_keys))
        found = query(
            f"SELECT rows_affected FROM {self.name.sql()} WHERE run_id = %s AND row_key IN ({marks})",
            [run_id, *row_keys],
        )
        if not found:
            return None
        return -1 if found[0][0] is None else int(found[0][0])

    def committed_run_rows(self, query: Query, run_id: str) -> dict[str, int]:
        """Every row key ``run_id`` has committed, with its recorded row count (one query)."""
        found = query(f"SELECT row_key, rows_affected FROM {self.name.sql()} WHERE run_id = %s", [run_id])
        return {str(key).strip(): -1 if rows is None else int(rows) for key, rows in found}

    def record(self, session: Session, run_id: str, row_key: str, target: str, load_type: str, rows: int) -> None:
        """Record the row as committed (call inside the row's load transaction)."""
        session.execute(
            f"INSERT INTO {self.name.sql()} "
            "(run_id, row_key, target_table, load_type, rows_affected, committed_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [run_id, row_key, target, load_type, rows, datetime.now(timezone.utc).replace(tzinfo=None)],
        )

    def record_from_count(
        self, run_id: str, row_key: str, target: str, load_type: str, rows_sql: str, source: str
    ) -> str:
        """The commit record as one statement without parameters, for a batch whose row count is only known on
        the server: ``rows_sql`` is the row count's expression over ``source``; the time is the server's
        (``GETDATE()``), so the statement is the same text every time it is built."""
        values = ", ".join(quote_literal(value) for value in (run_id, row_key, target, load_type))
        return (
            f"INSERT INTO {self.name.sql()} "
            "(run_id, row_key, target_table, load_type, rows_affected, committed_at) "
            f"SELECT {values}, {rows_sql}, GETDATE() FROM {source}"
        )


def commit_lock_name(state: TableName) -> TableName:
    """The empty table beside the state table (``<state table>_lock``) that work with no table of its own to lock
    (a SQL script) locks before its record. Not the state table itself: Redshift has one lock mode, ACCESS
    EXCLUSIVE, which blocks reads too (dg/r_LOCK.html), so the look-up that follows the lock could not read it."""
    return beside_state(state, "_lock", "the SQL step's commit lock")


def beside_state(state: TableName, suffix: str, what: str) -> TableName:
    """The table named ``<state table><suffix>`` in the state table's schema; ``ConfigError`` naming ``what`` when
    that name would be over 127 bytes."""
    *rest, table = state.parts
    name = table.name + suffix
    if len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise ConfigError(f"--state_table {state.sql()}: {what} {name!r} would be over 127 bytes; name a shorter table")
    return TableName((*rest, Identifier(name)))


def resolve_state_table(state: StateTable, facts: ClusterFacts) -> StateTable:
    """The state table as the server names it; ``ConfigError`` when it is in another database."""
    name = facts.resolve(state.name)
    if name.database not in (None, facts.database):
        raise ConfigError(
            f"--state_table {state} is in database {name.database}, but the secret connects to "
            f"database {facts.database}: other databases (data shares) are read-only; name a table of {facts.database}"
        )
    return StateTable(name)


class RunLedger:
    """The rows (or scripts) a run id has committed, per cluster, kept beside the state table.

    ``open`` creates the table where the catalog found none and reads what the run id committed before
    (one query); ``committed`` answers from that; ``look_up`` asks the table again, in its own statement
    (a retry's question, in case a failed attempt committed but its acknowledgement was lost), and
    ``look_up_beside`` the same from inside a transaction that holds its lock. Inside a transaction only
    ``record`` (an append) and ``lock`` (of the commit lock, never of the state table) run.
    """

    def __init__(self, executor: Executor, run_id: str, job: str | None = None) -> None:
        self._executor = executor
        self.run_id = run_id
        self.job = job or None
        self._tables: dict[str, StateTable] = {}
        self._committed: dict[tuple[str, str], int] = {}

    def open(self, secret_name: str, table: StateTable, database: str, *, exists: bool, schema_exists: bool) -> None:
        """Make ``table`` (in the connected ``database``) ready on ``secret_name``'s cluster and read this run's
        committed keys; ``exists`` and ``schema_exists`` are what the catalog said."""
        if not exists:
            self._create(secret_name, table, TableKey(database, table.name.schema, table.name.table), schema_exists)
            found: dict[str, int] = {}
        else:
            found = table.committed_run_rows(functools.partial(self._executor.query, secret_name), self.run_id)
        self._tables[secret_name] = table
        self._committed.update({(secret_name, key): rows for key, rows in found.items()})

    def open_on(self, secret_name: str, table: StateTable, *, commit_lock: bool = False) -> StateTable:
        """Resolve ``table`` as the cluster names it, look it up in the catalog, then ``open`` it; returns the
        resolved table (for steps that do no catalog checks of their own). With ``commit_lock``, the table's commit
        lock (``commit_lock_name``) is looked up in the same catalog query and created when missing."""
        facts = catalog.cluster_facts(self._executor, secret_name)
        resolved = resolve_state_table(table, facts)
        key = facts.key(resolved.name)
        lock_key = facts.key(commit_lock_name(resolved.name)) if commit_lock else None
        found = catalog.table_columns(self._executor, secret_name, [key] + ([lock_key] if lock_key else []))
        exists = key in found
        schema_exists = exists or catalog.schema_exists(self._executor, secret_name, facts.database, key.schema)
        self.open(secret_name, resolved, facts.database, exists=exists, schema_exists=schema_exists)
        if lock_key is not None and lock_key not in found:
            self._create_commit_lock(secret_name, commit_lock_name(resolved.name), lock_key)
        return resolved

    def lock(self, session: Session, secret_name: str) -> None:
        """``LOCK`` the state table's commit lock in ``session``'s transaction, until it ends (see
        ``commit_lock_name``); take it just before the record, so it is held only for the commit."""
        session.execute(self.lock_statement(secret_name))

    def lock_statement(self, secret_name: str) -> str:
        """The statement that locks the state table's commit lock (``lock``), for a batch."""
        return f"LOCK {commit_lock_name(self._tables[secret_name].name).sql()}"

    def scoped(self, key: str) -> str:
        """The key a row (or script) of this job is recorded under: ``key`` itself without a job name, else the
        SHA-256 of the job's name and ``key``, so two jobs that use one run id never answer for each other."""
        if self.job is None:
            return key
        return hashlib.sha256(f"job\0{self.job}\0{key}".encode()).hexdigest()

    def keys_for(self, key: str) -> list[str]:
        """The keys that answer for ``key``: this job's, then the unscoped one (records of runs without a job name,
        and of every run before jobs had keys of their own, stay valid)."""
        scoped = self.scoped(key)
        return [scoped] if scoped == key else [scoped, key]

    def committed(self, secret_name: str, key: str) -> int | None:
        """Rows recorded for ``key`` when ``open`` read it as committed, else ``None``."""
        for candidate in self.keys_for(key):
            rows = self._committed.get((secret_name, candidate))
            if rows is not None:
                return rows
        return None

    def look_up(self, secret_name: str, key: str) -> int | None:
        """Ask the state table whether ``key`` has committed for this run (its own statement)."""
        query = functools.partial(self._executor.query, secret_name)
        return self._tables[secret_name].committed_rows(query, self.run_id, self.keys_for(key))

    def look_up_beside(self, secret_name: str, key: str) -> int | None:
        """``look_up`` from inside a load transaction, on a connection of its own (``Executor.query_beside``): the
        transaction holding the target's lock still never reads the state table itself."""
        query = functools.partial(self._executor.query_beside, secret_name)
        return self._tables[secret_name].committed_rows(query, self.run_id, self.keys_for(key))

    def record(self, session: Session, secret_name: str, key: str, target: str, kind: str, rows: int) -> None:
        """Append the commit record (call inside the transaction that does the work)."""
        self._tables[secret_name].record(session, self.run_id, self.scoped(key), target, kind, rows)

    def record_from_count(self, secret_name: str, key: str, target: str, kind: str, rows_sql: str, source: str) -> str:
        """The commit record as one parameterless statement, its row count computed on the server (for batches)."""
        scoped = self.scoped(key)
        return self._tables[secret_name].record_from_count(self.run_id, scoped, target, kind, rows_sql, source)

    def record_of(self, secret_name: str, key: str, target: str, kind: str, rows: int) -> str:
        """The commit record of work whose row count is known (a chunked row's total) as one parameterless
        statement, for a transaction of its own or a batch."""
        return self.record_from_count(secret_name, key, target, kind, str(rows), ONE_ROW)

    def _create_commit_lock(self, secret_name: str, lock: TableName, key: TableKey) -> None:
        """Create the commit lock; when that fails because a concurrent run created it first, use theirs."""
        statement = f"CREATE TABLE IF NOT EXISTS {lock.sql()} (locked CHAR(1))"
        executor = self._executor
        try:
            create_unless_raced(executor, secret_name, key, lambda: executor.execute(secret_name, statement))
        except ExecutionError as error:
            raise with_prefix(error, f"the SQL step's commit lock could not be created ({statement}): ") from None

    def _create(self, secret_name: str, table: StateTable, key: TableKey, schema_exists: bool) -> None:
        """Create the table; when that fails because a concurrent run created it first, use theirs."""

        def create() -> None:
            with self._executor.transaction(secret_name) as session:
                for statement in table.create_statements(with_schema=not schema_exists):
                    session.execute(statement)

        create_unless_raced(self._executor, secret_name, key, create)
