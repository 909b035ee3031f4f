"""Where two sides differ: ranges of one column narrowed down by bisection, a bounded number of queries at most.

reladiff's method (erezsh/reladiff, docs/technical-explanation.md): compare the count and the checksum of both sides
per segment of a key, and cut again only the segments that differ. Here each level is **one** query over both sides
(``statements.level_sql``): the differing ranges of the level before, each cut into ``parts`` ranges of equal width
between the smallest and the largest value the two sides hold in it (``keys.cut_points``; the bounds come back with
the figures, so no query is spent on them), answering the figures and the bounds of every new range.

Why MIN/MAX splitting rather than the percentiles chunked loads cut by (``chunks``): percentiles would need a second
query per level (they must be known before the ranges can be grouped), they describe one side only (rows only the
target holds would have no cut points), and ``APPROXIMATE PERCENTILE_DISC`` with a GROUP BY has a result limit that
"varies based on node type and the number of nodes" (dg/r_APPROXIMATE_PERCENTILE_DISC.html). Equal widths cost
evenness on a skewed column, not correctness: each level starts again from the bounds of what a range holds.

The first level also sets the column's NULLs apart (a range of their own, which cannot be cut). A range stops being
cut when its rows hold one value (or its bounds cannot be read), when the query budget is spent, or when more than
``width`` ranges differ at once (the first ``width``, in key order, are cut further; the others are reported as
found). Pure logic: the queries are the caller's ``ask``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from glue_elt.steps.redshift_cross_account_migration.verify.keys import Value

PARTS = 16
"""Ranges each differing range is cut into per level (reladiff's ``bisection_factor`` is 32 by default)."""
WIDTH = 8
"""Differing ranges cut further per level, at most (the others are reported as found)."""
REPORTED = 20
"""Ranges a table's report holds at most (the others are counted)."""


@dataclass(frozen=True)
class Segment:
    """A range of the column: the values above ``lower`` (exclusive) up to ``upper`` (inclusive), ``None`` meaning
    unbounded (``Segment()``: every value, NULLs aside); or the column's NULLs (``nulls``); or every row
    (``whole``, the first level's parent)."""

    lower: Value | None = None
    upper: Value | None = None
    nulls: bool = False
    whole: bool = False

    def order(self) -> tuple[int, int, object]:
        """A sort key: the NULLs first, then by lower bound (unbounded first)."""
        return (0 if self.nulls else 1, 0 if self.lower is None else 1, 0 if self.lower is None else self.lower)


WHOLE = Segment(whole=True)
NULLS = Segment(nulls=True)


@dataclass(frozen=True)
class Figures:
    """One side in one segment: its rows, the sum of their hashes, and the smallest and largest value of the column
    (``None`` when it has none, or when they could not be read)."""

    rows: int = 0
    checksum: int = 0
    low: Value | None = None
    high: Value | None = None


@dataclass(frozen=True)
class Compared:
    """Both sides' figures in one segment."""

    segment: Segment
    source: Figures
    target: Figures

    @property
    def differs(self) -> bool:
        """Whether the counts or the checksums differ."""
        return (self.source.rows, self.source.checksum) != (self.target.rows, self.target.checksum)

    @property
    def bounds(self) -> tuple[Value | None, Value | None]:
        """The smallest and the largest value either side holds in the segment."""
        lows = [v for v in (self.source.low, self.target.low) if v is not None]
        highs = [v for v in (self.source.high, self.target.high) if v is not None]
        return (min(lows) if lows else None), (max(highs) if highs else None)

    @property
    def one_value(self) -> bool:
        """Whether every row of the segment (both sides) holds one value of the column."""
        low, high = self.bounds
        return low is not None and low == high


Ask = Callable[[Sequence[Segment], Sequence[Segment]], Sequence[Compared]]
"""One query: given the parent segments (disjoint, in key order) and their children (in key order), the figures of
both sides in each child."""
Cut = Callable[[Value, Value, int], Sequence[Value]]
"""Cut points strictly inside ``[low, high)`` for ``parts`` equal ranges (``keys.cut_points`` with the type)."""


@dataclass(frozen=True)
class Narrowed:
    """What the bisection found: the smallest differing ranges (key order, at most ``REPORTED``), how many more
    there were, the queries it sent, and whether every range is as narrow as it gets (one value, or the NULLs)."""

    ranges: tuple[Compared, ...]
    more: int
    queries: int
    settled: bool


def children(parent: Compared, cut: Cut, parts: int) -> list[Segment]:
    """``parent``'s ranges for the next level (none when it cannot be cut): every row is cut into its NULLs and the
    ranges of its values; another range into the ranges of its values, when it holds more than one."""
    segment = parent.segment
    if segment.nulls:
        return []
    low, high = parent.bounds
    points = list(cut(low, high, parts)) if low is not None and high is not None else []
    if segment.whole:
        return [NULLS, *split(Segment(), points)]
    return split(segment, points) if points else []


def split(segment: Segment, points: Sequence[Value]) -> list[Segment]:
    """``segment`` cut at ``points`` (ascending, inside it): each range runs to the next point, inclusive."""
    bounds = [segment.lower, *points, segment.upper]
    return [Segment(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def narrow(whole: Compared, ask: Ask, cut: Cut, budget: int, parts: int = PARTS, width: int = WIDTH) -> Narrowed:
    """Narrow down where ``whole`` (every row of both sides, which differ) differs, sending at most ``budget``
    queries through ``ask``."""
    found: list[Compared] = []
    differing = [whole]
    queries = 0
    cut_short = False
    while differing:
        cuts = [(item, children(item, cut, parts)) for item in differing]
        found += [item for item, parts_of in cuts if not parts_of]
        parents = [(item, parts_of) for item, parts_of in cuts if parts_of]
        if parents and queries >= budget:
            found += [item for item, _ in parents]
            cut_short = True
            break
        if len(parents) > width:
            found += [item for item, _ in parents[width:]]
            parents = parents[:width]
            cut_short = True
        if not parents:
            break
        answer = ask([item.segment for item, _ in parents], [child for _, parts_of in parents for child in parts_of])
        queries += 1
        differing = sorted((item for item in answer if item.differs), key=lambda item: item.segment.order())
    found.sort(key=lambda item: item.segment.order())
    settled = not cut_short and all(item.segment.nulls or item.one_value for item in found)
    return Narrowed(tuple(found[:REPORTED]), max(0, len(found) - REPORTED), queries, settled)
