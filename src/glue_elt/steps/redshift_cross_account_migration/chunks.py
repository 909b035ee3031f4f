"""A chunk plan: the ranges of one column in which a big table is loaded, each range its own transaction.

Pure functions: what the plan is made of, how it is written down and read back, and the SQL of each range.

The ranges come from the column's distribution, not from its MIN and MAX, so a skewed column does not make one giant
chunk: ``k - 1`` cut points at the percentiles ``1/k, 2/k, ...`` of the filtered source, read in one query with
Redshift's ``APPROXIMATE PERCENTILE_DISC`` (dg/r_APPROXIMATE_PERCENTILE_DISC.html: numbers, dates and timestamps,
NULLs ignored, about 0.5 % relative error; the stand-in computes the exact percentile). Cut points that coincide are
kept once: one value's rows cannot be split, so a value that holds many rows makes one bigger chunk.

Chunk 1 holds the column's NULLs; chunk 2 everything up to the first cut point, the last chunk everything above the
last: together they cover every value, whatever the source holds when each chunk runs, so a plan that is out of date
costs only evenness, never a row. Each cut point is written as the text of the value the server returned and read
back as ``CAST('<text>' AS <column type>)``: a boundary means the same to every chunk that uses it, and the plan is
kept (``chunk_store``) so that a re-run of the run id resumes on the same ranges.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from glue_elt.errors import ValidationError
from glue_elt.redshift.data_api.wire import MAX_STATEMENT_BYTES
from glue_elt.redshift.names import Identifier, TableName, quote_literal
from glue_elt.redshift.types import ColumnType, Family

MAX_CHUNKS = 1000
"""Most chunks one table is cut into (the percentile query has one column per cut point; Redshift allows 1,600)."""
CHUNKABLE = frozenset({Family.INTEGER, Family.DECIMAL, Family.FLOAT, Family.DATE, Family.TIMESTAMP})
"""Types whose values ``APPROXIMATE PERCENTILE_DISC`` orders: numbers, dates and timestamps."""


def check_chunkable(column: str, column_type: ColumnType) -> None:
    """``ValidationError`` unless ``column``'s type can be cut into ranges (before any write)."""
    if column_type.family not in CHUNKABLE or column_type.sql() is None:
        raise ValidationError(
            f"chunk column {column} is {column_type.text}: chunked loads need a number, a DATE or a TIMESTAMP column "
            "(APPROXIMATE PERCENTILE_DISC orders only those); name another chunk_column or leave --chunk_rows off"
        )


def chunk_count(rows: int, chunk_rows: int) -> int:
    """How many ranges ``rows`` rows are cut into for about ``chunk_rows`` each (at most ``MAX_CHUNKS``)."""
    return max(1, min(MAX_CHUNKS, math.ceil(rows / chunk_rows)))


def count_sql(source: TableName, filter_sql: str | None) -> str:
    """The estimate: ``COUNT(*)`` of the filtered source (Redshift reads only the filter's columns)."""
    sql = f"SELECT COUNT(*) FROM {source.sql()}"
    return f"{sql} WHERE ({filter_sql})" if filter_sql else sql


def percentile_sql(source: TableName, filter_sql: str | None, column: Identifier, chunks: int) -> str:
    """One query: the column's NULL count, then its ``chunks - 1`` cut points (percentiles ``i / chunks``)."""
    cuts = ", ".join(
        f"APPROXIMATE PERCENTILE_DISC({i / chunks!r}) WITHIN GROUP (ORDER BY {column.sql()})" for i in range(1, chunks)
    )
    sql = f"SELECT COUNT(*) - COUNT({column.sql()}), {cuts} FROM {source.sql()}"
    return f"{sql} WHERE ({filter_sql})" if filter_sql else sql


TAG_ROOM = 4096
"""Bytes left for the statement's tag (``glue_elt.redshift.tags``), which the executor adds when it sends it."""


def fitting_percentile_sql(source: TableName, filter_sql: str | None, column: Identifier, chunks: int) -> str:
    """``percentile_sql`` for ``chunks`` chunks, or for fewer when its text would be over the Data API's statement
    size (``MAX_STATEMENT_BYTES``: a long column name and a long filter leave room for fewer cut points)."""
    while True:
        sql = percentile_sql(source, filter_sql, column, chunks)
        if chunks <= 2 or len(sql.encode("utf-8")) <= MAX_STATEMENT_BYTES - TAG_ROOM:
            return sql
        chunks = chunks * 9 // 10


