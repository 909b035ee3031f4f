"""A chunk plan's distribution query on the stack: ``COUNT(*) - COUNT(c)`` beside several ``APPROXIMATE
PERCENTILE_DISC(p) WITHIN GROUP (ORDER BY c)`` over a data-share table, through the driver (``redshift_connector``
and the front door) and the local Data API (real boto3). The front door sends them as PostgreSQL's exact
``PERCENTILE_DISC`` (``local_stack.redshift_rules.exact_percentiles``), so the answers are the exact percentiles,
computed here from the rows by the definition: the smallest value whose cumulative distribution is >= p, NULLs
ignored (dg/r_APPROXIMATE_PERCENTILE_DISC.html). The tests also pin the Python types each executor hands back and
the Data API's ``Field`` kinds, which a chunk plan needs to write its boundaries back as SQL literals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from glue_elt.redshift.data_api.executor import DataApiExecutor
from glue_elt.redshift.driver.executor import RedshiftExecutor
from glue_elt.redshift.names import quote_identifier
from tests.boundary.test_local_redshift_api import data_client, run
from tests.conftest import Db

PERCENTILES = ("0.05", "0.25", "0.5", "0.9")
KEYS = range(1, 31)
FILTER = "k <> 7"  # the user's filter: 29 rows, 26 of them not NULL in each column
UTC = dt.timezone.utc
COLUMNS: dict[str, tuple[str, Any]] = {
    "i": ("INTEGER", lambda k: (k // 3) ** 2),  # skewed, with repeats
    "d": ("DATE", lambda k: dt.date(2024, 1, 1) + dt.timedelta(days=k * k)),
    "ts": ("TIMESTAMP", lambda k: dt.datetime(2024, 1, 1) + dt.timedelta(hours=k**3, microseconds=k)),
    "tz": ("TIMESTAMPTZ", lambda k: dt.datetime(2024, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=k**4)),
    "n": ("NUMERIC(12,2)", lambda k: (Decimal(k * k - 50) / 7).quantize(Decimal("0.01"))),
    "f": ("DOUBLE PRECISION", lambda k: k / 8),
}
DRIVER_TYPES = {"i": int, "d": dt.date, "ts": dt.datetime, "tz": dt.datetime, "n": Decimal, "f": float}
FIELD_KINDS = {"i": "longValue", "d": "stringValue", "ts": "stringValue", "tz": "stringValue", "n": "stringValue",
               "f": "doubleValue"}  # fmt: skip


def value(column: str, key: int) -> Any:
    """The row ``key``'s value of ``column``: NULL in rows 3, 13 and 23."""
    return None if key % 10 == 3 else COLUMNS[column][1](key)


def literal(item: Any) -> str:
    if item is None:
        return "NULL"
    if isinstance(item, dt.datetime) and item.tzinfo is not None:
        return f"'{item.isoformat(' ')}'"
    return f"'{item}'" if isinstance(item, (dt.date, dt.datetime)) else str(item)


def exact(values: list[Any], percentile: str) -> Any:
    """``PERCENTILE_DISC``'s definition, in exact arithmetic: the smallest value whose cumulative distribution
    (the share of values <= it) is >= ``percentile``; NULLs ignored."""
    present = sorted(v for v in values if v is not None)
    return next(v for v in present if Fraction(sum(x <= v for x in present), len(present)) >= Fraction(percentile))


def plan_query(source: str, column: str) -> str:
    """The chunk plan's query for ``column``, as issue 29 writes it."""
    name = quote_identifier(column)
    parts = [f"APPROXIMATE PERCENTILE_DISC({p}) WITHIN GROUP (ORDER BY {name})" for p in PERCENTILES]
    return (
        f"SELECT COUNT(*) - COUNT({name}), {', '.join(parts)} "
        f'FROM "shared_db".{quote_identifier(source)}."t" WHERE ({FILTER})'
    )


