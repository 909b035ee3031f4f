"""An incremental load's condition: the source rows newer than the target's newest watermark value.

The insert compares with the target's newest as the statement reads it (``MAX`` in a scalar subquery). A content
check's example query runs after the insert, which raised that maximum: it must compare with the newest as it was
before the insert, which the check read beside the target's figures (``content``). Hence one condition, written once,
with the newest as a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from glue_elt.redshift.names import Identifier, TableName


@dataclass(frozen=True)
class Watermark:
    """The source's watermark ``column`` and the target column it is loaded into (``target_column``)."""

    column: Identifier
    target_column: Identifier

    def newest_in(self, target: TableName) -> str:
        """The target's newest value, read when the statement runs (NULL while the target has none)."""
        return f"(SELECT MAX({self.target_column.sql()}) FROM {target.sql()})"

    def newer_than(self, newest: str) -> str:
        """Source rows whose watermark is above ``newest`` (a SQL expression); every row while it is NULL."""
        return f"({self.column.sql()} > {newest} OR {newest} IS NULL)"


def with_condition(filter_sql: str | None, condition: str) -> str:
    """``condition`` after the row's filter, when it has one."""
    return f"({filter_sql}) AND {condition}" if filter_sql else condition
