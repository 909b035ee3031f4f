"""A chunk's range on the written side of ``--verify content``: the condition that restricts what the check reads of
the target (before and after an append's insert, the stage of a chunked overwrite, an upsert's target rows) to the
chunk's range, on the target column the chunk column is loaded into, when that restriction is exact.

Why: a chunk's source side is read under the chunk's range, but a written side read whole scans the whole target
for every chunk: on a table of n rows in k chunks, about n²/k rows over the load, and each check a statement that a
WLM rule may abort, which chunking exists to avoid (issue 29: no statement of a chunked load scans more than one
chunk). With the range, Redshift skips the target's blocks outside it by their zone maps, the smallest and largest
value of each 1 MB block, when the target is sorted by that column ("If a query uses a range-restricted predicate,
the query processor can use the min and max values to rapidly skip over large numbers of blocks during table
scans", dg/t_Sorting_data.html; dg/c_best-practices-sort-key.html). The column is compared as it is, never cast: a
function on a sort key column keeps its zone maps from being used (AWS Prescriptive Guidance,
query-best-practices-redshift/best-practices-tables.html).

Why it is exact, when the target column has the source column's type (the catalog's types, as the inspection read
them, compared: ``same_type``). The insert then writes each chunk column value as it read it, and the range is the
same set of values on both sides (the same bounds, cast to the same type), so every source row of the chunk lands
in the target's range unless the load altered its chunk column value:

- ``append``, ``incremental`` and a chunked ``overwrite`` (appended to its stage): the target is locked and the
  chunk's INSERT is the only write of its transaction, so the range's figures after less before are exactly those of
  the inserted rows that lie in the range. A row written as read is among them; a row altered within the range
  changes the checksum; a row whose chunk column was altered out of the range (into another chunk's range, or
  anywhere) is missing from them, so the count differs: a mismatch, as before. Rows of other chunks, and the rows the
  target held before the load, lie outside the range before and after alike: they are not read, and they could not
  have changed the difference.
- ``upsert``: the written rows are the target rows with the chunk's merge keys; the chunk column is a merge key
  (``chunk_choice``), so each of them lies in the range unless the load altered its key: then it is missing, and the
  count differs.
- the NULL chunk: ``IS NULL`` on both sides; a NULL written as a value is missing from the range.

What the restriction gives up: a change the load made to rows outside the chunk's range. On Redshift nothing else
writes the locked target within the load's transaction, and the load writes only the chunk's rows; only the
stand-in's triggers can.

When the types differ (a TIMESTAMP into a DATE, a DECIMAL into one of a smaller scale, even an INTEGER into a
BIGINT) the insert's cast may change values, and a value cast across a bound would fall outside the range on the
target and make a false mismatch: the written side is then read whole, as for a row loaded whole, and the chunked
load logs why once per row (``chunked``). So it is when the chunk column is not one of the loaded columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from glue_elt.redshift.names import Identifier, display_identifier
from glue_elt.redshift.types import ColumnType
from glue_elt.steps.redshift_cross_account_migration.chunks import Chunk


@dataclass(frozen=True)
class ChunkRange:
    """A chunk's range on the source's chunk column: the column, its type as the catalog shows it (``None``: not
    among the source's columns), the SQL type the chunk's bounds are cast to, and the chunk."""

    column: Identifier
    column_type: ColumnType | None
    sql_type: str
    chunk: Chunk


def same_type(source: ColumnType | None, target: ColumnType | None) -> bool:
    """Whether a value of ``source`` is written into ``target`` unchanged because the types are the same: the same
    type as DDL and the same catalog spelling (which also carries a precision the DDL form leaves out)."""
    if source is None or target is None or source.sql() is None:
        return False
    spelled = (" ".join(source.text.lower().split()), " ".join(target.text.lower().split()))
    return source.sql() == target.sql() and spelled[0] == spelled[1]


def written_column(
    scope: ChunkRange,
    columns: Sequence[Identifier],
    target_columns: Sequence[Identifier],
    types: Mapping[Identifier, ColumnType],
) -> Identifier | str:
    """The target column that carries the chunk's range exactly (``columns`` of the source are loaded into
    ``target_columns``, pairwise; ``types``: the target's), or why the written side must be read whole."""
    name = display_identifier(scope.column.name)
    target = dict(zip(columns, target_columns)).get(scope.column)
    if target is None:
        return f"the chunk column {name} is not one of the loaded columns"
    if not same_type(scope.column_type, types.get(target)):
        source_type = scope.column_type.text if scope.column_type is not None else "of unknown type"
        target_type = types[target].text if target in types else "of unknown type"
        return (
            f"the chunk column {name} is {source_type} but the target column {display_identifier(target.name)} is "
            f"{target_type}: the insert's cast could move a value across a chunk bound"
        )
    return target


def written_condition(
    scope: ChunkRange | None,
    columns: Sequence[Identifier],
    target_columns: Sequence[Identifier],
    types: Mapping[Identifier, ColumnType],
    alias: str,
) -> str | None:
    """The chunk's range on the written side's table ``alias``, or ``None``: no chunk, or it would not be exact
    (``written_column``); the written side is then read whole."""
    if scope is None:
        return None
    column = written_column(scope, columns, target_columns, types)
    if isinstance(column, str):
        return None
    return scope.chunk.condition_on(f"{alias}.{column.sql()}", scope.sql_type)
