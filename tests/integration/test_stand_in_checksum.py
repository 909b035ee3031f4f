"""The stand-in's ``STRTOL`` and ``FROM_VARBYTE`` answer as Redshift documents them, and the checksum's row hash is
what Python computes from the same definition (``glue_elt.redshift.checksum``)."""

from __future__ import annotations

import hashlib

import pytest
import redshift_connector

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
        # the page's other rules: white space, then one sign, then (base 16) 0x; the 64-bit range
        ("STRTOL(' \t+0XfF', 16)", 255),
        ("STRTOL('-0x8000000000000000', 16)", -(2**63)),
        ("STRTOL('   ', 8)", 0),
        ("STRTOL('-0777', 8)", -511),
        ("STRTOL('7fffffffffffffff', 16)", 2**63 - 1),
    ],
)
def test_the_stand_in_answers_as_redshift_documents(db: Db, call: str, answer: object) -> None:
    assert db.rows(f"SELECT {call}") == [(answer,)]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("STRTOL('12', 1)", "base 1 is not between 2 and 36"),
        ("STRTOL('zz', 36)", "the stand-in converts bases 2, 8, 10 and 16, not 36"),
        ("STRTOL('0x5', 10)", "invalid input syntax for type bigint"),  # 0x is base 16's alone
        ("STRTOL('12', 2)", "invalid input syntax for type bigint"),
        ("STRTOL('1_000', 10)", "invalid input syntax for type bigint"),  # PostgreSQL 16 reads _ between digits
        ("STRTOL('1#1', 10)", "invalid input syntax for type bigint"),  # the marker of the string's own
        ("STRTOL('+-1', 10)", "invalid input syntax for type bigint"),
        ("STRTOL('10000000000000000', 16)", "out of range for type bigint"),
    ],
)
def test_what_is_not_a_number_of_its_base_is_refused(db: Db, call: str, error: str) -> None:
    with pytest.raises(redshift_connector.ProgrammingError, match=error):
        db.rows(f"SELECT {call}")


def test_the_row_hash_runs_without_a_function_call_per_row(db: Db, schemas: tuple[str, str]) -> None:
    """PostgreSQL inlines the stand-in's STRTOL into the checksum's statement (its body names the string once), so
    the plan computes the expression itself instead of calling ``strtol`` per row, as Redshift's built-in does."""
    table = f"{schemas[0]}.inlined"  # four columns, as the bench's: the hash chain of two was cheap enough before
    db.admin(f"CREATE TABLE {table} (id int, customer_id int, amount numeric(12,2), note varchar(40))")
    columns = {"id": "integer", "customer_id": "integer", "amount": "numeric(12,2)", "note": "character varying(40)"}
    values = [(name, parse_type(kind)) for name, kind in columns.items()]
    plan = "\n".join(str(row[0]) for row in db.rows(f"EXPLAIN VERBOSE {figures(values, table)}"))
    assert "md5(" in plan and "strtol(" not in plan.lower() and "strtol_prefix" not in plan


def test_the_row_hash_and_figures_are_the_documented_definition(db: Db, schemas: tuple[str, str]) -> None:
    """A VARCHAR(10) written as its byte length and text, an INTEGER as its text and a comma, a VARCHAR(2000) as its
    MD5; NULL as N."""
    short, number, long = parse_type("character varying(10)"), parse_type("integer"), parse_type("varchar(2000)")
    values = [("v", short), ("n", number), ("w", long)]
    rows = [("a", 1, "x"), (None, 2, None), ("", None, ""), ("é", 4, "é")]
    table = f"{schemas[0]}.checksum_rows"
    db.admin(
        f"CREATE TABLE {table} (v varchar(10), n int, w varchar(2000))",
        f"INSERT INTO {table} VALUES ('a', 1, 'x'), (NULL, 2, NULL), ('', NULL, ''), ('é', 4, 'é')",
    )

    def expected(v: str | None, n: int | None, w: str | None) -> int:
        text = "N" if v is None else f"{len(v.encode())}:{v}"
        text += ("N" if n is None else str(n)) + ","
        text += "N" if w is None else hashlib.md5(w.encode(), usedforsecurity=False).hexdigest()
        return int(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:15], 16)

    hashes = db.rows(f"SELECT {row_hash(values)} FROM {table} ORDER BY n NULLS LAST")
    assert hashes == [(expected(*row),) for row in sorted(rows, key=lambda r: (r[1] is None, r[1] or 0))]
    assert db.rows(figures(values, table)) == [(4, sum(expected(*row) for row in rows))]


def test_rows_that_differ_only_in_where_a_value_ends_hash_apart(db: Db, schemas: tuple[str, str]) -> None:
    """('a','bc') and ('ab','c'), (NULL,'') and ('',NULL), a value 'N' and NULL, text that looks like a length
    prefix: every row's hash differs on the stand-in."""
    text = parse_type("character varying(10)")
    table = f"{schemas[0]}.ambiguous_rows"
    db.admin(
        f"CREATE TABLE {table} (k int, a varchar(10), b varchar(10))",
        f"INSERT INTO {table} VALUES (1, 'a', 'bc'), (2, 'ab', 'c'), (3, NULL, ''), (4, '', NULL), (5, 'N', NULL), "
        "(6, NULL, 'N'), (7, NULL, NULL), (8, '', ''), (9, '1:a', ''), (10, '', '1:a'), (11, '3:abc', 'x'), "
        "(12, '3', 'abcx')",
    )
    hashes = db.rows(f"SELECT {row_hash([('a', text), ('b', text)])} FROM {table}")
    assert len(hashes) == 12 and len(set(hashes)) == 12


def test_a_boolean_is_written_true_or_false_without_a_cast(db: Db, schemas: tuple[str, str]) -> None:
    """Redshift does not cast a BOOLEAN to VARCHAR: the row text spells it by a CASE (NULL stays NULL, written N)."""
    table = f"{schemas[0]}.boolean_rows"
    db.admin(f"CREATE TABLE {table} (k int, b boolean)", f"INSERT INTO {table} VALUES (1, true), (2, false), (3, NULL)")
    values = [("k", parse_type("integer")), ("b", parse_type("boolean"))]

    def expected(text: str) -> int:
        return int(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:15], 16)

    hashes = db.rows(f"SELECT {row_hash(values)} FROM {table} ORDER BY k")
    assert hashes == [(expected("1,true,"),), (expected("2,false,"),), (expected("3,N,"),)]
