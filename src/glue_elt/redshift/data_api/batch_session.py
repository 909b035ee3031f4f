"""A Data API transaction as the steps write it: statements collected in a ``with executor.transaction(...)`` block,
then sent as one ``BatchExecuteStatement`` (``glue_elt.redshift.data_api.executor``) when the block ends. The
service runs a batch's statements in one transaction, and a batch returns nothing before it has ended, so a
statement's row count is not known here and a query cannot be run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glue_elt.errors import ExecutionError
from glue_elt.redshift.executor import Row
from glue_elt.redshift.tags import tagged


class BatchSession:
    """Statements of a Data API transaction, collected and sent as one batch when the block ends."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Add a statement (without parameters); its row count is not known before the batch ends (``-1``)."""
        if params:
            raise ExecutionError("a Data API transaction takes statements without parameters")
        self.statements.append(tagged(sql))
        return -1

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """Not possible: a batch returns nothing before it has ended."""
        raise ExecutionError("a Data API transaction runs as one batch when it ends: it cannot read rows before")
