"""An order-independent checksum of a set of rows, computed by Redshift itself: the SQL of ``COUNT(*)`` and a sum of
per-row hashes, so that two sides (a source and a target on one cluster) are compared without a row leaving it.

The method is data-diff's and reladiff's (a count and a sum of row hashes per segment; erezsh/reladiff,
docs/technical-explanation.md), with Redshift's own functions:

- each value as text in its own type: ``CAST(v AS VARCHAR(65535))``; ``JSON_SERIALIZE`` for SUPER,
  ``FROM_VARBYTE(v, 'hex')`` for VARBYTE, and ``'true'``/``'false'`` by a CASE for BOOLEAN, which Redshift refuses
  to cast to VARCHAR ("cannot cast type boolean to character varying": datafold/data-diff#280,
  dbt-labs/dbt-utils#1016);
- each value's part of the row's text, by the column's type (``encodings``): **delimited**, its text then ``,``
  (NULL: ``N,``), for numbers, dates, times, timestamps and booleans, whose texts hold no comma and are never ``N``;
  **prefixed**, its byte length, ``:`` and its text (``OCTET_LENGTH``, bytes, trailing spaces of a VARCHAR counted:
  dg/r_OCTET_LENGTH.html; NULL: ``N``), for a CHAR or VARCHAR of at most ``INLINE_TEXT`` bytes; **hashed**, its
  ``MD5`` (dg/r_MD5.html: 32 lower-case hex characters; NULL: ``N``) for anything else (SUPER, VARBYTE, longer or
  unsized text, unknown types). If the longest row text could exceed 65,535 bytes, Redshift's longest VARCHAR
  (dg/r_Character_types.html; a longer concatenation fails: "CONCAT() result too long for type varchar(65535)",
  airbytehq/airbyte#16412), every value is hashed (at most 1,600 columns x 32 bytes);
- the row: ``MD5`` of its parts in column order (``||`` gives NULL if either side is NULL, dg/r_concat_op.html,
  hence every part is a ``COALESCE``);
- its first 15 hex characters as a number, ``STRTOL(..., 16)`` (dg/r_STRTOL.html: BIGINT), 60 bits;
- the sum over rows as ``DECIMAL(38,0)`` (a SUM of BIGINT would overflow; 2^60 times any table's row count stays
  below 10^38).

Why one MD5 per row (when nothing is hashed) is as good as one per value: the row's text is **uniquely decodable**
given the column types, so two different rows have different texts and collide only if MD5 does. Read column by
column, knowing each one's encoding: a delimited part runs to the next comma (its text holds none), and is NULL
exactly when it reads ``N`` (no number, date, time, timestamp or boolean is written ``N``); a prefixed or hashed
part is NULL exactly when it starts with ``N`` (a length starts with a digit, an MD5 with a lower-case hex digit),
else a prefixed part is the digits up to the first ``:`` (a length) and then exactly that many bytes, and a hashed
part is 32 characters. So NULL and ``''`` differ (``N`` against ``0:``), ``('a','bc')`` and ``('ab','c')`` differ
(``1:a2:bc`` against ``2:ab1:c``), and a value ``N`` is ``1:N``. Both sides choose the same encodings, as the choice
depends on the target's column types alone (the source's values are cast to them first, as the INSERT casts them),
and their texts are made by one engine in one session, so formatting (trailing spaces of CHAR, which a cast to
VARCHAR drops, ``-0``, time zones of TIMESTAMPTZ) reads the same on both. Two different row sets give the same figures
only if their 60-bit hash sums collide. PostgreSQL has no ``STRTOL``: the stand-in has a function of that name
(``local_stack.redshift_functions``).

One MD5 per row instead of one per value plus one: on the stand-in, one side's figures over the bench's 1M rows of
four columns fell from about 1.5 s to about 1.0 s (``docs/benchmark.md``). The length prefix costs a second cast of
the value, which is why the short, comma-free types are delimited instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from glue_elt.redshift.types import ColumnType, Family

NULL_MARK = "'N'"
"""What a NULL value is written as (not 32 hex characters and not a length, so unlike any value's encoding)."""
HASH_DIGITS = 15
"""Hex digits of the row's MD5 kept as its number (60 bits, within STRTOL's signed BIGINT)."""
VARCHAR_MAX = 65535
"""Redshift's longest VARCHAR in bytes (dg/r_Character_types.html), and so the longest row text."""
SHORT_TEXT = 64
"""Bytes that bound the text of a number, date, time, timestamp or boolean (the longest, a DECIMAL(38,s) or a
TIMESTAMPTZ, is under 45)."""
INLINE_TEXT = 1024
"""A CHAR or VARCHAR column at most this many bytes long is written as its length and its text, not its MD5."""
SEPARATOR = "','"
"""What ends a delimited value: no text of a delimited type holds a comma."""
_DELIMITED = (Family.INTEGER, Family.DECIMAL, Family.FLOAT, Family.BOOLEAN, Family.DATE, Family.TIMESTAMP, Family.TIME)


class Encoding(Enum):
    """How a value is written into its row's text."""

    DELIMITED = "delimited"
    """Its text and a comma; NULL is ``N,``."""
    PREFIXED = "prefixed"
    """Its byte length, a colon and its text; NULL is ``N``."""
    HASHED = "hashed"
    """The MD5 of its text (32 hex characters); NULL is ``N``."""


def value_text(expression: str, column_type: ColumnType) -> str:
    """``expression`` (a value of ``column_type``) as text."""
    if column_type.family is Family.SUPER:
        return f"JSON_SERIALIZE({expression})"
    if column_type.family is Family.VARBYTE:
        return f"FROM_VARBYTE({expression}, 'hex')"
    if column_type.family is Family.BOOLEAN:  # Redshift refuses to cast a BOOLEAN to VARCHAR
        return f"CASE WHEN {expression} THEN 'true' WHEN NOT {expression} THEN 'false' END"
    return f"CAST({expression} AS VARCHAR({VARCHAR_MAX}))"


def encodings(types: Sequence[ColumnType]) -> list[Encoding]:
    """Each column's encoding, chosen from the column types alone: a number, date, time, timestamp or boolean
    delimited, a CHAR or VARCHAR of at most ``INLINE_TEXT`` bytes prefixed, anything else (SUPER, VARBYTE, longer or
    unsized text, unknown types) hashed; every column hashed when the longest row text would exceed
    ``VARCHAR_MAX``."""
    chosen = [_encoding(column_type) for column_type in types]
    if sum(_longest(encoding, column_type) for encoding, column_type in zip(chosen, types)) > VARCHAR_MAX:
        return [Encoding.HASHED] * len(chosen)
    return chosen


def _encoding(column_type: ColumnType) -> Encoding:
    if column_type.family in _DELIMITED and (column_type.family is not Family.DECIMAL or column_type.size):
        return Encoding.DELIMITED
    if column_type.name in ("CHAR", "VARCHAR") and column_type.size is not None and column_type.size <= INLINE_TEXT:
        return Encoding.PREFIXED
    return Encoding.HASHED


def _longest(encoding: Encoding, column_type: ColumnType) -> int:
    """The most bytes the column's part of the row text can take."""
    if encoding is Encoding.DELIMITED:
        return SHORT_TEXT + 1
    if encoding is Encoding.PREFIXED:
        return len(str(column_type.size)) + 1 + (column_type.size or 0)
    return 32


def encoded(expression: str, column_type: ColumnType, encoding: Encoding) -> str:
    """``expression``'s part of its row's text, never NULL."""
    text = value_text(expression, column_type)
    if encoding is Encoding.DELIMITED:
        return f"COALESCE({text}, {NULL_MARK}) || {SEPARATOR}"
    if encoding is Encoding.PREFIXED:
        return f"COALESCE(CAST(OCTET_LENGTH({text}) AS VARCHAR(10)) || ':' || {text}, {NULL_MARK})"
    return f"COALESCE(MD5({text}), {NULL_MARK})"


def row_hash(values: Sequence[tuple[str, ColumnType]]) -> str:
    """The row's 60-bit hash (a BIGINT expression) over ``values``: (expression, type) in column order."""
    chosen = encodings([kind for _, kind in values])
    parts = " || ".join(encoded(expression, kind, how) for (expression, kind), how in zip(values, chosen))
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
