"""The comment every statement of a run opens with: ``/* glue-elt <step> run=<run id> row=<row> */``.

Why: Redshift keeps a query's text in ``SYS_QUERY_HISTORY.query_text`` (dg/SYS_QUERY_HISTORY.html), so a user
who sees a long query, a lock or a failure in Redshift's own monitoring can tell which step, run and row (the
migration step's row key, the SQL step's statement number) sent it, and a query id can be found from the tag
(``WHERE query_text LIKE '/* glue-elt migrate run=nightly-42 %'``). The tag is part of the statement, so it costs
no statement and no round trip.

Both executors prefix every statement they send (``tagged``) with the tag of the current context: the step sets
the run's part (``run_tag``) and the runner the row's (``row_tag``); context variables follow each thread, and
the migration step hands a copy of its context to each worker (``contextvars.copy_context``).

Values come from users (a run id is any text up to 256 bytes), so nothing of them reaches the comment as it is:
a value of letters, digits and ``-_.+=@#~`` is written bare; any other is written as a JSON string whose other
characters but spaces (quotes, ``*``, ``/``, ``%``, ``:``, ``?``, ``;``, backslash, non-ASCII) are ``\\uXXXX``
escapes. Nothing can end the comment, and nothing in it looks like a parameter marker to the driver (``%s``) or
the Data API (``:name``), or opens a quoted string for either's parameter scanner.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

PREFIX = "/* glue-elt "
SUFFIX = " */ "
_BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+=@#~")
_KEPT_IN_QUOTES = _BARE | {" "}


@dataclass(frozen=True)
class RunTag:
    """The run's part of the tag: which step, which run id."""

    step: str
    run_id: str


_RUN: ContextVar[RunTag | None] = ContextVar("glue_elt_run_tag", default=None)
_ROW: ContextVar[str | None] = ContextVar("glue_elt_row_tag", default=None)


def tag_value(value: str) -> str:
    """``value`` as the comment writes it: bare when it is made of safe characters, else an escaped JSON string."""
    if value and all(character in _BARE for character in value):
        return value
    escaped = [
        character if character in _KEPT_IN_QUOTES else "".join(f"\\u{unit:04x}" for unit in _utf16(character))
        for character in value
    ]
    return '"' + "".join(escaped) + '"'


def _utf16(character: str) -> list[int]:
    """The UTF-16 code units of ``character`` (two, a surrogate pair, outside the BMP), as JSON escapes them."""
    data = character.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def comment(run: RunTag | None = None, row: str | None = None) -> str:
    """The tag comment (with a trailing space) for ``run`` and ``row``; empty without a run."""
    run = run or _RUN.get()
    row = row if row is not None else _ROW.get()
    if run is None:
        return ""
    parts = [tag_value(run.step), f"run={tag_value(run.run_id)}"]
    if row is not None:
        parts.append(f"row={tag_value(row)}")
    return PREFIX + " ".join(parts) + SUFFIX


def tagged(sql: str) -> str:
    """``sql`` opening with the current tag (unchanged outside a run, or when it is tagged already: a batch's
    statements are tagged as they are added, with their row)."""
    return sql if sql.startswith(PREFIX) else comment() + sql


def untagged(sql: str) -> str:
    """``sql`` without a leading tag comment (for reading a statement log)."""
    if sql.startswith(PREFIX):
        end = sql.find(SUFFIX)
        if end >= 0:
            return sql[end + len(SUFFIX) :]
    return sql


@contextmanager
def run_tag(step: str, run_id: str) -> Iterator[RunTag]:
    """Tag the statements sent inside the block (in this context) with ``step`` and ``run_id``."""
    tag = RunTag(step, run_id)
    token = _RUN.set(tag)
    try:
        yield tag
    finally:
        _RUN.reset(token)


@contextmanager
def row_tag(row: str | int) -> Iterator[None]:
    """Add ``row`` (a row key, a statement number) to the tag inside the block."""
    token = _ROW.set(str(row))
    try:
        yield
    finally:
        _ROW.reset(token)
