"""Which column a big table is cut by, or why it loads whole: the rules of ``--chunk_rows``, in one place.

In order: the row's ``chunk_column`` (config file), which must exist in the source and be a number, a date or a
timestamp; an ``upsert`` cuts by a merge key (the row's ``chunk_column`` must be one: the same key in two chunks
would let the second chunk's DELETE remove what the first inserted), the first merge key when none is named; an
``incremental`` row by its watermark column; then schema mode's ``--chunk_column`` for the tables that have it;
then the source's leading sort key column where the catalog shows one (a range of it reads few blocks: Redshift
skips blocks by their zone maps, dg/c_best-practices-sort-key.html). A row with none of them loads whole, and the
log says why. ``overwrite`` rows load whole until their staging table exists (see the module ``staging``).
"""

from __future__ import annotations

from dataclasses import dataclass

from glue_elt.errors import ValidationError
from glue_elt.redshift.catalog import Column
from glue_elt.redshift.names import Identifier, display_identifier
from glue_elt.steps.redshift_cross_account_migration.chunks import check_chunkable
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationPlan


@dataclass(frozen=True)
class ChunkColumn:
    """The column a row is cut by: its name and its SQL type (for the boundaries' ``CAST``)."""

    name: Identifier
    sql_type: str


def choose(plan: MigrationPlan, source: tuple[Column, ...], preferred: str = "") -> ChunkColumn | str:
    """The row's chunk column, or why it loads whole (a sentence for the log); ``ValidationError`` when the row
    names a column that cannot be used (it fails before any write)."""
    by_name = {column.name: column for column in source}
    named = plan.chunk_column
    if plan.load_type is LoadType.UPSERT:
        keys = plan.merge_keys
        if named is not None and named not in keys:
            raise ValidationError(
                f"chunk_column {display_identifier(named.name)} is not a merge key: an upsert is cut by one of its"
                " merge keys, so that each key is in one chunk"
            )
        named = named or keys[0]
    elif plan.load_type is LoadType.INCREMENTAL and named is None:
        named = plan.watermark
    if named is not None:
        column = by_name.get(named.name)
        if column is None:
            raise ValidationError(f"chunk column {display_identifier(named.name)} is not a column of the source")
        return _checked(column)
    wanted = by_name.get(preferred) or by_name.get(preferred.lower())
    if preferred and wanted is not None:
        return _checked(wanted)
    leading = [column for column in source if column.sortkey == 1]
    if not leading:
        return "no chunk_column, and the catalog shows no sort key of the source"
    try:
        return _checked(leading[0])
    except ValidationError as error:
        return f"its leading sort key cannot be cut: {error}"


def _checked(column: Column) -> ChunkColumn:
    name = display_identifier(column.name)
    check_chunkable(name, column.type)
    return ChunkColumn(Identifier(column.name), column.type.sql() or column.data_type)
