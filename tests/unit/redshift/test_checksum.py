"""The checksum's SQL: each value as text in its own type, NULL marked, the row's MD5 as a 60-bit number."""

from __future__ import annotations

import sqlglot

from glue_elt.redshift.checksum import figures, row_hash, value_text
from glue_elt.redshift.types import parse_type


def test_values_become_text_in_their_own_type() -> None:
    assert value_text('"v"', parse_type("integer")) == 'CAST("v" AS VARCHAR(65535))'
    assert value_text('"s"', parse_type("super")) == 'JSON_SERIALIZE("s")'
    assert value_text('"b"', parse_type("varbyte(10)")) == """FROM_VARBYTE("b", 'hex')"""


def test_the_row_hash_and_the_figures_parse_as_redshift() -> None:
    values = [('"a"', parse_type("integer")), ('"b"', parse_type("character varying(10)"))]
    hashed = row_hash(values)
    assert hashed.startswith("STRTOL(SUBSTRING(MD5(COALESCE(MD5(") and hashed.endswith(", 1, 15), 16)")
    assert hashed.count("'N'") == 2
    sql = figures(values, '"s"."t" WHERE (a > 1)')
    assert sql.startswith("SELECT COUNT(*) AS n, COALESCE(SUM(CAST(STRTOL(") and "AS DECIMAL(38,0))), 0) AS s" in sql
    assert sqlglot.parse_one(sql, read="redshift") is not None
