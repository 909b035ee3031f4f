"""``--verify content``: in the row's transaction, the rows the load wrote against the source rows it read, by count
and checksum (``glue_elt.redshift.checksum``), both computed by the cluster.

The source side is the insert's own SELECT (its table, or the copy of a filtered source, and its condition), each
loaded column cast to its target column's type as the INSERT casts it, read before the insert (an incremental's
watermark condition reads the target's maximum as it was). The written side, by load type:

- ``overwrite``: the whole target after the load;
- ``append`` and ``incremental``: the target's figures after the insert less its figures before (the target is
  locked, so nothing else changed it; a sum of hashes is exact under subtraction);
- ``upsert``: the target rows whose merge keys occur in the source's keys, after the load.

A chunk of a chunked row reads only its range of the written side too (before, written and examples), on the target
column its chunk column is loaded into, when that is exact (``content_scope``, which says why); else the written side
is read as above.

Only the loaded columns are compared (a target column the load leaves to its default is not). After a mismatch, one
bounded query finds up to ``EXAMPLES`` source rows whose hash is not among the written rows' (and, where the written
side is the whole table, the reverse), shown by their merge keys or first loaded columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from glue_elt.errors import LoadCheckError
from glue_elt.redshift import checksum
from glue_elt.redshift.executor import Row, Session
from glue_elt.redshift.names import Identifier, TableName, display_identifier, quote_identifier, quote_literal
from glue_elt.redshift.types import ColumnType
from glue_elt.steps.redshift_cross_account_migration.chunks import value_text
from glue_elt.steps.redshift_cross_account_migration.content_scope import ChunkRange, written_condition
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationPlan
from glue_elt.steps.redshift_cross_account_migration.watermark import Watermark, with_condition

EXAMPLES = 5
"""Differing rows an error shows at most."""
WRITTEN = quote_identifier("glue_elt_written")
KEYS = quote_identifier("glue_elt_keys")
SHOWN = 3
"""Loaded columns that identify an example row when the row has no merge keys."""


@dataclass(frozen=True)
class ContentCheck:
    """The queries of a row's content check: each of ``expected``, ``before`` (append, incremental) and ``written``
    returns one row (count, checksum; an incremental's ``before`` its target's newest watermark third);
    ``examples(...)`` returns up to ``EXAMPLES`` rows (a side, then ``shown``'s values)."""

    expected: str
    written: str
    before: str | None
    shown: tuple[str, ...]
    examples_given: Callable[[str], str]
    """``examples``'s query for a given newest watermark (ignored by loads other than incremental)."""
    newest_type: str | None = None
    """An incremental's: the SQL type of the target's watermark column, whose newest value ``before`` reads."""

    def examples(self, newest: str = "NULL") -> str:
        """The bounded query of up to ``EXAMPLES`` differing rows. An incremental's source side is the rows above
        the target's newest watermark as it was before the insert (which raised it): ``newest``, as a SQL expression
        (``newest_literal`` of ``before``'s row, or where a batch kept it)."""
        return self.examples_given(newest)

    def newest_literal(self, before: Row) -> str:
        """The target's newest watermark that ``before``'s row holds (third), as a literal of its type."""
        value = before[2] if len(before) > 2 else None
        text = "NULL" if value is None else quote_literal(value_text(value))
        return f"CAST({text} AS {self.newest_type or 'VARCHAR(1)'})"

    def mismatch(self, expected: Sequence[object], written: Sequence[object]) -> str | None:
        """The problem when the written figures (already less ``before``) differ from the expected, else ``None``."""
        (count, total), (rows, checked) = (_figures(expected), _figures(written))
        if (count, total) == (rows, checked):
            return None
        what = "rows" if count != rows else "content (same number of rows)"
        return (f"the rows written differ from the source rows read in {what}: source {count:,} row(s), checksum "
                f"{total}; written {rows:,} row(s), checksum {checked}")  # fmt: skip

    def check(self, session: Session, read: Row, before: Row | None) -> None:
        """In the load's transaction, after the load: ``LoadCheckError`` (it rolls back) when the rows written differ
        from the source rows ``read`` (``expected``'s figures; ``before``: the target's before the insert), naming up
        to ``EXAMPLES`` differing rows found by one bounded query."""
        written = _figures(session.query(self.written)[0])
        if before is not None:
            was = _figures(before)
            written = (written[0] - was[0], written[1] - was[1])
        problem = self.mismatch(read, written)
        if problem is not None:
            examples = self.examples(self.newest_literal(before)) if before and self.newest_type else self.examples()
            raise LoadCheckError(f"{problem}; {self.describe(session.query(examples))}; rolled back")

    def describe(self, found: Sequence[Sequence[object]]) -> str:
        """The example rows of ``examples``, for the error."""
        if not found:
            return "no single row differs: some rows were written more or fewer times than they were read"
        shown = []
        for side, *values in found:
            pairs = ", ".join(f"{name}={value}" for name, value in zip(self.shown, values))
            shown.append(f"{'source row' if side == 's' else 'written row'} ({pairs})")
        return "e.g. " + "; ".join(shown) + " not found on the other side"


def _figures(found: Sequence[object]) -> tuple[int, int]:
    """(count, checksum) of a figures row, its first two values (the checksum is a DECIMAL(38,0): ``Decimal`` or
    text)."""
    count, total = found[0], found[1]
    return int(str(count)), int(str(total if total is not None else 0).split(".")[0])


def content_check(
    plan: MigrationPlan,
    source: TableName,
    condition: str | None,
    columns: Sequence[Identifier],
    target_columns: Sequence[Identifier],
    types: Mapping[Identifier, ColumnType],
    scope: ChunkRange | None = None,
    watermark: Watermark | None = None,
) -> ContentCheck:
    """The check of a row whose insert reads ``columns`` of ``source`` where ``condition`` into ``target_columns``
    (``types``: each target column's type); a chunk's (``scope``: its range on the source) reads only that range of
    the written side when that is exact (``content_scope``); an incremental's ``watermark`` (its part of
    ``condition``) is read as it was before the insert by the examples' query."""
    where = f" WHERE ({condition})" if condition else ""
    read, wrote = compared_values(columns, target_columns, types)
    expected = checksum.figures(read, f"{source.sql()}{where}")
    target = f"{plan.target.sql()} AS {WRITTEN}"
    renamed = dict(zip(columns, target_columns))
    if plan.load_type is LoadType.UPSERT:
        keys = ", ".join(key.sql() for key in plan.merge_keys)
        on = " AND ".join(f"{WRITTEN}.{renamed.get(k, k).sql()} = {KEYS}.{k.sql()}" for k in plan.merge_keys)
        target = f"{target} JOIN (SELECT DISTINCT {keys} FROM {source.sql()}{where}) AS {KEYS} ON {on}"
    ranged = written_condition(scope, columns, target_columns, types, WRITTEN)
    if ranged is not None:
        target = f"{target} WHERE {ranged}"
    written = checksum.figures(wrote, target)
    newest_type, newest_read = None, []
    if plan.load_type is LoadType.INCREMENTAL and watermark is not None and watermark.target_column in types:
        newest_type = _sql_type(types[watermark.target_column])
        newest_read = [f"MAX({WRITTEN}.{watermark.target_column.sql()}) AS m"]  # the target's newest, third
    before = None
    if plan.load_type in (LoadType.APPEND, LoadType.INCREMENTAL):
        before = checksum.figures(wrote, target, also=newest_read)
    shown_source = list(plan.merge_keys) or list(columns[:SHOWN])
    shown_target = [renamed.get(c, c) for c in shown_source]
    target_rows = (f"SELECT 'w', {', '.join(f'{WRITTEN}.{c.sql()}' for c in shown_target)}, "
                   f"{checksum.row_hash(wrote)} AS h FROM {target}")  # fmt: skip

    def examples(newest: str) -> str:
        read_where = where
        if newest_type is not None and watermark is not None:  # the rows the insert read, not those above it now
            read_where = f" WHERE ({with_condition(plan.filter_sql, watermark.newer_than(newest))})"
        source_rows = (f"SELECT 's', {', '.join(c.sql() for c in shown_source)}, {checksum.row_hash(read)} AS h "
                       f"FROM {source.sql()}{read_where}")  # fmt: skip
        missing = f"SELECT * FROM ({source_rows}) AS s WHERE s.h NOT IN (SELECT h FROM ({target_rows}) AS w)"
        found = missing
        if before is None:  # the written side is exactly the load's rows: a written row may be missing from the source
            extra = f"SELECT * FROM ({target_rows}) AS w WHERE w.h NOT IN (SELECT h FROM ({source_rows}) AS s)"
            found = f"({missing}) UNION ALL ({extra})"
        return f"SELECT * FROM ({found}) AS {quote_identifier('glue_elt_examples')} LIMIT {EXAMPLES}"

    names = tuple(display_identifier(c.name) for c in shown_source)
    return ContentCheck(expected, written, before, names, examples, newest_type)


Values = list[tuple[str, ColumnType]]
"""A side's values for ``checksum``: (expression, type) in column order."""


def compared_values(
    columns: Sequence[Identifier], target_columns: Sequence[Identifier], types: Mapping[Identifier, ColumnType]
) -> tuple[Values, Values]:
    """What is hashed on each side: the source's ``columns`` cast to their target columns' types (as the INSERT
    casts them), and the target's ``target_columns`` of the table aliased ``WRITTEN``."""
    read = [(source_value(c, types[t]), types[t]) for c, t in zip(columns, target_columns)]
    return read, [(f"{WRITTEN}.{t.sql()}", types[t]) for t in target_columns]


def source_value(column: Identifier, target_type: ColumnType) -> str:
    """A source column's value as the INSERT writes it into a column of ``target_type``."""
    return f"CAST({column.sql()} AS {_sql_type(target_type)})"


def _sql_type(column_type: ColumnType) -> str:
    return column_type.sql() or column_type.text
