"""The stand-in's ``STRTOL`` and ``FROM_VARBYTE`` answer as Redshift documents them, and the checksum's row hash is
what Python computes from the same definition (``glue_elt.redshift.checksum``)."""

from __future__ import annotations

import hashlib

import pytest

from glue_elt.redshift.checksum import figures, row_hash
from glue_elt.redshift.types import parse_type
from tests.conftest import Db

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("call", "answer"),
    [  # the examples of dg/r_STRTOL.html
        ("STRTOL('0xf', 16)", 15),
        ("STRTOL('abcd1234', 16)", 2882343476),
        ("STRTOL('1234567', 10)", 1234567),
        ("STRTOL('1234567', 8)", 342391),
        ("STRTOL('110101', 2)", 53),
        ("STRTOL('', 10)", 0),
        ("STRTOL('  -ff', 16)", -255),
        ("STRTOL(NULL, 16)", None),
        ("FROM_VARBYTE('AB'::bytea, 'hex')", "4142"),
    ],
)
def test_the_stand_in_answers_as_redshift_documents(db: Db, call: str, answer: object) -> None:
    assert db.rows(f"SELECT {call}") == [(answer,)]


def test_the_row_hash_and_figures_are_the_documented_definition(db: Db, schemas: tuple[str, str]) -> None:
    text, number = parse_type("character varying(10)"), parse_type("integer")
    values = [("v", text), ("n", number)]
    rows = [("a", 1), (None, 2), ("", None)]
    table = f"{schemas[0]}.checksum_rows"
    db.admin(
        f"CREATE TABLE {table} (v varchar(10), n int)", f"INSERT INTO {table} VALUES ('a', 1), (NULL, 2), ('', NULL)"
    )

    def expected(v: str | None, n: int | None) -> int:
        parts = "".join(
            "N" if x is None else hashlib.md5(str(x).encode(), usedforsecurity=False).hexdigest() for x in (v, n)
        )
        return int(hashlib.md5(parts.encode(), usedforsecurity=False).hexdigest()[:15], 16)

    hashes = db.rows(f"SELECT {row_hash(values)} FROM {table} ORDER BY n NULLS LAST")
    assert hashes == [(expected(v, n),) for v, n in rows]
    assert db.rows(figures(values, table)) == [(3, sum(expected(v, n) for v, n in rows))]
