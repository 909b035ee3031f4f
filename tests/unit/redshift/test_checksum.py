"""The checksum's SQL: each value as text in its own type, each column's encoding chosen from the target types (a
delimited, length-prefixed or MD5'd part of the row's text), the row's MD5 as a 60-bit number; and, on a Python
model of the row text, that two different rows never give the same text."""

from __future__ import annotations

import hashlib

import pytest
import sqlglot

from glue_elt.redshift.checksum import VARCHAR_MAX, Encoding, encodings, figures, row_hash, value_text
from glue_elt.redshift.types import parse_type

Row = tuple[object, ...]


def test_values_become_text_in_their_own_type() -> None:
    assert value_text('"v"', parse_type("integer")) == 'CAST("v" AS VARCHAR(65535))'
    assert value_text('"s"', parse_type("super")) == 'JSON_SERIALIZE("s")'
    assert value_text('"b"', parse_type("varbyte(10)")) == """FROM_VARBYTE("b", 'hex')"""
    assert value_text('"f"', parse_type("boolean")) == """CASE WHEN "f" THEN 'true' WHEN NOT "f" THEN 'false' END"""


@pytest.mark.parametrize(
    ("spelled", "encoding"),
    [
        ("smallint", Encoding.DELIMITED),
        ("bigint", Encoding.DELIMITED),
        ("numeric(38,10)", Encoding.DELIMITED),
        ("double precision", Encoding.DELIMITED),
        ("real", Encoding.DELIMITED),
        ("boolean", Encoding.DELIMITED),
        ("date", Encoding.DELIMITED),
        ("timestamp with time zone", Encoding.DELIMITED),
        ("time without time zone", Encoding.DELIMITED),
        ("character varying(40)", Encoding.PREFIXED),
        ("character(1024)", Encoding.PREFIXED),
        ("character varying(1025)", Encoding.HASHED),
        ("character varying(65535)", Encoding.HASHED),
        ("varchar", Encoding.HASHED),  # no size: its longest text is not known
        ("text", Encoding.HASHED),
        ("numeric", Encoding.HASHED),  # an unbounded NUMERIC (PostgreSQL only)
        ("super", Encoding.HASHED),
        ("varbyte(10)", Encoding.HASHED),
        ("geometry", Encoding.HASHED),
        ("hllsketch", Encoding.HASHED),
    ],
)
def test_each_type_has_its_encoding(spelled: str, encoding: Encoding) -> None:
    assert encodings([parse_type(spelled)]) == [encoding]


def test_a_row_text_that_could_exceed_varchar_max_hashes_every_column() -> None:
    """63 VARCHAR(1024) columns take at most 63 x (4 + 1 + 1024) = 64,827 bytes, with an INTEGER's 65 bytes 64,892:
    inline; one VARCHAR(1024) more could pass 65,535 bytes, so every value is hashed, as before (at most 1,600 x 32
    bytes)."""
    wide = [parse_type("character varying(1024)")] * 63 + [parse_type("integer")]
    assert encodings(wide) == [Encoding.PREFIXED] * 63 + [Encoding.DELIMITED]
    assert VARCHAR_MAX >= 63 * (4 + 1 + 1024) + 65
    assert encodings([*wide, parse_type("character(10)")])[-1] is Encoding.PREFIXED  # 64,905 bytes
    assert encodings([*wide, parse_type("character(1024)")]) == [Encoding.HASHED] * 65


def test_the_row_hash_and_the_figures_parse_as_redshift() -> None:
    values = [
        ('"a"', parse_type("integer")),
        ('"b"', parse_type("character varying(10)")),
        ('"c"', parse_type("super")),
    ]
    hashed = row_hash(values)
    assert hashed == (
        "STRTOL(SUBSTRING(MD5("
        """COALESCE(CAST("a" AS VARCHAR(65535)), 'N') || ',' || """
        """COALESCE(CAST(OCTET_LENGTH(CAST("b" AS VARCHAR(65535))) AS VARCHAR(10)) || ':' || """
        """CAST("b" AS VARCHAR(65535)), 'N') || """
        """COALESCE(MD5(JSON_SERIALIZE("c")), 'N')), 1, 15), 16)"""
    )
    assert hashed.count("MD5(") == 2  # the row's, and the SUPER value's: the others are written inline
    sql = figures(values, '"s"."t" WHERE (a > 1)')
    assert sql.startswith("SELECT COUNT(*) AS n, COALESCE(SUM(CAST(STRTOL(") and "AS DECIMAL(38,0))), 0) AS s" in sql
    assert sqlglot.parse_one(sql, read="redshift") is not None


def _text(row: Row, kinds: list[Encoding]) -> bytes:
    """The row's text as the SQL writes it, from each value's text (``None`` for NULL)."""
    out = b""
    for value, kind in zip(row, kinds):
        raw = None if value is None else str(value).encode()
        if kind is Encoding.DELIMITED:
            out += (b"N" if raw is None else raw) + b","
        elif kind is Encoding.PREFIXED:
            out += b"N" if raw is None else str(len(raw)).encode() + b":" + raw
        else:
            out += b"N" if raw is None else hashlib.md5(raw, usedforsecurity=False).hexdigest().encode()
    return out


def _decoded(text: bytes, kinds: list[Encoding]) -> list[bytes | None]:
    """The row back from its text given the encodings (a hashed value comes back as its MD5): the proof, run."""
    values: list[bytes | None] = []
    at = 0
    for kind in kinds:
        if kind is Encoding.DELIMITED:  # no delimited type's text holds a comma or is exactly N
            end = text.index(b",", at)
            values.append(None if text[at:end] == b"N" else text[at:end])
            at = end + 1
        elif text[at : at + 1] == b"N":  # no length starts with N, nor does an MD5 (lower-case hex)
            values.append(None)
            at += 1
        elif kind is Encoding.PREFIXED:
            colon = text.index(b":", at)
            length = int(text[at:colon])
            values.append(text[colon + 1 : colon + 1 + length])
            at = colon + 1 + length
        else:
            values.append(text[at : at + 32])
            at += 32
    assert at == len(text)
    return values


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("a", "bc"), ("ab", "c")),
        ((None, ""), ("", None)),
        (("N", None), (None, "N")),
        (("1:a", ""), ("", "1:a")),
        (("3:abc", "x"), ("3", "abcx")),
        (("é", "a"), ("", "éa")),  # lengths in bytes: é is two
    ],
)
def test_two_different_text_rows_never_write_the_same_text(first: Row, second: Row) -> None:
    kinds = encodings([parse_type("character varying(10)")] * 2)
    assert _text(first, kinds) != _text(second, kinds)
    for row in (first, second):
        assert _decoded(_text(row, kinds), kinds) == [None if v is None else str(v).encode() for v in row]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((1, "2,3", 4), (12, "3", 4)),
        ((None, "", 5), (5, None, None)),
        ((-0.0, "N", None), (0.0, "N", None)),
        ((1, "x", "1,"), (1, "x,1", "")),
    ],
)
def test_mixed_rows_decode_to_their_values(first: Row, second: Row) -> None:
    kinds = encodings([parse_type("integer"), parse_type("character(8)"), parse_type("character varying(5000)")])
    assert kinds == [Encoding.DELIMITED, Encoding.PREFIXED, Encoding.HASHED]
    assert _text(first, kinds) != _text(second, kinds)
    for row in (first, second):
        assert _decoded(_text(row, kinds), kinds)[:2] == [None if v is None else str(v).encode() for v in row[:2]]
