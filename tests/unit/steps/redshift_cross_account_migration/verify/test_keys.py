"""A bisection column's values: read from either executor's answer, cut into equal widths, written back as SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from glue_elt.redshift.types import parse_type
from glue_elt.steps.redshift_cross_account_migration.verify.keys import Value, cut_points, literal, read_value

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("type_text", "text", "value"),
    [
        ("bigint", "-42", -42),
        ("bigint", 42, 42),  # the driver's int
        ("numeric(12,3)", "12.500", Decimal("12.500")),
        ("double precision", "1e-300", 1e-300),
        ("double precision", "NaN", None),
        ("date", "2024-02-29", dt.date(2024, 2, 29)),
        ("date", "0044-03-15 BC", None),
        ("timestamp", "2024-01-01 10:00:00", dt.datetime(2024, 1, 1, 10)),
        ("timestamp", "2024-01-01 10:00:00.12", dt.datetime(2024, 1, 1, 10, 0, 0, 120000)),
        ("timestamptz", "2024-01-01 10:00:00+00", dt.datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("timestamptz", "2024-01-01 10:00:00.5+05:30", dt.datetime(2024, 1, 1, 4, 30, 0, 500000, tzinfo=UTC)),
        ("integer", None, None),
        ("integer", "x", None),
    ],
)
def test_the_servers_text_is_read_per_type(type_text: str, text: object, value: Value | None) -> None:
    assert read_value(text, parse_type(type_text)) == value


def test_cut_points_are_inside_the_bounds_rounded_to_the_columns_scale_and_distinct() -> None:
    assert cut_points(Decimal("0.000"), Decimal("0.010"), 4, parse_type("numeric(12,3)")) == [
        Decimal("0.002"), Decimal("0.005"), Decimal("0.007")
    ]  # fmt: skip
    assert cut_points(Decimal("1.0"), Decimal("1.1"), 16, parse_type("numeric(5,1)")) == [Decimal("1.0")]
    assert cut_points(0.0, 1.0, 4, parse_type("real")) == [0.25, 0.5, 0.75]
    assert cut_points(dt.date(2024, 1, 1), dt.date(2024, 1, 5), 4, parse_type("date")) == [
        dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 4)
    ]  # fmt: skip
    low = dt.datetime(2024, 1, 1, tzinfo=UTC)
    assert cut_points(low, low + dt.timedelta(seconds=1), 2, parse_type("timestamptz")) == [
        low + dt.timedelta(microseconds=500_000)
    ]
    assert cut_points(5, 5, 16, parse_type("int")) == []


def test_a_cut_point_is_written_as_a_cast_of_its_text() -> None:
    assert literal(dt.datetime(2024, 1, 1, 0, 0, 0, 500000, tzinfo=UTC), "TIMESTAMPTZ") == (
        "CAST('2024-01-01 00:00:00.500000+00:00' AS TIMESTAMPTZ)"
    )
    assert literal(Decimal("1.50"), "DECIMAL(12,2)") == "CAST('1.50' AS DECIMAL(12,2))"
