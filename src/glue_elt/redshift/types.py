"""Column types as the catalog reports them, compared source against target before any write.

``SVV_REDSHIFT_COLUMNS.data_type`` spells a type the way ``format_type`` does (``character varying(100)``,
``numeric(12,2)``, ``timestamp without time zone``); ``parse_type`` reads that spelling (and the short forms
of DDL) into a ``ColumnType``, which can write itself back as DDL. The text from the catalog never reaches SQL
as it is: known types are written from their parsed parts, other types only when they are plain words with
numeric arguments.

``compare`` says whether every value of a source column fits a target column: Redshift counts ``CHAR`` and
``VARCHAR`` lengths in bytes (dg/r_Character_types.html), so a length is compared as a length, whatever the text;
and "a CHAR column can only contain single-byte characters" (same page), so ``VARCHAR`` or ``TEXT`` into ``CHAR``
may not fit whatever the lengths (a multibyte value fails the load); a ``DECIMAL`` needs as many integer digits and
as many fraction digits; integers and floats need as many bytes. Across families, numbers meet numbers (a decimal
into a float fits; a float into a decimal or an integer, or a decimal with fraction digits into an integer, may
not), and a date fits a timestamp; a timestamp with or without time zone fits the other (Redshift converts them on
assignment, dg/r_Type_conversion.html). Anything else (a number into text, a timestamp into a date, text into a
number) is another kind of value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from glue_elt.core.params import TextEnum


class Family(TextEnum):
    """A group of types whose values convert into each other by widening."""

    INTEGER = "integer"
    DECIMAL = "decimal"
    FLOAT = "float"
    BOOLEAN = "boolean"
    CHARACTER = "character"
    DATE = "date"
    TIMESTAMP = "timestamp"
    TIME = "time"
    SUPER = "super"
    VARBYTE = "varbyte"
    OTHER = "other"


_FIXED = {
    # catalog or DDL word: (family, canonical name, size in bytes)
    "smallint": (Family.INTEGER, "SMALLINT", 2),
    "int2": (Family.INTEGER, "SMALLINT", 2),
    "integer": (Family.INTEGER, "INTEGER", 4),
    "int": (Family.INTEGER, "INTEGER", 4),
    "int4": (Family.INTEGER, "INTEGER", 4),
    "bigint": (Family.INTEGER, "BIGINT", 8),
    "int8": (Family.INTEGER, "BIGINT", 8),
    "real": (Family.FLOAT, "REAL", 4),
    "float4": (Family.FLOAT, "REAL", 4),
    "double precision": (Family.FLOAT, "DOUBLE PRECISION", 8),
    "float8": (Family.FLOAT, "DOUBLE PRECISION", 8),
    "float": (Family.FLOAT, "DOUBLE PRECISION", 8),
    "boolean": (Family.BOOLEAN, "BOOLEAN", None),
    "bool": (Family.BOOLEAN, "BOOLEAN", None),
    "date": (Family.DATE, "DATE", None),
    "timestamp without time zone": (Family.TIMESTAMP, "TIMESTAMP", None),
    "timestamp": (Family.TIMESTAMP, "TIMESTAMP", None),
    "timestamp with time zone": (Family.TIMESTAMP, "TIMESTAMPTZ", None),
    "timestamptz": (Family.TIMESTAMP, "TIMESTAMPTZ", None),
    "time without time zone": (Family.TIME, "TIME", None),
    "time": (Family.TIME, "TIME", None),
    "time with time zone": (Family.TIME, "TIMETZ", None),
    "timetz": (Family.TIME, "TIMETZ", None),
    "super": (Family.SUPER, "SUPER", None),
}
_SIZED = {
    # word: (family, canonical name); the argument is a length (bytes) or a precision
    "character varying": (Family.CHARACTER, "VARCHAR"),
    "varchar": (Family.CHARACTER, "VARCHAR"),
    "nvarchar": (Family.CHARACTER, "VARCHAR"),
    "character": (Family.CHARACTER, "CHAR"),
    "char": (Family.CHARACTER, "CHAR"),
    "nchar": (Family.CHARACTER, "CHAR"),
    "bpchar": (Family.CHARACTER, "CHAR"),
    "text": (Family.CHARACTER, "TEXT"),
    "varbyte": (Family.VARBYTE, "VARBYTE"),
    "varbinary": (Family.VARBYTE, "VARBYTE"),
    "binary varying": (Family.VARBYTE, "VARBYTE"),
    "bytea": (Family.VARBYTE, "BYTEA"),
    "numeric": (Family.DECIMAL, "DECIMAL"),
    "decimal": (Family.DECIMAL, "DECIMAL"),
}
_SPELLING = re.compile(r"\s*([a-z][a-z0-9_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?(?:\s+([a-z][a-z ]*?))?\s*")
"""A type word, optional ``(n)`` or ``(p,s)``, and trailing words (``timestamp(6) without time zone``)."""
INTEGER_DIGITS = {2: 5, 4: 10, 8: 19}
"""Decimal digits a SMALLINT, INTEGER and BIGINT value may need."""


@dataclass(frozen=True)
class ColumnType:
    """A parsed column type: family, canonical name, size (bytes of an integer or float, length of a character
    or binary type, precision of a decimal; ``None`` when unbounded or not sized), scale, and the text read."""

    family: Family
    name: str
    size: int | None
    scale: int | None
    text: str

    @property
    def lacks_size(self) -> bool:
        """Whether a type that has a length or precision on Redshift came without one: declared as it is, Redshift
        would choose its default (``VARCHAR`` is ``VARCHAR(256)``, ``DECIMAL`` is ``DECIMAL(18,0)``,
        dg/r_Character_types.html, dg/r_Numeric_types201.html) and the values might not fit."""
        sized = self.family in (Family.DECIMAL, Family.VARBYTE) or self.name in ("VARCHAR", "CHAR")
        return sized and self.size is None

    def sql(self) -> str | None:
        """The type as DDL, or ``None`` when the text is not a type this module can write safely."""
        if self.lacks_size:
            return None
        if self.family is Family.OTHER:
            return self.name if _PLAIN.fullmatch(self.name) else None
        if self.family is Family.DECIMAL and self.size is not None:
            return f"DECIMAL({self.size},{self.scale or 0})"
        if self.family in (Family.CHARACTER, Family.VARBYTE) and self.size is not None:
            return f"{self.name}({self.size})"
        return self.name

    def __str__(self) -> str:
        return self.sql() or self.text


_PLAIN = re.compile(r"[A-Z][A-Z0-9_ ]*(\(\d+(,\d+)?\))?")


def parse_type(text: str) -> ColumnType:
    """``text`` (a catalog's ``data_type`` or a DDL type) as a ``ColumnType``; unknown spellings are ``OTHER``."""
    spelled = text.strip().lower()
    match = _SPELLING.fullmatch(spelled)
    if match is None:
        return ColumnType(Family.OTHER, spelled.upper(), None, None, text)
    word, first, second, tail = match.groups()
    size = int(first) if first is not None else None
    scale = int(second) if second is not None else None
    whole = f"{word} {tail}".strip() if tail else word
    if whole in _FIXED:  # a precision on a timestamp or time is not part of its family's width
        family, name, width = _FIXED[whole]
        return ColumnType(family, name, width, None, text)
    sized = whole if first is None else word if not tail else None
    if sized in _SIZED:
        family, name = _SIZED[sized]
        if family is Family.DECIMAL:
            return ColumnType(family, name, size, scale if size is not None else None, text)
        return ColumnType(family, name, size, None, text)
    shown = f"{word.upper()}({first}{',' + second if second else ''})" if first else word.upper()
    return ColumnType(Family.OTHER, f"{shown} {tail.upper()}" if tail else shown, None, None, text)


class Fit(Enum):
    """How the values of a source column fit a target column."""

    FITS = "fits"
    NARROWER = "narrower"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


def compare(source: ColumnType, target: ColumnType) -> Fit:
    """Whether every value of ``source`` fits ``target`` (``NARROWER``: some may not; ``MISMATCH``: another kind of
    value; ``UNKNOWN``: a type this module does not know, left to the server)."""
    if Family.OTHER in (source.family, target.family):
        return Fit.FITS if source.name == target.name else Fit.UNKNOWN
    if source.family is target.family:
        return _within_family(source, target)
    widening: dict[tuple[Family, Family], Callable[[], Fit]] = {
        (Family.INTEGER, Family.DECIMAL): lambda: _digits_fit(INTEGER_DIGITS[source.size or 8], 0, target),
        (Family.INTEGER, Family.FLOAT): lambda: Fit.FITS,
        (Family.DATE, Family.TIMESTAMP): lambda: Fit.FITS,
        (Family.DECIMAL, Family.FLOAT): lambda: Fit.FITS,
        (Family.DECIMAL, Family.INTEGER): lambda: _decimal_into_integer(source, target),
        (Family.FLOAT, Family.DECIMAL): lambda: Fit.NARROWER,
        (Family.FLOAT, Family.INTEGER): lambda: Fit.NARROWER,
    }
    rule = widening.get((source.family, target.family))
    return rule() if rule is not None else Fit.MISMATCH


def narrowing_reason(source: ColumnType, target: ColumnType) -> str:
    """Why values of ``source`` may not fit ``target`` (a ``NARROWER`` comparison), for a message."""
    if _multibyte_into_char(source, target):
        return "Redshift's CHAR holds single-byte characters only, so a multibyte value would fail the load"
    return "values may not fit"


def _multibyte_into_char(source: ColumnType, target: ColumnType) -> bool:
    """Whether text that may hold multibyte characters (``VARCHAR``, ``TEXT``) goes into a ``CHAR``."""
    return source.family is Family.CHARACTER and source.name != "CHAR" and target.name == "CHAR"


def _within_family(source: ColumnType, target: ColumnType) -> Fit:
    if source.family is Family.DECIMAL:
        if source.size is None:  # an unbounded NUMERIC (PostgreSQL only): fits only another one
            return Fit.FITS if target.size is None else Fit.NARROWER
        return _digits_fit(source.size - (source.scale or 0), source.scale or 0, target)
    if _multibyte_into_char(source, target):
        return Fit.NARROWER
    if target.size is None:  # unbounded, or a type without a width (DATE, TIMESTAMPTZ, ...)
        return Fit.FITS
    if source.size is None or source.size > target.size:
        return Fit.NARROWER
    return Fit.FITS


def _decimal_into_integer(source: ColumnType, target: ColumnType) -> Fit:
    """A decimal fits an integer when it has no fraction digits and few enough integer digits."""
    if source.size is None or source.scale:
        return Fit.NARROWER
    return Fit.FITS if source.size < INTEGER_DIGITS[target.size or 8] else Fit.NARROWER


def _digits_fit(integer_digits: int, scale: int, target: ColumnType) -> Fit:
    """Whether ``integer_digits`` before and ``scale`` after the point fit the decimal ``target``."""
    if target.size is None:
        return Fit.FITS
    target_scale = target.scale or 0
    fits = target.size - target_scale >= integer_digits and target_scale >= scale
    return Fit.FITS if fits else Fit.NARROWER
