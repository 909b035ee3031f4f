"""Pure functions that build the migration's SQL from a validated plan.

Every load transaction opens with ``LOCK target``: Redshift takes a transaction's snapshot at its first SELECT,
DML or listed DDL statement, and LOCK is not one of them (dg/c_serial_isolation.html), so the statements after
the lock see every load of the target that committed before it was granted. Writers of one target wait for each
other; different targets still load in parallel. The lock is a statement of the connected database, so a load
transaction never opens by reading a data share.

A row whose filtered source would be read more than once, or after the row's first write (an upsert, an overwrite in
delete mode, a counted load with ``--verify_counts``), reads it once, right after the lock, into a temporary table
(``COPY``) that every later statement reads: a filter that reads the target, or that is not deterministic
(``random()``), then means the same rows to the checks, the DELETE, the INSERT and the count (issue 31). The share
needs no copy: within a transaction Redshift reads another database as of the transaction's start
(dg/cross-database_usage.html). Redshift's temporary tables live until the session ends (no ``ON COMMIT DROP``,
dg/r_CREATE_TABLE_AS.html), and pooled sessions serve later rows, so the copy is dropped in the row's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from glue_elt.redshift.names import Identifier, TableName, display_identifier, quote_identifier
from glue_elt.redshift.types import ColumnType
from glue_elt.steps.redshift_cross_account_migration.content import ContentCheck, content_check
from glue_elt.steps.redshift_cross_account_migration.content_scope import ChunkRange
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationPlan, OverwriteMode
from glue_elt.steps.redshift_cross_account_migration.watermark import Watermark, with_condition


@dataclass(frozen=True)
class Check:
    """A query run in the row's transaction after its first statement: if it returns a row, the load fails
    with ``message`` (or ``null_message`` when the row holds a NULL) and the transaction rolls back. ``shown`` is
    the query that finds the offending row outside the transaction (``sql`` itself unless it reads the copy)."""

    sql: str
    message: str
    null_message: str | None = None
    shown: str | None = None

    def failure(self, found: tuple[object, ...]) -> str:
        """The message for the offending row ``found``."""
        if self.null_message is not None and any(value is None for value in found):
            return self.null_message
        return self.message

    def refusal(self, found: tuple[object, ...]) -> str:
        """The load's error for the offending row ``found``, which it shows (its first 200 characters)."""
        text = ", ".join("NULL" if value is None else str(value) for value in found)
        return f"{self.failure(found)}: ({text[:200]}); nothing was changed"


@dataclass(frozen=True)
class LoadSql:
    """A row's SQL: an optional TRUNCATE that commits on its own, then one transaction that opens with ``create``
    when the target is to be created (``CREATE TABLE``, see ``target_creation``), then with ``lock``
    (``LOCK target``), runs ``emptied`` in truncate mode (a query that finds a row when the target was written
    between the TRUNCATE and the lock), the first of ``statements`` (a write to the connected database, never a
    read of a data share), the ``checks``, the other statements (the last one is the insert, whose row count is
    the row's result) and, with ``--verify_counts``, ``count``: the filtered source's size, which the insert must
    have copied. ``explained`` are the statements the pre-flight sends to ``EXPLAIN`` (those that read the
    source). A row that reads its filtered source once runs ``copy`` (``CREATE TEMP TABLE ... AS``) right after the
    lock, before its first statement, and ``drop`` after its count: the statements between read the copy."""

    truncate: str | None
    statements: tuple[str, ...]
    checks: tuple[Check, ...] = ()
    count: str | None = None
    explained: tuple[str, ...] = ()
    lock: str = ""
    emptied: str | None = None
    create: str | None = None
    copy: str | None = None
    drop: str | None = None
    content: ContentCheck | None = None
    """``--verify content``: the figures of the source rows read and of the rows written (``content``)."""

    def preflight(self) -> list[str]:
        """``EXPLAIN`` of every statement that reads the source: the server checks names, columns, the filter
        and types without changing anything. Privileges and the target's existence are checked from the
        catalog beforehand, so a plain ``DELETE FROM target`` needs no EXPLAIN (nor can TRUNCATE have one)."""
        return [f"EXPLAIN {statement}" for statement in self.explained or self.statements[-1:]]

    def all_statements(self) -> list[str]:
        """Every statement in the order it runs (for a dry run's report)."""
        first, *rest = self.statements
        closing = [s for s in (self.count, self.drop) if s]
        opening = [s for s in (self.truncate, self.create, self.lock, self.emptied, self.copy) if s]
        content = self.content
        if content is None:
            return [*opening, first, *(c.sql for c in self.checks), *rest, *closing]
        if content.before is not None:  # the target's figures, then the source's, before the insert
            return [*opening, content.before, content.expected, first, content.written, *closing]
        checks = [c.sql for c in self.checks]
        return [*opening, first, content.expected, *checks, *rest, content.written, *closing]


