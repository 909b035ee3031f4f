"""``CREATE TABLE`` and ``CREATE SCHEMA`` for targets that do not exist yet, from the source's catalog columns.

``CREATE TABLE AS`` would be shorter, but it loses IDENTITY, defaults and keys, and picks types from the query
(Redshift's CTAS usage notes, dg/r_CTAS_usage_notes.html); the table is declared instead, column by column from
``SVV_REDSHIFT_COLUMNS``: names and order, types with their lengths, precision and scale, and ``NOT NULL`` (only
where ``is_nullable`` says ``NO``: an empty answer is "no information", dg/r_SVV_REDSHIFT_COLUMNS.html).
Defaults are not copied (an expression of the producer's database may not exist here), nor IDENTITY (the load
copies the source's values as they are, which an IDENTITY column refuses).

Distribution and sort keys come from the catalog's ``distkey`` and ``sortkey`` columns when it shows them;
otherwise the table says nothing about them and Redshift chooses (``DISTSTYLE AUTO`` and ``SORTKEY AUTO`` are
its defaults for a table created without them, dg/r_CREATE_TABLE_NEW.html). ``sortkey`` is a column's place in the
sort key: all positive in a compound key, "alternately positive or negative" in an interleaved one, the absolute
value giving the place (dg/r_SVV_REDSHIFT_COLUMNS.html, dg/r_PG_TABLE_DEF.html); so one negative value makes the
key ``INTERLEAVED`` over every column that has a value, ordered by its absolute value. (A data share cannot hold a
table with an interleaved key, but a source in the connected database can.)

No ``IF NOT EXISTS``: the ``CREATE TABLE`` opens the row's load transaction, and Redshift takes the transaction's
snapshot at it (dg/c_serial_isolation.html). Only a table this statement creates is sure to hold nothing the
snapshot misses; one that another process created meanwhile may be locked and written by a third, so the statement
fails ("relation … already exists") and the row loads it as any existing target, opening with its ``LOCK``.
Every name goes through ``quote_identifier``; types are written from their parsed parts, never pasted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from glue_elt.errors import ValidationError
from glue_elt.redshift.catalog import Column
from glue_elt.redshift.names import TableName, display_identifier, quote_identifier

AUTO_KEYS = "distribution and sort keys: Redshift's AUTO (the catalog shows none for the source)"


@dataclass(frozen=True)
class CreateTable:
    """A target's ``CREATE TABLE`` and a line saying where its keys came from."""

    sql: str
    keys: str


def create_table(name: TableName, columns: Sequence[Column]) -> CreateTable:
    """``CREATE TABLE name (...)`` declaring ``columns``; ``ValidationError`` naming every column
    whose type cannot be written."""
    if not columns:
        raise ValidationError(f"cannot create {name.sql()}: no columns to declare")
    declared, unwritable = [], []
    for column in columns:
        type_sql = column.type.sql()
        if type_sql is None:
            why = ": the catalog shows no length or precision" if column.type.lacks_size else ""
            unwritable.append(f"{display_identifier(column.name)} ({column.data_type}{why})")
            continue
        null = " NOT NULL" if column.nullable is False else ""  # None: the catalog does not say; declare none
        declared.append(f"{quote_identifier(column.name)} {type_sql}{null}")
    if unwritable:
        raise ValidationError(
            f"cannot create the target: glue-elt cannot declare the type of column(s) {', '.join(unwritable)}; "
            "create the table yourself"
        )
    keys, clauses = _keys(columns)
    return CreateTable(f"CREATE TABLE {name.sql()} ({', '.join(declared)}){clauses}", keys)


def _keys(columns: Sequence[Column]) -> tuple[str, str]:
    """The keys' clauses and a line that says what they are."""
    distkey = [column for column in columns if column.distkey]
    sortkey = sorted((column for column in columns if column.sortkey), key=lambda column: abs(column.sortkey))
    style = "INTERLEAVED" if any(column.sortkey < 0 for column in sortkey) else "COMPOUND"
    clauses = []
    if distkey:
        clauses.append(f"DISTKEY({quote_identifier(distkey[0].name)})")
    if sortkey:
        clauses.append(f"{style} SORTKEY({', '.join(quote_identifier(column.name) for column in sortkey)})")
    if not clauses:
        return AUTO_KEYS, ""
    shown = " ".join(clauses)
    return f"distribution and sort keys from the source: {shown}", " " + shown


def create_schema(schema: str) -> str:
    """``CREATE SCHEMA IF NOT EXISTS schema`` (owned by the session's user)."""
    return f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(schema)}"
