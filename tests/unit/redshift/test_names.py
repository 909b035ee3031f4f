"""Identifier parsing and quoting."""

from __future__ import annotations

import pytest

from glue_elt.errors import ValidationError
from glue_elt.redshift.names import (
    display_identifier,
    parse_column_list,
    parse_schema_name,
    parse_table_name,
    quote_identifier,
)


@pytest.mark.parametrize(
    ("text", "sql"),
    [
        ("shared_db.schema.orders", '"shared_db"."schema"."orders"'),
        ("Analytics.Orders", '"analytics"."orders"'),
        ('shared_db."schema"."Order Items"', '"shared_db"."schema"."Order Items"'),
        ("a.b$c", '"a"."b$c"'),
        ('a."x""y"', '"a"."x""y"'),
        ("  a . b  ", '"a"."b"'),
    ],
)
def test_table_names_are_emitted_quoted(text: str, sql: str) -> None:
    assert parse_table_name(text, "source_table").sql() == sql


def test_schema_and_table_accessors() -> None:
    name = parse_table_name('db.Sales."Orders"', "t")
    assert (name.schema, name.table) == ("sales", "Orders")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("orders", "must be schema.table or database.schema.table \\(1 part"),
        ("a.b.c.d", "4 part"),
        ("a..b", "not a dot-separated name"),
        (".a", "not a dot-separated name"),
        ("a.", "not a dot-separated name"),
        ("a.b; drop table x", "not a dot-separated name"),
        ('a."b', "cannot be read as SQL"),
        ('a.""', "empty identifier"),
        ("a.1b", "not a dot-separated name"),
        ("a.'b'", "is not an identifier"),
        ("a.*", "is not an identifier"),
        ("a.b -- hi", "must not contain comments"),
        ("a." + "x" * 128, "longer than 127 bytes"),
        ("a.b c", "not a dot-separated name"),
    ],
)
def test_bad_table_names(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_table_name(text, "source_table")


def test_column_list() -> None:
    columns = parse_column_list('id, Name ,"Mixed Col", date')
    assert [c.sql() for c in columns] == ['"id"', '"name"', '"Mixed Col"', '"date"']


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,,b", "comma-separated list"),
        ("a b", "comma-separated list"),
        ("a, b) from x; --", "comma-separated list"),
        ("count(*)", "comma-separated list"),
        ("a, A", "more than once: a"),
    ],
)
def test_bad_column_lists(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_column_list(text)


def test_schema_names() -> None:
    assert [p.name for p in parse_schema_name("shared_db.Sales", "s", max_parts=2)] == ["shared_db", "sales"]
    with pytest.raises(ValidationError, match="at most 1 allowed"):
        parse_schema_name("a.b", "--target_schema", max_parts=1)


def test_quoting_helpers() -> None:
    assert quote_identifier('we"ird') == '"we""ird"'
    assert display_identifier("orders") == "orders"
    assert display_identifier("Order Items") == '"Order Items"'


def test_duplicates_are_found_in_one_pass() -> None:
    names = ",".join(f"c{n}" for n in range(100_000)) + ",c5,c7,c5"
    with pytest.raises(ValidationError, match="names column\\(s\\) more than once: c5, c7"):
        parse_column_list(names)


@pytest.mark.parametrize("char", ["\x00", "\x1f", "\x7f", "\x85", "\ud800"])
def test_a_name_holds_only_printable_characters(char: str) -> None:
    with pytest.raises(ValidationError, match=f"U\\+{ord(char):04X} is not a printable character"):
        parse_table_name(f'a."b{char}c"', "target_table")