def insert_select(
    target: TableName,
    source: TableName,
    columns: Sequence[Identifier],
    filter_sql: str | None,
    target_columns: Sequence[Identifier] | None = None,
) -> str:
    """``INSERT INTO target (target cols) SELECT cols FROM source [WHERE (filter)]``: ``columns`` of the source
    into ``target_columns`` (the same names when not given), pairwise."""
    select_list = ", ".join(column.sql() for column in columns)
    insert_list = ", ".join(column.sql() for column in target_columns) if target_columns else select_list
    sql = f"INSERT INTO {target.sql()} ({insert_list}) SELECT {select_list} FROM {source.sql()}"
    return f"{sql} WHERE ({filter_sql})" if filter_sql else sql


def lock(target: TableName) -> str:
    """``LOCK target``: Redshift's only lock mode, ACCESS EXCLUSIVE, held until the transaction ends
    (dg/r_LOCK.html); it takes no snapshot, so what follows sees every write committed before it."""
    return f"LOCK {target.sql()}"


def any_row(target: TableName) -> str:
    """A row of ``target``, if it has one (truncate mode: after the lock, the target must still be empty)."""
    return f"SELECT 1 FROM {target.sql()} LIMIT 1"


EMPTIED_CHANGED = (
    "the target was written between the TRUNCATE and this load (another run, or another writer); "
    "the row is tried again from its TRUNCATE"
)
"""Why a truncate-mode load stops when the target is no longer empty once locked (a transient error)."""


def delete_all(target: TableName) -> str:
    """``DELETE FROM target``: empties the table inside the row's transaction."""
    return f"DELETE FROM {target.sql()}"


def truncate(target: TableName) -> str:
    """``TRUNCATE target``: fast, but Redshift commits it at once (not undone if the insert fails)."""
    return f"TRUNCATE {target.sql()}"


def source_rows(source: TableName, filter_sql: str | None, columns: str = "COUNT(*)") -> str:
    """``SELECT columns FROM source [WHERE (filter)]``."""
    sql = f"SELECT {columns} FROM {source.sql()}"
    return f"{sql} WHERE ({filter_sql})" if filter_sql else sql


def merge_check(plan: MigrationPlan) -> Check:
    """The upsert guard, one query: a merge key that occurs twice, or holds NULL, in the filtered source; its messages
    name the key columns, and the refusal then shows the offending values in their order."""
    keys = ", ".join(key.sql() for key in plan.merge_keys)
    any_null = " OR ".join(f"{key.sql()} IS NULL" for key in plan.merge_keys)
    rows = source_rows(plan.source, plan.filter_sql, keys)
    names = ", ".join(display_identifier(key.name) for key in plan.merge_keys)
    return Check(
        f"{rows} GROUP BY {keys} HAVING COUNT(*) > 1 OR {any_null} LIMIT 1",
        f"the source has duplicate merge keys ({names})",
        f"the source has NULL in a merge key ({names})",
    )


def delete_matching(plan: MigrationPlan, renamed: Mapping[Identifier, Identifier] | None = None) -> str:
    """Delete the target rows whose merge keys occur in the filtered source (``WITH ... DELETE ... USING``,
    which Redshift and PostgreSQL both run); ``renamed`` gives the target's name of a source column."""
    names = renamed or {}
    keys = ", ".join(key.sql() for key in plan.merge_keys)
    alias = quote_identifier("glue_elt_source_keys")
    table = quote_identifier(plan.target.table)
    matches = " AND ".join(f"{table}.{names.get(key, key).sql()} = {alias}.{key.sql()}" for key in plan.merge_keys)
    keys_cte = source_rows(plan.source, plan.filter_sql, f"DISTINCT {keys}")
    return f"WITH {alias} AS ({keys_cte}) DELETE FROM {plan.target.sql()} USING {alias} WHERE {matches}"


COPY = TableName((Identifier("glue_elt_source"),))
"""The temporary table that holds a row's filtered source when the row reads it once (``copy_source``)."""


def copy_source(source: TableName, columns: Sequence[Identifier], filter_sql: str) -> str:
    """``CREATE TEMP TABLE glue_elt_source AS SELECT cols FROM source WHERE (filter)``: the filtered source, read
    once. It writes the connected database (a temporary table of the session), so it may follow the lock as the
    transaction's first write."""
    return f"CREATE TEMP TABLE {COPY.sql()} AS {source_rows(source, filter_sql, ', '.join(c.sql() for c in columns))}"


def reads_once(
    plan: MigrationPlan, overwrite_mode: OverwriteMode, verify_counts: bool, verify_content: bool = False
) -> bool:
    """Whether the row copies its filtered source first: it has a filter, and its statements would read the
    filtered source more than once or after a write (upsert; overwrite in delete mode; ``--verify counts`` or
    ``content``)."""
    if not plan.filter_sql:
        return False
    if plan.load_type is LoadType.UPSERT or verify_content:
        return True
    if plan.load_type is LoadType.OVERWRITE and overwrite_mode is OverwriteMode.DELETE:
        return True
    return verify_counts and plan.load_type in COUNTED


