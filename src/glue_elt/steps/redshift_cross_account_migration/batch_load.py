"""A row's load as one batch (the Redshift Data API's ``BatchExecuteStatement``): one transaction, one request.

A batch returns nothing before it ends, so what the driver's load reads mid-transaction is done on the server:

- the checks (upsert's merge keys) become guards, ``SELECT 1 / (1 - COUNT(*))`` over the check's query: a found
  row divides by zero, the batch fails and rolls back, and the guard's position says which check it was;
- the row count is the target's growth: a temporary table keeps the target's size before the insert (after
  any DELETE), so the commit record can hold ``rows_affected`` and ``--verify_counts`` can compare the
  insert with the filtered source in a guard;
- the commit record is one statement without parameters, the same text every time it is built, so the
  batch's ``ClientToken`` (from the run id, the row key and the batch's generation) names one request;
- in truncate mode a guard fails when the target, once locked, is no longer empty (another load came in between
  the TRUNCATE and this batch);
- a row that reads its filtered source once copies it right after the lock (and the guard) and drops the copy last;
- ``--verify content`` keeps the source rows' figures (and the target's before the insert) in a temporary table
  before the insert, and a guard compares them with the written rows' after it (``content``).

As with the driver, the batch opens with ``LOCK target`` (a statement of the connected database; the snapshot
is taken after it), never with a read of a data share; a row that creates its target runs its ``CREATE TABLE``
first, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from glue_elt.errors import ExecutionError, GlueELTError, LoadCheckError
from glue_elt.redshift.batch import BatchStatementError
from glue_elt.redshift.names import TableName, quote_identifier
from glue_elt.steps.redshift_cross_account_migration.content import ContentCheck
from glue_elt.steps.redshift_cross_account_migration.sql import EMPTIED_CHANGED, Check, LoadSql

BEFORE = quote_identifier("glue_elt_rows_before")
"""The temporary table that holds the target's row count before the insert (column ``n``)."""
DIVIDE_BY_ZERO = "by zero"
"""What Redshift ("Divide by zero") and PostgreSQL ("division by zero") say when a guard trips."""


class Role(Enum):
    """What a statement of a row's batch is for."""

    CREATE = "create"
    """The target's ``CREATE TABLE`` (a target that did not exist)."""
    LOCK = "lock"
    EMPTY_GUARD = "empty guard"
    """Fails when the locked target is no longer empty (truncate mode)."""
    COPY = "copy"
    """The filtered source, read once into a temporary table that the later statements read."""
    DELETE = "delete"
    CHECK_GUARD = "check guard"
    """Fails when its ``check`` finds a row."""
    COUNT_BEFORE = "count before"
    INSERT = "insert"
    COUNT_GUARD = "count guard"
    """Fails when the insert added another number of rows than the filtered source holds (``--verify_counts``)."""
    CONTENT_FIGURES = "content figures"
    """The figures of the source rows read and of the target before the insert (``--verify content``)."""
    CONTENT_GUARD = "content guard"
    """Fails when the rows written differ from the source rows read, by count or checksum."""
    RECORD = "record"
    DROP_COUNT = "drop count"
    DROP_CONTENT = "drop content"
    DROP_COPY = "drop copy"


GUARDS = frozenset({Role.EMPTY_GUARD, Role.CHECK_GUARD, Role.COUNT_GUARD, Role.CONTENT_GUARD})
CONTENT = quote_identifier("glue_elt_content")
"""The temporary table of a content check's figures (``n``, ``s`` of the source rows; ``bn``, ``bs`` of the target
before the insert, 0 when the written side is not a difference)."""
CONTENT_DIFFERS = (
    "the rows written differ from the source rows read (by count or checksum); rolled back. A Data API batch that "
    "rolled back cannot show which rows: run the row with --executor driver and --verify content to see up to 5"
)


@dataclass(frozen=True)
class BatchStatement:
    """One statement of a row's batch, with its role (and, for a check guard, its check)."""

    role: Role
    sql: str
    check: Check | None = None


@dataclass(frozen=True)
class LoadBatch:
    """The statements of a row's batch in order, each with its role: every position the runner reads (the insert's
    row count and query id, the statement a failure names) is found here and nowhere else."""

    parts: tuple[BatchStatement, ...]

    @property
    def statements(self) -> tuple[str, ...]:
        """The SQL to send, in order."""
        return tuple(part.sql for part in self.parts)

    @property
    def insert_index(self) -> int:
        """The insert's position: its row count and query id are the row's."""
        return max(index for index, part in enumerate(self.parts) if part.role is Role.INSERT)

    @property
    def delete_index(self) -> int | None:
        """The DELETE's position (an upsert's, an overwrite's in delete mode): its row count is the rows it removed."""
        return next((index for index, part in enumerate(self.parts) if part.role is Role.DELETE), None)

    def at(self, index: int | None) -> BatchStatement | None:
        """The statement at ``index`` (a failure's position), if known."""
        return self.parts[index] if index is not None and 0 <= index < len(self.parts) else None


def count_before(target: TableName) -> str:
    """Keep the target's size in a temporary table (a write of the connected database)."""
    return f"CREATE TEMP TABLE {BEFORE} AS SELECT COUNT(*) AS n FROM {target.sql()}"


def inserted_rows(target: TableName) -> str:
    """The rows the insert added: the target's size now less its size before (read from ``BEFORE``)."""
    return f"(SELECT COUNT(*) FROM {target.sql()}) - {BEFORE}.n"


def check_guard(check: Check) -> str:
    """Fails (division by zero) when ``check``'s query, which returns at most one row, finds one."""
    return f"SELECT 1 / (1 - COUNT(*)) FROM ({check.sql}) AS {quote_identifier('glue_elt_found')}"


