"""The values of a bisection column: read from the server's text, cut into equal-width ranges, written back as SQL.

The bisection (``bisection``) splits a range of the column between the smallest and the largest value both sides hold
in it, as reladiff splits a key range between its minimum and maximum (erezsh/reladiff,
docs/technical-explanation.md): the bounds come back with the figures, so each level of narrowing is one query.
The server sends them as text (``CAST(MIN(k) AS VARCHAR(64))``), the same for both executors (the Data API returns
dates and timestamps as strings, the driver as Python values), and they are read here per type family:

- integers, decimals (cut points rounded down to the column's scale) and floats by arithmetic on the numbers;
- dates by their day number, timestamps (with or without time zone) by their microseconds.

A value the text does not parse as (a date before year 1, ``NaN``) cannot be split: its range stays as it is.
A cut point goes back to SQL as ``CAST('<text>' AS <type>)`` (``chunks.value_text``, ``quote_literal``), as chunk
boundaries do (dg/r_CAST_function.html).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from typing import Union

from glue_elt.redshift.names import quote_literal
from glue_elt.redshift.types import ColumnType, Family
from glue_elt.steps.redshift_cross_account_migration.chunks import value_text

Value = Union[int, decimal.Decimal, float, dt.date, dt.datetime]
"""A value of a bisection column, as Python holds it."""

_TIMESTAMP = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})(?:\.(?P<f>\d{1,6})\d*)?"
    r"\s*(?P<tz>[+-]\d{2}(?::?\d{2})?|Z)?"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_value(text: object, column_type: ColumnType) -> Value | None:
    """The value the server wrote as ``text`` (a number the driver already converted is taken as it is); ``None``
    when there is none or it does not parse as the column's family."""
    if text is None:
        return None
    written = str(text).strip()
    try:
        if column_type.family is Family.INTEGER:
            return int(written)
        if column_type.family is Family.DECIMAL:
            return decimal.Decimal(written)
        if column_type.family is Family.FLOAT:
            number = float(written)
            return number if math.isfinite(number) else None
        if column_type.family is Family.DATE and _DATE.fullmatch(written):
            return dt.date.fromisoformat(written)
        if column_type.family is Family.TIMESTAMP:
            return _timestamp(written)
    except (ValueError, ArithmeticError):
        return None
    return None


def _timestamp(text: str) -> dt.datetime | None:
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    day = dt.date.fromisoformat(match["date"])
    fraction = int((match["f"] or "0").ljust(6, "0"))
    zone = match["tz"]
    tzinfo = None
    if zone == "Z":
        tzinfo = dt.timezone.utc
    elif zone:
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or "0"))
        tzinfo = dt.timezone(-offset if zone[0] == "-" else offset)
    return dt.datetime(day.year, day.month, day.day, int(match["h"]), int(match["m"]), int(match["s"]), fraction,
                       tzinfo)  # fmt: skip


def cut_points(low: Value, high: Value, parts: int, column_type: ColumnType) -> list[Value]:
    """Up to ``parts - 1`` ascending, distinct values ``c`` with ``low <= c < high`` that cut ``[low, high]`` into
    ``parts`` ranges of equal width (fewer when the values are too close: none when ``low == high``)."""
    family = column_type.family
    points: list[Value] = []
    for i in range(1, parts):
        if family is Family.INTEGER and isinstance(low, int) and isinstance(high, int):
            points.append(low + (high - low) * i // parts)
        elif family is Family.DECIMAL and isinstance(low, decimal.Decimal) and isinstance(high, decimal.Decimal):
            with decimal.localcontext() as context:
                context.prec = 80
                step = decimal.Decimal(1).scaleb(-(column_type.scale or 0))
                points.append((low + (high - low) * i / parts).quantize(step, rounding=decimal.ROUND_FLOOR))
        elif family is Family.FLOAT and isinstance(low, float) and isinstance(high, float):
            points.append(low + (high - low) * i / parts)
        elif isinstance(low, dt.datetime) and isinstance(high, dt.datetime):
            points.append(low + (high - low) * i // parts)
        elif isinstance(low, dt.date) and isinstance(high, dt.date) and not isinstance(low, dt.datetime):
            points.append(dt.date.fromordinal(low.toordinal() + (high.toordinal() - low.toordinal()) * i // parts))
    kept: list[Value] = []
    for point in points:
        if low <= point < high and (not kept or point > kept[-1]):  # type: ignore[operator]
            kept.append(point)
    return kept


def literal(value: Value, sql_type: str) -> str:
    """``value`` as an SQL expression of ``sql_type``: ``CAST('<text>' AS <type>)``."""
    return f"CAST({quote_literal(value_text(value))} AS {sql_type})"


def shown(value: Value) -> str:
    """``value`` as a report shows it (the text SQL reads it from)."""
    return value_text(value)
