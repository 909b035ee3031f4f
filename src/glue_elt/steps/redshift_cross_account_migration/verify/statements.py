"""The SQL of a read-only verification: both sides' figures in one ``SELECT``, for every row or per range.

Each side's figures are ``checksum.figures`` over the values ``content.compared_values`` lays out, as the load's
content check computes them (issue 30, item 1): the filtered source's loaded columns cast to the target's types, and
the target's columns. Here the written side is the **whole target**, whatever the load type: the question is "is the
target equal to the filtered source?". The two sides are one statement, ``SELECT 's' AS side, e.* FROM (<source
figures>) AS e UNION ALL SELECT 'w', w.* FROM (<target figures>) AS w``, so one snapshot serves both (a statement is
its own transaction in autocommit) and one round trip answers both. A query may read a data share and local tables
together (dg/query_datashare.html); it reads and writes nothing else: no LOCK, no temporary table.

With a bisection column, the figures also carry its smallest and largest value as text (``CAST(MIN(k) AS
VARCHAR(64))``: MIN and MAX return the argument's type for numbers, dates and timestamps, dg/r_MIN.html,
dg/r_MAX.html), and a level of the bisection groups both sides by range: ``CASE WHEN k IS NULL THEN 0 WHEN k <=
CAST('<upper>' AS <type>) THEN 1 ... ELSE n END`` (``GROUP BY 1``), restricted to the ranges cut (``WHERE``). The
column is compared as it is written: on the source side cast to the target's type, as the INSERT casts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from glue_elt.redshift import checksum
from glue_elt.redshift.types import ColumnType
from glue_elt.steps.redshift_cross_account_migration.chunks import range_condition
from glue_elt.steps.redshift_cross_account_migration.content import Values
from glue_elt.steps.redshift_cross_account_migration.verify.bisection import WHOLE, Compared, Figures, Segment
from glue_elt.steps.redshift_cross_account_migration.verify.keys import literal, read_value

SOURCE_SIDE = "s"
TARGET_SIDE = "w"
BOUND_TEXT = "VARCHAR(64)"
"""The type the bounds come back as (a DECIMAL(38,s) or a TIMESTAMPTZ is well within it)."""


@dataclass(frozen=True)
class Key:
    """The bisection column: its name as shown, its value on each side (the source's cast to the target's type) and
    the target column's type."""

    name: str
    source: str
    target: str
    column_type: ColumnType
    sql_type: str

    def condition(self, segment: Segment, expression: str) -> str:
        """``segment`` as a condition on ``expression`` (one side's value of the column)."""
        lower = None if segment.lower is None else literal(segment.lower, self.sql_type)
        upper = None if segment.upper is None else literal(segment.upper, self.sql_type)
        return range_condition(expression, lower, upper, nulls=segment.nulls)

    def case(self, children: Sequence[Segment], expression: str) -> str:
        """Each row's position in ``children`` (in key order; rows outside the parents are left out by ``WHERE``)."""
        branches = []
        last = ""
        for index, child in enumerate(children):
            if child.nulls:
                branches.append(f"WHEN {expression} IS NULL THEN {index}")
            elif child.upper is None:
                last = f" ELSE {index}"
            else:
                branches.append(f"WHEN {expression} <= {literal(child.upper, self.sql_type)} THEN {index}")
        return f"CASE {' '.join(branches)}{last} END"

    def bounds(self, expression: str) -> tuple[str, str]:
        """The aggregates of the column's smallest and largest value, as text."""
        return (f"CAST(MIN({expression}) AS {BOUND_TEXT}) AS lo", f"CAST(MAX({expression}) AS {BOUND_TEXT}) AS hi")


@dataclass(frozen=True)
class Comparison:
    """One table's verification: each side's FROM text (the source's with the row's filter), the values hashed on
    each side, and the bisection column (``key``) or why there is none (``reason``)."""

    source_from: str
    source_filter: str | None
    target_from: str
    read: Values
    wrote: Values
    key: Key | None = None
    reason: str = ""

    def first_sql(self) -> str:
        """Both sides' figures over every row (and the column's bounds, with a key)."""
        also_source = self.key.bounds(self.key.source) if self.key else ()
        also_target = self.key.bounds(self.key.target) if self.key else ()
        source = checksum.figures(self.read, self._source(None), also=also_source)
        target = checksum.figures(self.wrote, self._target(None), also=also_target)
        return both(source, target)

    def level_sql(self, parents: Sequence[Segment], children: Sequence[Segment]) -> str:
        """Both sides' figures and bounds per child of ``parents`` (one level of the bisection)."""
        key = self.key
        if key is None:
            raise ValueError("a table without a bisection column has no levels")
        where_source = None if parents[0].whole else _any(key, parents, key.source)
        where_target = None if parents[0].whole else _any(key, parents, key.target)
        source = checksum.figures(self.read, self._source(where_source), group=key.case(children, key.source),
                                  also=key.bounds(key.source))  # fmt: skip
        target = checksum.figures(self.wrote, self._target(where_target), group=key.case(children, key.target),
                                  also=key.bounds(key.target))  # fmt: skip
        return both(source, target)

    def _source(self, ranges: str | None) -> str:
        conditions = [f"({c})" for c in (self.source_filter, ranges) if c]
        return f"{self.source_from} WHERE {' AND '.join(conditions)}" if conditions else self.source_from

    def _target(self, ranges: str | None) -> str:
        return f"{self.target_from} WHERE ({ranges})" if ranges else self.target_from

    def whole(self, rows: Sequence[Sequence[object]]) -> Compared:
        """``first_sql``'s answer as every row's comparison."""
        sides = {str(row[0]): self._figures(row[1:]) for row in rows}
        return Compared(WHOLE, sides.get(SOURCE_SIDE, Figures()), sides.get(TARGET_SIDE, Figures()))

    def per_child(self, rows: Sequence[Sequence[object]], children: Sequence[Segment]) -> list[Compared]:
        """``level_sql``'s answer: each child's comparison (a side without rows in a child has zero figures)."""
        found: dict[tuple[str, int], Figures] = {}
        for side, group, *rest in rows:
            if group is not None:
                found[(str(side), int(str(group)))] = self._figures(rest)
        return [
            Compared(child, found.get((SOURCE_SIDE, i), Figures()), found.get((TARGET_SIDE, i), Figures()))
            for i, child in enumerate(children)
        ]

    def _figures(self, values: Sequence[object]) -> Figures:
        rows, total, *bounds = values
        figures = Figures(_whole_number(rows), _whole_number(total))
        if self.key is not None and len(bounds) == 2:
            low, high = (read_value(bound, self.key.column_type) for bound in bounds)
            figures = Figures(figures.rows, figures.checksum, low, high)
        return figures


def both(source: str, target: str) -> str:
    """One statement answering both sides' figures, each row marked with its side."""
    return (f"SELECT '{SOURCE_SIDE}' AS side, e.* FROM ({source}) AS e "
            f"UNION ALL SELECT '{TARGET_SIDE}' AS side, w.* FROM ({target}) AS w")  # fmt: skip


def _any(key: Key, segments: Sequence[Segment], expression: str) -> str:
    return " OR ".join(f"({key.condition(segment, expression)})" for segment in segments)


def _whole_number(value: object) -> int:
    """A count or a checksum as the executors return it (an int, a ``Decimal``, or text)."""
    return int(str(value if value is not None else 0).split(".")[0])
