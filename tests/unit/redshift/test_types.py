"""Column types read from the catalog's spelling and compared source against target."""

from __future__ import annotations

import pytest
import sqlglot

from glue_elt.redshift.types import Family, Fit, compare, parse_type


@pytest.mark.parametrize(
    ("text", "family", "ddl"),
    [
        ("character varying(100)", Family.CHARACTER, "VARCHAR(100)"),
        ("varchar(65535)", Family.CHARACTER, "VARCHAR(65535)"),
        ("character(10)", Family.CHARACTER, "CHAR(10)"),
        ("text", Family.CHARACTER, "TEXT"),
        ("numeric(12,2)", Family.DECIMAL, "DECIMAL(12,2)"),
        ("numeric(18, 0)", Family.DECIMAL, "DECIMAL(18,0)"),
        ("smallint", Family.INTEGER, "SMALLINT"),
        ("integer", Family.INTEGER, "INTEGER"),
        ("bigint", Family.INTEGER, "BIGINT"),
        ("real", Family.FLOAT, "REAL"),
        ("double precision", Family.FLOAT, "DOUBLE PRECISION"),
        ("boolean", Family.BOOLEAN, "BOOLEAN"),
        ("date", Family.DATE, "DATE"),
        ("timestamp without time zone", Family.TIMESTAMP, "TIMESTAMP"),
        ("timestamp(6) without time zone", Family.TIMESTAMP, "TIMESTAMP"),
        ("timestamp with time zone", Family.TIMESTAMP, "TIMESTAMPTZ"),
        ("time without time zone", Family.TIME, "TIME"),
        ("time with time zone", Family.TIME, "TIMETZ"),
        ("super", Family.SUPER, "SUPER"),
        ("varbyte(1024)", Family.VARBYTE, "VARBYTE(1024)"),
        ("binary varying(64000)", Family.VARBYTE, "VARBYTE(64000)"),
        ("geometry", Family.OTHER, "GEOMETRY"),
        ("hllsketch", Family.OTHER, "HLLSKETCH"),
        ("interval day to second", Family.OTHER, "INTERVAL DAY TO SECOND"),
        ("interval year to month", Family.OTHER, "INTERVAL YEAR TO MONTH"),
    ],
)
def test_catalog_spellings_are_read_and_written_back_as_redshift_ddl(text: str, family: Family, ddl: str) -> None:
    parsed = parse_type(text)
    assert (parsed.family, parsed.sql(), parsed.lacks_size) == (family, ddl, False)
    sqlglot.parse_one(f"CREATE TABLE t (c {ddl})", read="redshift")


@pytest.mark.parametrize("text", ["numeric", "character varying", "character", "binary varying", "varbyte"])
def test_a_sized_type_without_its_size_is_never_declared_with_redshifts_default(text: str) -> None:
    # VARCHAR alone is VARCHAR(256) on Redshift, DECIMAL alone DECIMAL(18,0): declaring it would narrow the column.
    parsed = parse_type(text)
    assert parsed.lacks_size and parsed.sql() is None and str(parsed) == text


def test_an_interval_s_qualifier_is_written_once_with_its_fractional_precision() -> None:
    # INTERVAL day_to_second_qualifier [ (fractional_precision) ] (dg/r_interval_data_types.html); the old parser
    # wrote the qualifier twice: INTERVAL DAY TO SECOND DAY TO SECOND.
    assert parse_type("interval day to second(3)").sql() == "INTERVAL DAY TO SECOND(3)"
    assert parse_type("interval day to second").name == "INTERVAL DAY TO SECOND"
    assert compare(parse_type("interval day to second"), parse_type("interval day to second")) is Fit.FITS


def test_a_spelling_that_is_not_a_plain_type_is_never_written_as_ddl() -> None:
    assert parse_type("int); drop table x; --").sql() is None
    assert parse_type('"weird" type').sql() is None


@pytest.mark.parametrize(
    ("source", "target", "fit"),
    [
        ("character varying(100)", "character varying(100)", Fit.FITS),
        ("character varying(10)", "character varying(100)", Fit.FITS),
        ("character varying(100)", "character varying(10)", Fit.NARROWER),
        ("character(10)", "character varying(10)", Fit.FITS),
        ("character(3)", "character(10)", Fit.FITS),
        ("character(10)", "character(3)", Fit.NARROWER),
        ("character varying(3)", "character(10)", Fit.NARROWER),  # CHAR holds single-byte characters only
        ("text", "character(10)", Fit.NARROWER),
        ("text", "character varying(10)", Fit.NARROWER),
        ("character varying(10)", "text", Fit.FITS),
        ("numeric(12,2)", "numeric(8,2)", Fit.NARROWER),
        ("numeric(12,2)", "numeric(12,1)", Fit.NARROWER),
        ("numeric(12,2)", "numeric(14,4)", Fit.FITS),
        ("numeric", "numeric(38,10)", Fit.NARROWER),
        ("bigint", "smallint", Fit.NARROWER),
        ("smallint", "bigint", Fit.FITS),
        ("integer", "numeric(10,0)", Fit.FITS),
        ("integer", "numeric(9,0)", Fit.NARROWER),
        ("bigint", "double precision", Fit.FITS),
        ("numeric(9,0)", "integer", Fit.FITS),
        ("numeric(10,2)", "bigint", Fit.NARROWER),
        ("double precision", "real", Fit.NARROWER),
        ("double precision", "numeric(38,10)", Fit.NARROWER),
        ("date", "timestamp without time zone", Fit.FITS),
        ("timestamp without time zone", "timestamp with time zone", Fit.FITS),
        ("timestamp without time zone", "date", Fit.MISMATCH),
        ("character varying(20)", "integer", Fit.MISMATCH),
        ("integer", "character varying(20)", Fit.MISMATCH),
        ("boolean", "integer", Fit.MISMATCH),
        ("varbyte(100)", "varbyte(10)", Fit.NARROWER),
        ("super", "super", Fit.FITS),
        ("character varying(10)", "super", Fit.MISMATCH),
        ("geometry", "geometry", Fit.FITS),
        ("geometry", "geography", Fit.UNKNOWN),
    ],
)
def test_source_values_fit_the_target_only_when_every_value_would(source: str, target: str, fit: Fit) -> None:
    assert compare(parse_type(source), parse_type(target)) is fit
