"""A row's load as statements of one transaction on a session (the driver executor): the copy, the content
figures before the insert, the DELETE and INSERT, the checks, the count, the content check, in that order. The
Data API's counterpart, one batch of the same statements with guards in place of the checks' reads, is
``batch_load``; the transaction around it (LOCK, look-up, record, retries) is ``runner``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from glue_elt.errors import LoadCheckError
from glue_elt.redshift.executor import Session
from glue_elt.steps.redshift_cross_account_migration.sql import LoadSql


@dataclass(frozen=True)
class LoadCounts:
    """What a load's statements reported: the rows inserted, and the rows its DELETE removed (``None``: no DELETE)."""

    inserted: int
    deleted: int | None = None


def run_load(session: Session, sql: LoadSql) -> LoadCounts:
    """One row's statements inside its transaction, after the caller's ``LOCK target``; returns the rows inserted
    (and deleted, when its first statement is a DELETE: an upsert's, an overwrite's in delete mode).

    The first of them writes the connected database (the copy of the filtered source, or a DELETE or INSERT into
    the target), so no load transaction reads a data share before it has written. The checks and the count run
    after it: on Redshift they read the share as of the transaction's start, as the insert does, or the copy.
    Raises ``LoadCheckError`` (so the transaction rolls back) when a check finds a row or the insert copied another
    number of rows than the count.
    """
    if sql.copy is not None:  # the filtered source, read once before any write (see the step's ``sql`` module)
        session.execute(sql.copy)
    content = sql.content
    before = read = None
    if content is not None and content.before is not None:  # a read of the target first, then of the source
        before, read = session.query(content.before)[0], session.query(content.expected)[0]
    first, *rest = sql.statements
    rows = session.execute(first)
    deleted = rows if rest else None  # the statements before the insert: a DELETE
    if content is not None and read is None:
        read = session.query(content.expected)[0]
    for check in sql.checks:
        found = session.query(check.sql)
        if found:
            raise LoadCheckError(check.refusal(found[0]))
    for statement in rest:
        rows = session.execute(statement)
    if sql.count is not None:
        expected = int(session.query(sql.count)[0][0])
        if rows != expected:
            raise LoadCheckError(
                f"row count mismatch: the insert copied {rows} row(s) but the filtered source has {expected}; "
                "rolled back"
            )
    if content is not None and read is not None:
        content.check(session, read, before)
    if sql.drop is not None:  # in the transaction: the pooled session serves the next row
        session.execute(sql.drop)
    return LoadCounts(rows, deleted)
