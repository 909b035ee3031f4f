"""CREATE TABLE for a missing target, declared from catalog columns (pure logic)."""

from __future__ import annotations

import pytest
import sqlglot

from glue_elt.errors import ValidationError
from glue_elt.redshift.catalog import Column
from glue_elt.redshift.ddl import AUTO_KEYS, create_schema, create_table
from glue_elt.redshift.names import Identifier, TableName

NAME = TableName((Identifier("analytics"), Identifier("Order Items")))


def test_columns_types_and_not_null_are_declared_and_keys_left_to_redshift_when_the_catalog_shows_none() -> None:
    created = create_table(NAME, [Column("id", "bigint", False), Column('we"ird', "numeric(12,2)")])
    assert created.sql == ('CREATE TABLE "analytics"."Order Items" ("id" BIGINT NOT NULL, "we""ird" DECIMAL(12,2))')
    assert created.keys == AUTO_KEYS


def test_a_column_whose_catalog_gives_no_nullability_is_declared_without_not_null() -> None:
    created = create_table(NAME, [Column("id", "bigint", None), Column("v", "integer", False)])
    assert created.sql.endswith('("id" BIGINT, "v" INTEGER NOT NULL)')


def test_the_sources_distribution_key_and_compound_sort_key_are_copied_in_sort_key_order() -> None:
    columns = [Column("a", "integer", sortkey=2), Column("b", "date", distkey=True), Column("c", "date", sortkey=1)]
    created = create_table(NAME, columns)
    assert created.sql.endswith(' DISTKEY("b") COMPOUND SORTKEY("c", "a")')
    assert created.keys == 'distribution and sort keys from the source: DISTKEY("b") COMPOUND SORTKEY("c", "a")'
    sqlglot.parse_one(created.sql, read="redshift")


@pytest.mark.parametrize("places", [(1, -2, 3), (-1, 2, -3), (-1, -2, -3)])
def test_an_interleaved_sort_key_is_copied_whole_in_its_order(places: tuple[int, int, int]) -> None:
    # An interleaved key's columns show sortkey values "alternately positive or negative", the absolute value giving
    # the place (dg/r_SVV_REDSHIFT_COLUMNS.html); the old code kept the positive ones as a partial COMPOUND key.
    first, second, third = places
    columns = [Column("c", "integer", sortkey=third), Column("x", "date"), Column("a", "integer", sortkey=first),
               Column("b", "integer", sortkey=second)]  # fmt: skip
    created = create_table(NAME, columns)
    assert created.sql.endswith(' INTERLEAVED SORTKEY("a", "b", "c")')
    assert created.keys == 'distribution and sort keys from the source: INTERLEAVED SORTKEY("a", "b", "c")'
    sqlglot.parse_one(created.sql, read="redshift")


def test_a_type_that_cannot_be_written_safely_refuses_the_creation_naming_the_column() -> None:
    with pytest.raises(ValidationError, match=r"cannot declare the type of column\(s\) x \(int\); drop table"):
        create_table(NAME, [Column("x", "int); drop table y; --")])


def test_a_column_whose_catalog_type_has_no_length_refuses_the_creation() -> None:
    with pytest.raises(ValidationError, match=r"note \(character varying: the catalog shows no length or precision\)"):
        create_table(NAME, [Column("id", "integer"), Column("note", "character varying")])


def test_create_schema_quotes_the_name() -> None:
    assert create_schema('new"schema') == 'CREATE SCHEMA IF NOT EXISTS "new""schema"'
