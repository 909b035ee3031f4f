"""The chunk plan: how many chunks, the cut points from the server's answer, the ranges and their SQL."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
import sqlglot

from glue_elt.errors import ValidationError
from glue_elt.redshift.data_api.wire import MAX_STATEMENT_BYTES
from glue_elt.redshift.names import Identifier, TableName
from glue_elt.redshift.state import ONE_ROW, StateTable
from glue_elt.redshift.types import parse_type
from glue_elt.steps.redshift_cross_account_migration.chunks import (
    MAX_CHUNKS,
    ChunkPlan,
    check_chunkable,
    chunk_count,
    chunk_key,
    count_sql,
    fitting_percentile_sql,
    percentile_sql,
    plan_from,
    value_text,
)
from glue_elt.steps.redshift_cross_account_migration.sql import insert_select

SOURCE = TableName((Identifier("shared_db"), Identifier("sales"), Identifier("Order Items")))
ID = Identifier("id")


def test_chunk_count_rounds_up_and_is_bounded() -> None:
    assert chunk_count(100, 10) == 10
    assert chunk_count(101, 10) == 11
    assert chunk_count(5, 10) == 1
    assert chunk_count(10**12, 1) == MAX_CHUNKS


def test_the_percentile_query_asks_for_k_minus_one_cut_points_and_the_nulls_in_one_statement() -> None:
    sql = percentile_sql(SOURCE, "region = 'x'", ID, 4)
    assert sql.count("APPROXIMATE PERCENTILE_DISC(") == 3
    assert "PERCENTILE_DISC(0.25)" in sql and "PERCENTILE_DISC(0.5)" in sql and "PERCENTILE_DISC(0.75)" in sql
    assert sql.startswith('SELECT COUNT(*) - COUNT("id"), ')
    assert sql.endswith(""" FROM "shared_db"."sales"."Order Items" WHERE (region = 'x')""")
    assert count_sql(SOURCE, None) == 'SELECT COUNT(*) FROM "shared_db"."sales"."Order Items"'


def test_a_long_column_name_gets_fewer_cut_points_within_the_data_apis_statement_size() -> None:
    long_name = Identifier("c" * 127)
    assert len(percentile_sql(SOURCE, None, long_name, MAX_CHUNKS).encode()) > MAX_STATEMENT_BYTES
    fitting = fitting_percentile_sql(SOURCE, None, long_name, MAX_CHUNKS)
    assert len(fitting.encode()) <= MAX_STATEMENT_BYTES and fitting.count("PERCENTILE_DISC(") > 300
    assert fitting_percentile_sql(SOURCE, None, ID, MAX_CHUNKS).count("PERCENTILE_DISC(") == MAX_CHUNKS - 1


def test_both_queries_parse_as_redshift() -> None:
    for sql in (percentile_sql(SOURCE, "a > 1", ID, 20), count_sql(SOURCE, "a > 1")):
        assert sqlglot.parse_one(sql, read="redshift") is not None


def test_repeated_and_null_cut_points_are_kept_once_and_the_chunks_cover_every_value() -> None:
    plan = plan_from(ID, "INTEGER", 1000, (7, 10, 10, None, 20, 30, 30))
    assert plan.cuts == ("10", "20", "30") and plan.nulls == 7
    chunks = plan.chunks
    assert [c.number for c in chunks] == [1, 2, 3, 4, 5]
    assert chunks[0].nulls and chunks[0].estimated_rows == 7
    assert [(c.lower, c.upper) for c in chunks[1:]] == [(None, "10"), ("10", "20"), ("20", "30"), ("30", None)]
    assert chunks[1].condition(ID, "INTEGER") == """"id" <= CAST('10' AS INTEGER)"""
    assert chunks[2].condition(ID, "INTEGER") == """"id" > CAST('10' AS INTEGER) AND "id" <= CAST('20' AS INTEGER)"""
    assert chunks[4].condition(ID, "INTEGER") == """"id" > CAST('30' AS INTEGER)"""
    assert chunks[0].condition(ID, "INTEGER") == '"id" IS NULL'
    assert chunks[2].describe("id") == "id > 10 and <= 20"


def test_a_plan_without_cut_points_is_the_nulls_and_everything_else() -> None:
    plan = plan_from(ID, "INTEGER", 50, (0, None, None))
    assert [c.condition(ID, "INTEGER") for c in plan.chunks] == ['"id" IS NULL', '"id" IS NOT NULL']


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12, "12"),
        (decimal.Decimal("1E+3"), "1000"),
        (decimal.Decimal("-0.0500"), "-0.0500"),
        (0.1, "0.1"),
        (1e-05, "1e-05"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        (dt.datetime(2024, 2, 29, 23, 59, 58, 123456), "2024-02-29 23:59:58.123456"),
        (dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), "2024-01-01 00:00:00+00:00"),
        ("2024-01-01 10:00:00", "2024-01-01 10:00:00"),
    ],
)
def test_values_are_written_as_text_their_type_reads_back(value: object, text: str) -> None:
    assert value_text(value) == text


def test_a_plan_reads_back_as_it_was_written_and_its_literals_are_quoted() -> None:
    plan = plan_from(Identifier('we"ird'), "TIMESTAMP", 10, (1, "2024-01-01 00:00:00", "x' OR 1=1 --"), "5")
    assert ChunkPlan.read(plan.document()) == plan
    condition = plan.chunks[2].condition(plan.column, plan.column_type)
    assert "'x'' OR 1=1 --'" in condition and condition.startswith('"we""ird" > CAST(')


@pytest.mark.parametrize("type_text", ["integer", "bigint", "numeric(18,2)", "double precision", "real", "date",
                                       "timestamp without time zone", "timestamp with time zone"])  # fmt: skip
def test_numbers_dates_and_timestamps_can_be_cut(type_text: str) -> None:
    check_chunkable("c", parse_type(type_text))


@pytest.mark.parametrize("type_text", ["character varying(20)", "boolean", "super", "time without time zone"])
def test_other_types_are_refused_with_the_reason(type_text: str) -> None:
    with pytest.raises(ValidationError, match=r"chunk column c is .*: chunked loads need a number, a DATE or a"):
        check_chunkable("c", parse_type(type_text))


def test_chunk_keys_are_64_hex_characters_and_differ_per_chunk_and_row() -> None:
    keys = {chunk_key("a" * 64, 1), chunk_key("a" * 64, 2), chunk_key("b" * 64, 1)}
    assert len(keys) == 3 and all(len(key) == 64 and int(key, 16) >= 0 for key in keys)


def test_a_chunks_insert_and_the_rows_closing_record_parse_as_redshift() -> None:
    plan = plan_from(ID, "TIMESTAMP", 100, (0, "2024-01-01 00:00:00"))
    condition = f"(region = 'x') AND {plan.chunks[2].condition(ID, plan.column_type)}"
    target = TableName((Identifier("analytics"), Identifier("orders")))
    insert = insert_select(target, SOURCE, (ID,), condition)
    assert insert.endswith("""WHERE ((region = 'x') AND "id" > CAST('2024-01-01 00:00:00' AS TIMESTAMP))""")
    record = StateTable.parse("glue_elt.migration_state").record_from_count("run", "k" * 64, "a.t", "append", "12",
                                                                            ONE_ROW)  # fmt: skip
    for sql in (insert, record):
        assert sqlglot.parse_one(sql, read="redshift") is not None
