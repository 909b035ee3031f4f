"""Run state on the target cluster: which rows of a run have committed.

The state row is written in the same transaction as the row's load, so "committed" in the state table
and "loaded" in the target can never disagree. A retry, or a re-run with the same run id, looks a row
up first and skips it when it is there: exactly once per run id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from glue_elt.executor import Row, Session
from glue_elt.migration.names import TableName, parse_table_name, quote_identifier

DEFAULT_STATE_TABLE = "glue_elt.migration_state"
UNDEFINED_TABLE = "42P01"
Query = Callable[[str, Sequence[Any]], list[Row]]


@dataclass(frozen=True)
class StateTable:
    """The state table's name and the SQL that reads and writes it."""

    name: TableName

    @classmethod
    def parse(cls, text: str) -> StateTable:
        """Parse ``--state_table`` (``schema.table`` or ``database.schema.table``)."""
        return cls(parse_table_name(text, "--state_table"))

    def create_statements(self) -> list[str]:
        """Create the schema and table when missing (Redshift and PostgreSQL syntax alike)."""
        return [
            f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(self.name.schema)}",
            f"CREATE TABLE IF NOT EXISTS {self.name.sql()} ("
            "run_id VARCHAR(256) NOT NULL, row_key CHAR(64) NOT NULL, target_table VARCHAR(1024) NOT NULL, "
            "load_type VARCHAR(32) NOT NULL, rows_affected BIGINT, committed_at TIMESTAMP NOT NULL, "
            "PRIMARY KEY (run_id, row_key))",
        ]

    def ensure(self, session: Session) -> None:
        """Create the table unless it exists (an existing table needs no CREATE privilege)."""
        exists = session.query(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            [self.name.schema, self.name.table],
        )
        if not exists:
            for statement in self.create_statements():
                session.execute(statement)

    def committed_rows(self, session: Session, run_id: str, row_key: str) -> int | None:
        """``rows_affected`` recorded for this row of this run, or ``None`` if it has not committed."""
        found = session.query(
            f"SELECT rows_affected FROM {self.name.sql()} WHERE run_id = %s AND row_key = %s",
            [run_id, row_key],
        )
        if not found:
            return None
        return -1 if found[0][0] is None else int(found[0][0])

    def committed_run_rows(self, query: Query, run_id: str) -> dict[str, int]:
        """Every row key ``run_id`` has committed, with its recorded row count (one query, through
        ``query``: a ``Session.query`` or an executor's autocommit query)."""
        found = query(f"SELECT row_key, rows_affected FROM {self.name.sql()} WHERE run_id = %s", [run_id])
        return {str(key).strip(): -1 if rows is None else int(rows) for key, rows in found}

    def record(self, session: Session, run_id: str, row_key: str, target: str, load_type: str, rows: int) -> None:
        """Record the row as committed (call inside the row's load transaction)."""
        session.execute(
            f"INSERT INTO {self.name.sql()} "
            "(run_id, row_key, target_table, load_type, rows_affected, committed_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [run_id, row_key, target, load_type, rows, datetime.now(UTC).replace(tzinfo=None)],
        )
