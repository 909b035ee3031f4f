"""Run validated migration rows: one transaction per row, target columns read once per schema."""

from __future__ import annotations

import logging
import time

from glue_elt.errors import ExecutionError, GlueELTError
from glue_elt.executor import RedshiftExecutor
from glue_elt.migration import catalog
from glue_elt.migration.names import Identifier
from glue_elt.migration.rows import MigrationRow, RowOutcome, RowStatus
from glue_elt.migration.sql import load_statements
from glue_elt.migration.validation import MigrationPlan, validate_row
from glue_elt.redaction import redact

logger = logging.getLogger(__name__)


class RowRunner:
    """Validates and loads rows through one executor, caching target column lists per schema."""

    def __init__(self, executor: RedshiftExecutor) -> None:
        self._executor = executor
        self._columns: dict[tuple[str, str], dict[str, list[str]]] = {}

    def run(self, row: MigrationRow) -> RowOutcome:
        """Load ``row`` in its own transaction; any error fails only this row."""
        started = time.monotonic()
        try:
            plan = validate_row(row)
            columns = plan.columns or self._target_columns(plan)
            statements = load_statements(plan, columns)
            with self._executor.transaction(row.secret_name) as session:
                for statement in statements:
                    rows_affected = session.execute(statement)
        except GlueELTError as error:
            return RowOutcome(row, RowStatus.FAILED, None, time.monotonic() - started, redact(str(error)))
        return RowOutcome(row, RowStatus.SUCCEEDED, rows_affected, time.monotonic() - started)

    def prime_columns(self, secret_name: str, schema: str, columns: dict[str, list[str]]) -> None:
        """Seed the column cache with an already fetched schema (saves a round trip)."""
        self._columns[(secret_name, schema)] = columns

    def _target_columns(self, plan: MigrationPlan) -> tuple[Identifier, ...]:
        key = (plan.row.secret_name, plan.target.schema)
        if key not in self._columns:
            with self._executor.transaction(plan.row.secret_name) as session:
                self._columns[key] = catalog.schema_columns(session, plan.target.schema)
        names = self._columns[key].get(plan.target.table)
        if not names:
            raise ExecutionError(
                f"target table {plan.row.target_table} does not exist or its columns are not visible "
                f"to the secret's user"
            )
        return tuple(Identifier(name) for name in names)