def load_sql(
    plan: MigrationPlan,
    columns: Sequence[Identifier],
    overwrite_mode: OverwriteMode = OverwriteMode.DELETE,
    *,
    verify_counts: bool = False,
    target_columns: Sequence[Identifier] | None = None,
    create: str | None = None,
    content_types: Mapping[Identifier, ColumnType] | None = None,
    chunk: ChunkRange | None = None,
) -> LoadSql:
    """The SQL of one row for its load type, the run's overwrite mode and ``--verify``: ``columns`` of the
    source into ``target_columns`` (the same names when not given). ``create`` (a ``CREATE TABLE``) makes the
    target in the row's transaction, before its lock; such a target is new, so an overwrite empties it with a
    DELETE rather than a TRUNCATE, which would need the table before the transaction. A row that ``reads_once``
    reads the copy of its filtered source; its pre-flight still explains the statements as they read the share.
    With ``content_types`` (each target column's type), the row's statements check its content
    (``--verify content``, which makes ``verify_counts`` needless); a chunk's (``chunk``: its range on the source)
    check reads only that range of the target (``content_scope``)."""
    renamed = dict(zip(columns, target_columns)) if target_columns else {}
    built = _built(plan, columns, overwrite_mode, verify_counts, target_columns, create, renamed, content_types,
                   chunk)  # fmt: skip
    mode = OverwriteMode.DELETE if create is not None else overwrite_mode
    if plan.filter_sql is None or not reads_once(plan, mode, verify_counts, content_types is not None):
        return built
    once = _built(replace(plan, source=COPY, filter_sql=None), columns, mode, verify_counts, target_columns, create,
                  renamed, content_types, chunk)  # fmt: skip
    checks = tuple(replace(check, shown=shown.sql) for check, shown in zip(once.checks, built.checks))
    copy = copy_source(plan.source, columns, plan.filter_sql)
    return replace(once, checks=checks, explained=built.explained, copy=copy, drop=f"DROP TABLE {COPY.sql()}")


def _built(
    plan: MigrationPlan,
    columns: Sequence[Identifier],
    overwrite_mode: OverwriteMode,
    verify_counts: bool,
    target_columns: Sequence[Identifier] | None,
    create: str | None,
    renamed: Mapping[Identifier, Identifier],
    content_types: Mapping[Identifier, ColumnType] | None = None,
    chunk: ChunkRange | None = None,
) -> LoadSql:
    """The row's SQL, every statement reading ``plan.source`` filtered by ``plan.filter_sql``."""
    condition, mark = plan.filter_sql, None
    if plan.load_type is LoadType.INCREMENTAL and plan.watermark is not None:
        mark = Watermark(plan.watermark, renamed.get(plan.watermark, plan.watermark))
        condition = with_condition(condition, mark.newer_than(mark.newest_in(plan.target)))
    insert = insert_select(plan.target, plan.source, columns, condition, target_columns)
    content = None
    if content_types is not None:
        written = target_columns or columns
        content = content_check(plan, plan.source, condition, columns, written, content_types, chunk, mark)
        verify_counts = False  # the content check counts too
    if create is not None:  # the pre-flight can only ask about the source: the target does not exist yet
        reading = source_rows(plan.source, plan.filter_sql, ", ".join(column.sql() for column in columns))
        created = _load_sql(plan, insert, OverwriteMode.DELETE, verify_counts, renamed)
        return replace(created, create=create, explained=(reading,), content=content)
    return replace(_load_sql(plan, insert, overwrite_mode, verify_counts, renamed), content=content)


def _load_sql(
    plan: MigrationPlan,
    insert: str,
    overwrite_mode: OverwriteMode,
    verify_counts: bool,
    renamed: Mapping[Identifier, Identifier],
) -> LoadSql:
    count = source_rows(plan.source, plan.filter_sql) if verify_counts and plan.load_type in COUNTED else None
    locked = lock(plan.target)
    if plan.load_type is LoadType.UPSERT:
        delete = delete_matching(plan, renamed)
        return LoadSql(None, (delete, insert), (merge_check(plan),), explained=(delete, insert), lock=locked)
    if plan.load_type is not LoadType.OVERWRITE:
        return LoadSql(None, (insert,), count=count, explained=(insert,), lock=locked)
    if overwrite_mode is OverwriteMode.TRUNCATE:
        emptied = any_row(plan.target)
        return LoadSql(truncate(plan.target), (insert,), count=count, explained=(insert,), lock=locked, emptied=emptied)
    return LoadSql(None, (delete_all(plan.target), insert), count=count, explained=(insert,), lock=locked)


COUNTED = (LoadType.APPEND, LoadType.OVERWRITE)
"""Load types whose insert must copy exactly the filtered source (checked by ``--verify_counts``)."""