@pytest.fixture
def source(db: Db, schemas: tuple[str, str]) -> str:
    """A share table with every chunk column type and NULLs in each."""
    schema = schemas[0]
    columns = ", ".join(f"{name} {kind}" for name, (kind, _) in COLUMNS.items())
    rows = ", ".join("(" + ", ".join([str(k)] + [literal(value(c, k)) for c in COLUMNS]) + ")" for k in KEYS)
    db.admin(f"CREATE TABLE {schema}.t (k int, {columns})", f"INSERT INTO {schema}.t VALUES {rows}")
    return schema


def expected(column: str) -> tuple[Any, ...]:
    values = [value(column, k) for k in KEYS if k != 7]
    return (values.count(None), *(exact(values, p) for p in PERCENTILES))


def data_api_text(item: Any) -> Any:
    """How the Data API writes a value (DATE, TIMESTAMP and NUMERIC as text, TIMESTAMPTZ in UTC with ``+00``)."""
    if isinstance(item, dt.datetime) and item.tzinfo is not None:
        return item.astimezone(UTC).replace(tzinfo=None).isoformat(" ") + "+00"
    if isinstance(item, dt.datetime):
        return item.isoformat(" ")
    return str(item) if isinstance(item, (dt.date, Decimal)) else item


@pytest.mark.parametrize("column", list(COLUMNS))
def test_the_driver_gets_the_exact_percentiles_as_python_values(source: str, cluster_secret: str, column: str) -> None:
    executor = RedshiftExecutor()
    try:
        estimate = executor.query(cluster_secret, f'SELECT COUNT(*) FROM "shared_db"."{source}"."t" WHERE ({FILTER})')
        (row,) = executor.query(cluster_secret, plan_query(source, column))
    finally:
        executor.close()
    assert estimate == [(29,)]
    assert tuple(row) == expected(column)
    assert [type(item) for item in row] == [int] + [DRIVER_TYPES[column]] * len(PERCENTILES)
    if column == "tz":  # an aware datetime, in UTC
        assert all(item.utcoffset() == dt.timedelta(0) for item in row[1:])


@pytest.mark.parametrize("column", list(COLUMNS))
def test_the_data_api_gets_the_exact_percentiles_as_its_fields(source: str, cluster_secret: str, column: str) -> None:
    client = data_client()
    described = run(client, plan_query(source, column))
    assert described["Status"] == "FINISHED", described.get("Error")
    (record,) = client.get_statement_result(Id=described["Id"])["Records"]
    kinds = [next(iter(field)) for field in record]
    assert kinds == ["longValue"] + [FIELD_KINDS[column]] * len(PERCENTILES)
    executor = DataApiExecutor()
    try:
        (row,) = executor.query(cluster_secret, plan_query(source, column))
    finally:
        executor.close()
    assert tuple(row) == tuple(data_api_text(item) for item in expected(column))


def test_a_thousand_boundaries_come_back_in_one_row_through_both_executors(source: str, cluster_secret: str) -> None:
    """k = 1,000 (999 percentiles and the count): under PostgreSQL's 1,664 select-list entries and, with a short column
    name, the Data API's 100 KB statement (``wire.check_size``)."""
    k = 1000
    parts = [f"APPROXIMATE PERCENTILE_DISC({i / k:g}) WITHIN GROUP (ORDER BY i)" for i in range(1, k)]
    sql = f'SELECT COUNT(*) - COUNT(i), {", ".join(parts)} FROM "shared_db"."{source}"."t"'
    values = [value("i", key) for key in KEYS]
    expected_row = (values.count(None), *(exact(values, f"{i / k:g}") for i in range(1, k)))
    driver, data_api = RedshiftExecutor(), DataApiExecutor()
    try:
        assert [tuple(row) for row in driver.query(cluster_secret, sql)] == [expected_row]
        assert [tuple(row) for row in data_api.query(cluster_secret, sql)] == [expected_row]
    finally:
        driver.close()
        data_api.close()