def empty_guard(any_row_sql: str) -> str:
    """Fails (division by zero) when ``any_row_sql`` finds a row of the target."""
    return f"SELECT 1 / (1 - COUNT(*)) FROM ({any_row_sql}) AS {quote_identifier('glue_elt_found')}"


def count_guard(target: TableName, count_sql: str) -> str:
    """Fails (division by zero) when the insert added another number of rows than ``count_sql`` counts."""
    return f"SELECT 1 / (CASE WHEN {inserted_rows(target)} = ({count_sql}) THEN 1 ELSE 0 END) FROM {BEFORE}"


def content_figures(content: ContentCheck) -> str:
    """Keep the source rows' figures, and the target's before the insert, in ``CONTENT`` (an incremental's: its
    newest watermark too, as ``bm``: ``newest_kept``)."""
    before = f"({content.before}) AS b" if content.before else "(SELECT 0 AS n, 0 AS s) AS b"
    newest = ", b.m AS bm" if content.newest_type else ""
    return (f"CREATE TEMP TABLE {CONTENT} AS SELECT e.n AS n, e.s AS s, b.n AS bn, b.s AS bs{newest} "
            f"FROM ({content.expected}) AS e CROSS JOIN {before}")  # fmt: skip


def newest_kept(content: ContentCheck) -> str:
    """The target's newest watermark before the insert, as ``content_figures`` kept it (incremental), for
    ``ContentCheck.examples`` in the batch; ``NULL`` for other loads, which do not read it."""
    return f"(SELECT bm FROM {CONTENT})" if content.newest_type else "NULL"


def content_guard(content: ContentCheck) -> str:
    """Fails (division by zero) when the written rows' figures, less the target's before, differ from the source's."""
    same = "c.n = w.n - c.bn AND c.s = w.s - c.bs"
    return f"SELECT 1 / (CASE WHEN {same} THEN 1 ELSE 0 END) FROM {CONTENT} AS c CROSS JOIN ({content.written}) AS w"


def load_batch(sql: LoadSql, target: TableName, record: Callable[[str, str], str]) -> LoadBatch:
    """The batch of a row's ``sql`` (without its TRUNCATE, which commits on its own); ``record(rows_sql, source)``
    builds the commit record from the row count's expression over ``source``."""
    first, *rest = sql.statements
    parts: list[BatchStatement] = []

    def add(role: Role, statement: str, check: Check | None = None) -> None:
        parts.append(BatchStatement(role, statement, check))

    if sql.create is not None:  # a new target: created in the batch's transaction, before its lock
        add(Role.CREATE, sql.create)
    add(Role.LOCK, sql.lock)
    if sql.emptied is not None:
        add(Role.EMPTY_GUARD, empty_guard(sql.emptied))
    if sql.copy is not None:
        add(Role.COPY, sql.copy)
    checks = [(check_guard(check), check) for check in sql.checks]
    if rest:  # a DELETE opens the transaction; the checks follow it (before the insert's work), as with the driver
        add(Role.DELETE, first)
        for guard_sql, check in checks:
            add(Role.CHECK_GUARD, guard_sql, check)
        checks, inserts = [], rest
    else:
        inserts = [first]
    add(Role.COUNT_BEFORE, count_before(target))
    if sql.content is not None:  # before the insert: an incremental's condition reads the target's maximum
        add(Role.CONTENT_FIGURES, content_figures(sql.content))
    for statement in inserts:
        add(Role.INSERT, statement)
    for guard_sql, check in checks:
        add(Role.CHECK_GUARD, guard_sql, check)
    if sql.count is not None:
        add(Role.COUNT_GUARD, count_guard(target, sql.count))
    if sql.content is not None:
        add(Role.CONTENT_GUARD, content_guard(sql.content))
    add(Role.RECORD, record(inserted_rows(target), BEFORE))
    add(Role.DROP_COUNT, f"DROP TABLE {BEFORE}")
    if sql.content is not None:
        add(Role.DROP_CONTENT, f"DROP TABLE {CONTENT}")
    if sql.drop is not None:
        add(Role.DROP_COPY, sql.drop)
    return LoadBatch(tuple(parts))


def batch_failure(
    error: BatchStatementError,
    failed: BatchStatement | None,
    query: Callable[[str], Sequence[tuple[object, ...]]],
    examples: Callable[[], str | None] | None = None,
) -> GlueELTError:
    """The error to report for a batch that failed at statement ``failed``: a tripped guard's meaning (a check's query
    is run again with ``query``, read-only, to show the offending row; a content guard's figures and differing rows are
    said by ``examples``, ``None`` when it found nothing to show: ``batch_examples``), else the batch's own error."""
    if failed is None or failed.role not in GUARDS or DIVIDE_BY_ZERO not in str(error).lower():
        return error
    if failed.role is Role.EMPTY_GUARD:
        return ExecutionError(EMPTIED_CHANGED, transient=True)
    if failed.role is Role.CONTENT_GUARD:
        described = examples() if examples is not None else None
        return LoadCheckError(described or CONTENT_DIFFERS)
    if failed.check is None:
        return LoadCheckError(
            "row count mismatch: the insert copied another number of rows than the filtered source holds; rolled back"
        )
    found = query(failed.check.shown or failed.check.sql)  # the copy it read was rolled back
    if not found:
        alternative = f" (or {failed.check.null_message})" if failed.check.null_message else ""
        return LoadCheckError(f"{failed.check.message}{alternative}; nothing was changed")
    return LoadCheckError(failed.check.refusal(found[0]))