def value_text(value: object) -> str:
    """A value the server returned (through either executor), as text its type reads back exactly."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    return str(value)


@dataclass(frozen=True)
class Chunk:
    """One range of a plan: number (1-based), the NULL chunk or the values above ``lower`` (exclusive) up to
    ``upper`` (inclusive), ``None`` meaning unbounded; ``estimated_rows`` when the plan says."""

    number: int
    lower: str | None
    upper: str | None
    nulls: bool = False
    estimated_rows: int | None = None

    def condition(self, column: Identifier, column_type: str) -> str:
        """The range as a condition on ``column`` of SQL type ``column_type``."""
        return self.condition_on(column.sql(), column_type)

    def condition_on(self, expression: str, column_type: str) -> str:
        """The range as a condition on ``expression`` (a column's SQL, qualified or not), its bounds cast to
        ``column_type``: the same bounds on another table's column of the same type (``content_scope``)."""
        lower = None if self.lower is None else f"CAST({quote_literal(self.lower)} AS {column_type})"
        upper = None if self.upper is None else f"CAST({quote_literal(self.upper)} AS {column_type})"
        return range_condition(expression, lower, upper, nulls=self.nulls)

    def describe(self, column: str) -> str:
        """The range for a log line or the dry run (``id > 100 and <= 200``)."""
        if self.nulls:
            return f"{column} IS NULL"
        if self.lower is None and self.upper is None:
            return f"{column} IS NOT NULL"
        lower = f"> {self.lower}" if self.lower is not None else ""
        upper = f"<= {self.upper}" if self.upper is not None else ""
        return f"{column} {' and '.join(p for p in (lower, upper) if p)}"


@dataclass(frozen=True)
class ChunkPlan:
    """How one row is loaded in chunks: the column and its SQL type, the cut points (text, ascending), the rows the
    estimate counted, the NULLs it saw, and (incremental) the target's watermark the plan fixed (``None``: the target
    was empty, or the row is not incremental)."""

    column: Identifier
    column_type: str
    cuts: tuple[str, ...]
    estimated_rows: int
    nulls: int = 0
    watermark: str | None = None

    @property
    def chunks(self) -> tuple[Chunk, ...]:
        """The ranges in load order: the NULLs, then ascending ranges that together cover every value."""
        ranged = len(self.cuts) + 1
        each = max(0, self.estimated_rows - self.nulls) // ranged
        bounds: list[str | None] = [None, *self.cuts, None]
        found = [Chunk(1, None, None, nulls=True, estimated_rows=self.nulls)]
        for index in range(ranged):
            found.append(Chunk(index + 2, bounds[index], bounds[index + 1], estimated_rows=each))
        return tuple(found)

    def document(self) -> str:
        """The plan as the plan table keeps it (JSON text)."""
        return json.dumps(
            {"column": self.column.name, "type": self.column_type, "cuts": list(self.cuts),
             "estimated_rows": self.estimated_rows, "nulls": self.nulls, "watermark": self.watermark},
            separators=(",", ":"),
        )  # fmt: skip

    @classmethod
    def read(cls, text: str) -> ChunkPlan:
        """A plan that ``document`` wrote."""
        found = json.loads(text)
        return cls(Identifier(found["column"]), found["type"], tuple(found["cuts"]), int(found["estimated_rows"]),
                   int(found.get("nulls", 0)), found.get("watermark"))  # fmt: skip


def range_condition(expression: str, lower: str | None, upper: str | None, *, nulls: bool = False) -> str:
    """``expression``'s NULLs, or its values above ``lower`` up to ``upper`` (SQL literals; ``None``: unbounded): the
    one way a range is written, by chunks and by ``glue-elt verify``'s segments alike."""
    if nulls:
        return f"{expression} IS NULL"
    parts = [f"{expression} > {lower}"] if lower is not None else []
    parts += [f"{expression} <= {upper}"] if upper is not None else []
    return " AND ".join(parts) if parts else f"{expression} IS NOT NULL"


def plan_from(
    column: Identifier, column_type: str, estimated_rows: int, answer: Sequence[object], watermark: str | None = None
) -> ChunkPlan:
    """The plan from ``percentile_sql``'s answer (the NULL count, then the cut points): cut points that are NULL
    (no value at all) or repeat an earlier one are dropped."""
    nulls, *points = answer
    cuts: list[str] = []
    for point in points:
        if point is None:
            continue
        text = value_text(point)
        if not cuts or text != cuts[-1]:
            cuts.append(text)
    return ChunkPlan(column, column_type, tuple(cuts), estimated_rows, int(str(nulls or 0)), watermark)


def chunk_key(row_key: str, number: int) -> str:
    """The state table key of chunk ``number`` of the row ``row_key`` (64 hex characters, as a row's)."""
    return hashlib.sha256(f"{row_key}\0chunk\0{number}".encode()).hexdigest()
