"""A table's verdict: equal, different (which figures, and the narrowest differing ranges), or not verified (why),
as a log line and as the JSON report's entry.

Checksums are written as strings in the report (a DECIMAL(38,0) is beyond the integers a JSON reader in JavaScript
keeps exactly); row counts as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glue_elt.core.params import TextEnum
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationRow
from glue_elt.steps.redshift_cross_account_migration.verify.bisection import Compared, Figures, Narrowed, Segment
from glue_elt.steps.redshift_cross_account_migration.verify.keys import shown

SHOWN_RANGES = 5
"""Ranges a log line names at most (the report holds them all)."""


class Verdict(TextEnum):
    """What the verification found for a table."""

    EQUAL = "equal"
    DIFFERENT = "different"
    FAILED = "failed"


@dataclass(frozen=True)
class TableVerdict:
    """One table's verification: its row, the verdict, the seconds it took, both sides' figures over every row
    (``whole``), the bisection column and what it narrowed down (or ``reason``: why no range was narrowed), and the
    error when it could not be verified (``unreachable``: the cluster or AWS could not be reached)."""

    row: MigrationRow
    load_type: LoadType | None
    verdict: Verdict
    seconds: float
    whole: Compared | None = None
    column: str | None = None
    reason: str = ""
    narrowed: Narrowed | None = None
    error: str | None = None
    unreachable: bool = False

    @property
    def differs_in(self) -> list[str]:
        """The figures that differ: ``rows``, ``checksum`` (either or both)."""
        whole = self.whole
        if whole is None or not whole.differs:
            return []
        found = ["rows"] if whole.source.rows != whole.target.rows else []
        return found + (["checksum"] if whole.source.checksum != whole.target.checksum else [])

    def line(self) -> str:
        """The table's line of the run's output."""
        return f"{self.row.label}: {self.text()}"

    def text(self) -> str:
        """What was found: equal, which figures differ and where, or why the table was not verified."""
        if self.verdict is Verdict.FAILED or self.whole is None:
            return f"NOT VERIFIED: {self.error}"
        source, target = self.whole.source, self.whole.target
        if self.verdict is Verdict.EQUAL:
            return f"equal ({source.rows:,} row(s), checksum {source.checksum})"
        head = (f"DIFFERS in {' and '.join(self.differs_in)} (source {source.rows:,} row(s), target {target.rows:,}; "
                f"checksums {source.checksum} and {target.checksum})")  # fmt: skip
        narrowed = self.narrowed
        if narrowed is None:
            return f"{head}; no range narrowed down: {self.reason}"
        column = self.column or ""
        ranges = "; ".join(_range_text(column, item) for item in narrowed.ranges[:SHOWN_RANGES])
        left = len(narrowed.ranges) - SHOWN_RANGES + narrowed.more
        more = f"; and {left} more" if left > 0 else ""
        state = "" if narrowed.settled else " (not narrowed further: the query budget or the range count was reached)"
        queries = f"{narrowed.queries} more quer{'y' if narrowed.queries == 1 else 'ies'}"
        found = len(narrowed.ranges) + narrowed.more
        return f"{head}; {found} differing range(s) of {column} found in {queries}{state}: {ranges}{more}"

    def document(self) -> dict[str, Any]:
        """The table's entry in the JSON report."""
        whole = self.whole
        entry: dict[str, Any] = {
            "target_table": self.row.target_table,
            "source_table": self.row.source_table,
            "load_type": self.load_type.value if self.load_type else (self.row.load_type or "append"),
            "status": self.verdict.value,
            "seconds": round(self.seconds, 3),
            "source": _side(whole.source) if whole else None,
            "target": _side(whole.target) if whole else None,
            "differs_in": self.differs_in,
            "error": self.error,
        }
        if self.verdict is Verdict.DIFFERENT:
            narrowed = self.narrowed
            entry["bisection"] = {
                "column": self.column,
                "reason": self.reason or None,
                "queries": narrowed.queries if narrowed else 0,
                "settled": narrowed.settled if narrowed else False,
                "more_ranges": narrowed.more if narrowed else 0,
                "ranges": [_range_document(self.column or "", item) for item in narrowed.ranges] if narrowed else [],
            }
        return entry


def describe(column: str, segment: Segment, compared: Compared | None = None) -> str:
    """A range as text: ``id IS NULL``, ``id = 7`` (every row of it holds 7), ``id > 10 and <= 20``."""
    if segment.nulls:
        return f"{column} IS NULL"
    if segment.whole:
        return "every row"
    if compared is not None and compared.one_value:
        low, _ = compared.bounds
        return f"{column} = {shown(low)}" if low is not None else column
    parts = [f"> {shown(segment.lower)}"] if segment.lower is not None else []
    parts += [f"<= {shown(segment.upper)}"] if segment.upper is not None else []
    return f"{column} {' and '.join(parts)}" if parts else f"{column} IS NOT NULL"


def _range_text(column: str, item: Compared) -> str:
    return f"{describe(column, item.segment, item)} (source {item.source.rows:,}, target {item.target.rows:,})"


def _range_document(column: str, item: Compared) -> dict[str, Any]:
    segment = item.segment
    low, high = item.bounds
    return {
        "range": describe(column, segment, item),
        "nulls": segment.nulls,
        "above": None if segment.lower is None else shown(segment.lower),
        "up_to": None if segment.upper is None else shown(segment.upper),
        "lowest": None if low is None else shown(low),
        "highest": None if high is None else shown(high),
        "one_value": item.one_value,
        "source": _side(item.source),
        "target": _side(item.target),
    }


def _side(figures: Figures) -> dict[str, Any]:
    return {"rows": figures.rows, "checksum": str(figures.checksum)}
