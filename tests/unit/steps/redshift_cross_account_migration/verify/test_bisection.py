"""The bisection over a fake "figures per segment" answer: two sides held as Python rows (key, hash), each query
answered as the server would (count, sum of hashes, bounds of the key per range), counted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import pytest

from glue_elt.redshift.types import parse_type
from glue_elt.steps.redshift_cross_account_migration.verify.bisection import (
    NULLS,
    REPORTED,
    WHOLE,
    Compared,
    Figures,
    Narrowed,
    Segment,
    children,
    narrow,
)
from glue_elt.steps.redshift_cross_account_migration.verify.keys import Value, cut_points

Rows = list[tuple[Optional[int], int]]  # Optional: an alias is evaluated at run time (Python 3.9)
INTEGER = parse_type("integer")


def inside(key: int | None, segment: Segment) -> bool:
    if segment.whole:
        return True
    if segment.nulls or key is None:
        return segment.nulls and key is None
    return (segment.lower is None or key > segment.lower) and (segment.upper is None or key <= segment.upper)  # type: ignore[operator]


def figures(rows: Rows, segment: Segment) -> Figures:
    found = [(key, h) for key, h in rows if inside(key, segment)]
    keys = [key for key, _ in found if key is not None]
    return Figures(len(found), sum(h for _, h in found), min(keys) if keys else None, max(keys) if keys else None)


class FakeCluster:
    """Answers each level from the two sides' rows, checking what the real statement relies on: parents disjoint and
    in key order, children in key order and inside their parents."""

    def __init__(self, source: Rows, target: Rows) -> None:
        self.source, self.target = source, target
        self.asked: list[tuple[list[Segment], list[Segment]]] = []

    def ask(self, parents: Sequence[Segment], children: Sequence[Segment]) -> list[Compared]:
        self.asked.append((list(parents), list(children)))
        orders = [child.order() for child in children]
        assert orders == sorted(orders)  # type: ignore[type-var]
        return [Compared(child, figures(self.source, child), figures(self.target, child)) for child in children]

    def whole(self) -> Compared:
        return Compared(WHOLE, figures(self.source, WHOLE), figures(self.target, WHOLE))

    def narrow(self, budget: int = 20, **more: int) -> Narrowed:
        return narrow(self.whole(), self.ask, cut, budget, **more)


def cut(low: Value, high: Value, parts: int) -> list[Value]:
    return cut_points(low, high, parts, INTEGER)


def hashed(key: int | None, salt: int = 0) -> int:
    return (hash((key, salt)) & (2**60 - 1)) if key is not None else 7


SOURCE: Rows = [(key, hashed(key)) for key in range(1, 20_001)]


def described(found: Narrowed) -> list[tuple[Value | None, Value | None, int, int]]:
    """Each range found as (lowest, highest, source rows, target rows)."""
    return [(*item.bounds, item.source.rows, item.target.rows) for item in found.ranges]


def test_one_row_deleted_and_another_doubled_are_found_as_single_values_in_a_few_queries() -> None:
    target = [row for row in SOURCE if row[0] != 4_321] + [(17_777, hashed(17_777))]
    cluster = FakeCluster(SOURCE, target)
    assert cluster.whole().source.rows == cluster.whole().target.rows  # the count alone sees nothing
    found = cluster.narrow()
    assert described(found) == [(4_321, 4_321, 1, 0), (17_777, 17_777, 1, 2)]
    assert found.settled and found.more == 0
    assert found.queries == len(cluster.asked) <= 5  # 20,000 keys: cut by 16 per level


def test_the_first_level_sets_the_nulls_apart_and_a_null_difference_is_a_range_of_its_own() -> None:
    source = [*SOURCE[:1000], (None, 7), (None, 7)]
    cluster = FakeCluster(source, source[:-1])
    found = cluster.narrow()
    assert [item.segment for item in found.ranges] == [NULLS] and found.queries == 1
    assert (found.ranges[0].source.rows, found.ranges[0].target.rows) == (2, 1)
    parents, level = cluster.asked[0]
    assert parents == [WHOLE] and level[0] == NULLS and level[1].lower is None and level[-1].upper is None


def test_a_changed_value_is_found_on_both_sides_of_its_key() -> None:
    target = [(key, hashed(key, salt=1) if key == 500 else h) for key, h in SOURCE[:1000]]
    found = FakeCluster(SOURCE[:1000], target).narrow()
    assert described(found) == [(500, 500, 1, 1)] and found.settled


def test_rows_only_the_target_holds_beyond_the_sources_range_are_narrowed_too() -> None:
    extra = [(key, hashed(key)) for key in (5_000_000, 5_000_001)]
    found = FakeCluster(SOURCE[:1000], SOURCE[:1000] + extra).narrow()
    assert described(found) == [(5_000_000, 5_000_000, 0, 1), (5_000_001, 5_000_001, 0, 1)]


def test_the_budget_bounds_the_queries_and_leaves_the_ranges_found_so_far() -> None:
    target = [row for row in SOURCE if row[0] != 4_321]
    cluster = FakeCluster(SOURCE, target)
    found = cluster.narrow(budget=1)
    assert found.queries == 1 and not found.settled
    ((low, high, source_rows, target_rows),) = described(found)
    assert low is not None and high is not None and low <= 4_321 <= high and source_rows - target_rows == 1
    assert source_rows > 1  # a range of the first level, not the row itself


def test_when_every_row_differs_the_ranges_reported_and_cut_per_level_are_bounded() -> None:
    target = [(key, h + 1) for key, h in SOURCE[:10_000]]
    cluster = FakeCluster(SOURCE[:10_000], target)
    found = cluster.narrow(budget=3, width=2)
    assert len(found.ranges) == REPORTED and found.more > 0 and not found.settled
    assert all(len(parents) <= 2 for parents, _ in cluster.asked[1:])


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(1, 1, []), (1, 2, [1]), (0, 32, [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30])],
)
def test_a_range_is_cut_into_equal_widths_inside_its_bounds(low: int, high: int, expected: list[int]) -> None:
    parent = Compared(Segment(low - 1, high), Figures(1, 1, low, high), Figures(2, 2, low, high))
    found = children(parent, cut, 16)
    assert [child.upper for child in found[:-1]] == expected
    assert not found or (found[0].lower, found[-1].upper) == (low - 1, high)  # the parent is covered, no more
