"""Verify every prepared row, read-only: both sides' figures in one query, then (where they differ and a bisection
column is known) at most ``queries`` more to narrow down where.

Each table's queries run one after another on one thread, up to ``max_parallel`` tables at once, every query on its
own in autocommit (``Executor.query``), retried on transient errors as every statement of the step is. A table whose
query fails is reported as not verified, with the server's message; the others go on. Once a stop is requested,
nothing more is sent (the executor refuses it) and the tables not done are reported as cancelled.

A level of the bisection is one statement: when it would be larger than the Data API takes (``MAX_STATEMENT_BYTES``,
less room for the statement's tag), fewer ranges are cut per level; when even two would not fit (hundreds of wide
columns), the table gets its figures only.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import functools
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from glue_elt.core.redaction import redact
from glue_elt.core.retry import RetryPolicy
from glue_elt.core.stopping import CANCELLED, StopRequest
from glue_elt.errors import GlueELTError, UnreachableError
from glue_elt.redshift.data_api.wire import MAX_STATEMENT_BYTES
from glue_elt.redshift.executor import Executor, Row
from glue_elt.redshift.tags import row_tag
from glue_elt.redshift.types import Family
from glue_elt.steps.redshift_cross_account_migration.chunks import TAG_ROOM
from glue_elt.steps.redshift_cross_account_migration.verify.bisection import PARTS, WIDTH, Segment, narrow
from glue_elt.steps.redshift_cross_account_migration.verify.keys import Value, cut_points
from glue_elt.steps.redshift_cross_account_migration.verify.statements import Comparison, Key
from glue_elt.steps.redshift_cross_account_migration.verify.tables import Prepared
from glue_elt.steps.redshift_cross_account_migration.verify.verdict import TableVerdict, Verdict

logger = logging.getLogger(__name__)


def verify_all(
    executor: Executor,
    retry: RetryPolicy,
    prepared: Sequence[Prepared],
    keys: Sequence[str],
    *,
    max_parallel: int,
    queries: int,
    stop: StopRequest,
) -> list[TableVerdict]:
    """Each row's verdict, in row order (``keys``: the rows' keys, which tag their statements)."""

    def one(index: int) -> TableVerdict:
        with row_tag(keys[index]):
            verdict = verify_table(executor, retry, prepared[index], queries, stop)
        logger.log(logging.INFO if verdict.verdict is Verdict.EQUAL else logging.ERROR, "%s", verdict.line())
        return verdict

    indices = list(range(len(prepared)))
    if max_parallel == 1:
        return [one(index) for index in indices]
    contexts = [contextvars.copy_context() for _ in indices]  # each worker sees the run's tag and stop
    with ThreadPoolExecutor(max_parallel, thread_name_prefix="glue-elt-verify") as pool:
        return list(pool.map(lambda index, context: context.run(one, index), indices, contexts))


def verify_table(
    executor: Executor, retry: RetryPolicy, prepared: Prepared, queries: int, stop: StopRequest
) -> TableVerdict:
    """One table's verdict: equal, different (with the narrowed ranges), or failed (why)."""
    started = time.monotonic()
    row, plan = prepared.row, prepared.plan
    load_type = plan.load_type if plan is not None else None
    comparison = prepared.comparison
    if stop.requested:
        return TableVerdict(row, load_type, Verdict.FAILED, 0.0, error=CANCELLED)
    if comparison is None:
        error = prepared.error or GlueELTError("not prepared")
        return TableVerdict(row, load_type, Verdict.FAILED, 0.0, error=redact(str(error)))

    def ask(sql: str) -> list[Row]:
        return retry.call(row.label, functools.partial(executor.query, row.secret_name, sql))

    try:
        whole = comparison.whole(ask(comparison.first_sql()))
        if not whole.differs:
            return TableVerdict(row, load_type, Verdict.EQUAL, time.monotonic() - started, whole)
        key, reason = comparison.key, comparison.reason
        parts = fitting_parts(comparison) if key is not None and queries > 0 else 0
        if key is None or parts < 2:
            why = reason
            if key is not None:
                why = "--verify_queries 0" if queries <= 0 else "a level's statement would be too large"
            return TableVerdict(row, load_type, Verdict.DIFFERENT, time.monotonic() - started, whole, reason=why)

        def level(parents: Sequence[Segment], children: Sequence[Segment]) -> list[Row]:
            return ask(comparison.level_sql(parents, children))

        narrowed = narrow(
            whole,
            lambda parents, children: comparison.per_child(level(parents, children), children),
            lambda low, high, count: cut_points(low, high, count, key.column_type),
            queries,
            parts,
        )
        seconds = time.monotonic() - started
        return TableVerdict(row, load_type, Verdict.DIFFERENT, seconds, whole, key.name, narrowed=narrowed)
    except GlueELTError as error:
        message = CANCELLED if stop.requested else redact(str(error))
        unreachable = isinstance(error, UnreachableError)
        return TableVerdict(row, load_type, Verdict.FAILED, time.monotonic() - started, error=message,
                            unreachable=unreachable)  # fmt: skip


def fitting_parts(comparison: Comparison) -> int:
    """The most ranges per level (at most ``PARTS``) whose statement fits the Data API's size, with the longest
    values the column's type can have as bounds; 0 when not even 2 fit."""
    key = comparison.key
    if key is None:
        return 0
    longest = _longest(key)
    for parts in range(PARTS, 1, -1):
        parents = [Segment(longest, longest)] * WIDTH
        children = [Segment(longest, longest)] * (WIDTH * parts)
        if len(comparison.level_sql(parents, children).encode("utf-8")) <= MAX_STATEMENT_BYTES - TAG_ROOM:
            return parts
    return 0


def _longest(key: Key) -> Value:
    """A value of ``key``'s type whose text is as long as any (for sizing a statement)."""
    family = key.column_type.family
    if family is Family.INTEGER:
        return -(10**19)
    if family is Family.DECIMAL:
        return decimal.Decimal("-" + "9" * 38 + "." + "9" * 38)
    if family is Family.FLOAT:
        return -1.2345678901234567e-300
    if family is Family.DATE:
        return dt.date(2000, 12, 31)
    return dt.datetime(2000, 12, 31, 23, 59, 59, 999999, dt.timezone(dt.timedelta(hours=-5, minutes=-30)))
