"""What happened to a script's statements: each one's ``Outcome`` (its ``Status``), a run's outcomes and error
(``Run``), the keys a script and its statements are recorded under in the state table, and the log line of each
statement. Shared by the driver's ``ScriptRunner`` (``run``) and the Data API's ``BatchScriptRunner``
(``batches``)."""

from __future__ import annotations

import copy
import hashlib
import logging
from dataclasses import dataclass, field

from glue_elt.core.params import TextEnum
from glue_elt.errors import GlueELTError
from glue_elt.steps.redshift_sql.script import Statement

logger = logging.getLogger(__name__)
SCRIPT_KIND = "sql"
STATEMENT_KIND = "sql statement"


class Status(TextEnum):
    """What happened to one statement."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled back"
    NOT_RUN = "not run"
    SKIPPED = "skipped"
    CHECKED = "checked"
    NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class Outcome:
    """One statement's outcome: rows affected (``None`` when the server reported none), seconds, the error
    (failed) or the reason (not checked), and its Redshift query id when the executor learns it (the Data API's
    ``RedshiftQueryId``)."""

    statement: Statement
    status: Status
    rows: int | None = None
    seconds: float = 0.0
    note: str | None = None
    query_id: int | None = None


@dataclass(frozen=True)
class Sent:
    """What one statement sent on its own (autocommit mode) reported: its rows (``-1`` when none), its query id if
    known, and ``replayed``: an earlier process of the run id had run it (the Data API's answer to its
    ``ClientToken``), so this run did not."""

    rows: int
    query_id: int | None = None
    replayed: bool = False


@dataclass
class Run:
    """The outcomes of a run so far, what the run did as a whole, and the error that stopped it."""

    outcomes: list[Outcome] = field(default_factory=list)
    status: str = "committed"
    error: GlueELTError | None = None


def script_key(text: str) -> str:
    """The script's key in the state table: the SHA-256 of its text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def statement_keys(target: str, statements: tuple[Statement, ...]) -> list[str]:
    """Each statement's key in autocommit mode: the SHA-256 of the script's path, the statement's text and how many
    identical statements come before it. Editing one statement (to fix it) leaves the others' keys alone."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for statement in statements:
        seen[statement.text] = occurrence = seen.get(statement.text, 0) + 1
        keys.append(hashlib.sha256(f"{target}\n{occurrence}\n{statement.text}".encode()).hexdigest())
    return keys


def with_suffix(error: GlueELTError, suffix: str) -> GlueELTError:
    """A copy of ``error`` (same class and attributes) whose message ends with ``suffix``."""
    extended = copy.copy(error)
    extended.args = (str(error) + suffix, *error.args[1:])
    return extended


def log_outcome(outcome: Outcome, total: int) -> None:
    """One line per statement: number, first line, rows and seconds (or what happened instead)."""
    statement = outcome.statement
    where = f"statement {statement.number}/{total} (line {statement.line}: {statement.head})"
    if outcome.status in (Status.SUCCEEDED, Status.CHECKED):
        done = "done" if outcome.rows is None else f"{outcome.rows} row(s)"
        verb = "checked" if outcome.status is Status.CHECKED else done
        query = f" (query {outcome.query_id})" if outcome.query_id is not None else ""
        logger.info("%s: %s in %.3f s%s", where, verb, outcome.seconds, query)
    elif outcome.status is Status.FAILED:
        logger.error("%s: FAILED: %s", where, outcome.note)
    elif outcome.status is Status.SKIPPED:
        logger.info("%s: skipped, already committed by this run id", where)
    else:
        logger.info("%s: %s", where, outcome.note or outcome.status.value)


def reported_rows(rows: int) -> int | None:
    """A row count as outcomes hold it: ``None`` when the server reported none (``-1``)."""
    return None if rows < 0 else rows
