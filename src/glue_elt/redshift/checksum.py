"""An order-independent checksum of a set of rows, computed by Redshift itself: the SQL of ``COUNT(*)`` and a sum of
per-row hashes, so that two sides (a source and a target on one cluster) are compared without a row leaving it.

The method is data-diff's and reladiff's (a count and a sum of row hashes per segment; erezsh/reladiff,
docs/technical-explanation.md), with Redshift's own functions:

- each value as text in its own type (``CAST(v AS VARCHAR(65535))``; ``JSON_SERIALIZE`` for SUPER,
  ``FROM_VARBYTE(v, 'hex')`` for VARBYTE), hashed with ``MD5`` (dg/r_MD5.html: 32 lower-case hex characters); a NULL
  becomes ``'N'``, which no MD5 is, so NULL and the empty string differ;
- the row: ``MD5`` of its values' hashes in column order, so a value moved to another column or row changes it;
- its first 15 hex characters as a number, ``STRTOL(..., 16)`` (dg/r_STRTOL.html: BIGINT), 60 bits;
- the sum over rows as ``DECIMAL(38,0)`` (a SUM of BIGINT would overflow; 2^60 times any table's row count stays
  below 10^38).

Both sides are texts of the same types made by the same engine in the same session, so formatting (trailing
spaces of CHAR, ``-0``, time zones of TIMESTAMPTZ) reads the same on both. Two different row sets give the same
figures only if their 60-bit hash sums collide. PostgreSQL has no ``STRTOL``: the stand-in has a function of that
name (``local_stack.redshift_views``).
"""

from __future__ import annotations

from collections.abc import Sequence

from glue_elt.redshift.types import ColumnType, Family

NULL_MARK = "'N'"
"""What a NULL value hashes as (not 32 hex characters, so unlike any value's MD5)."""
HASH_DIGITS = 15
"""Hex digits of the row's MD5 kept as its number (60 bits, within STRTOL's signed BIGINT)."""


def value_text(expression: str, column_type: ColumnType) -> str:
    """``expression`` (a value of ``column_type``) as text."""
    if column_type.family is Family.SUPER:
        return f"JSON_SERIALIZE({expression})"
    if column_type.family is Family.VARBYTE:
        return f"FROM_VARBYTE({expression}, 'hex')"
    return f"CAST({expression} AS VARCHAR(65535))"


def row_hash(values: Sequence[tuple[str, ColumnType]]) -> str:
    """The row's 60-bit hash (a BIGINT expression) over ``values``: (expression, type) in column order."""
    parts = " || ".join(f"COALESCE(MD5({value_text(expression, kind)}), {NULL_MARK})" for expression, kind in values)
    return f"STRTOL(SUBSTRING(MD5({parts}), 1, {HASH_DIGITS}), 16)"


def figures(
    values: Sequence[tuple[str, ColumnType]], source: str, *, group: str | None = None, also: Sequence[str] = ()
) -> str:
    """``SELECT COUNT(*) AS n, <sum of row hashes> AS s`` over ``source`` (a FROM clause's text, with its WHERE if
    any); the sum is 0 for no rows. With ``group`` (an expression), one row per value of it, the value first as
    ``g`` (``GROUP BY 1``: a select list's position, dg/r_GROUP_BY_clause.html); ``also``: more aggregates (each
    with its alias), after the sum."""
    total = f"COALESCE(SUM(CAST({row_hash(values)} AS DECIMAL(38,0))), 0)"
    head = f"{group} AS g, " if group is not None else ""
    more = "".join(f", {expression}" for expression in also)
    sql = f"SELECT {head}COUNT(*) AS n, {total} AS s{more} FROM {source}"
    return f"{sql} GROUP BY 1" if group is not None else sql
