"""The statements one database user sent, read from PostgreSQL's own log (``LocalStack.statement_log``).

While the user's role has ``log_statement = 'all'``, PostgreSQL logs each statement its sessions run. Every log
line starts with ``%m [%p] %q%u@%d [%i] `` (``local_stack.postgres``): time, backend pid, user, database and
the backend's stage (``PARSE``, ``BIND``, the running command's tag, ``idle``...). ``parse_statements`` turns
that text into the statements a client sent, one per round trip the server ran or refused:

- the extended protocol (``redshift_connector``) is logged once per Execute as ``execute <name>: text``; Parse and
  Bind are not logged, so nothing is counted twice. A resumed portal (``execute fetch from ...``) is the same
  statement and is not counted again. The simple protocol (psql) is logged as ``statement: text``;
- the ``begin transaction``, ``commit`` and ``rollback`` the driver sends itself are statements like any other;
- a statement refused before it ran (at Parse or Bind: a syntax error, a missing setting, an aborted
  transaction) is not logged by ``log_statement``; it is taken from its error's ``STATEMENT:`` line. An error
  while it ran (stage = its command tag) belongs to a statement already logged;
- PgBouncer's own statements on the user's server connections (``SET`` of tracked parameters such as
  ``application_name`` when a client is attached, the reset query when it leaves, the check query) are sent with
  the simple protocol in known forms; they are kept apart as ``pooler``;
- an entry spans several lines when its text does: PostgreSQL writes a tab after every newline of a message, so
  continuation lines start with a tab. ``DETAIL`` (bound parameters), ``HINT`` and ``CONTEXT`` lines are parts of
  their entry, never statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from local_stack.pgbouncer import SERVER_CHECK_QUERY, SERVER_RESET_QUERY

Protocol = Literal["extended", "simple"]

_ENTRY = re.compile(
    r"[^\n]*? \[(?P<pid>\d+)\] (?:(?P<user>[^@\s]*)@(?P<database>\S*) \[(?P<stage>[^\]]*)\] )?"
    r"(?P<level>[A-Z]+[0-9]?):  (?P<message>.*)",
    re.DOTALL,
)
_EXECUTE = re.compile(r"execute (?P<fetch>fetch from )?[^:]*: (?P<text>.*)", re.DOTALL)
_SIMPLE = "statement: "
_PARTS = frozenset({"DETAIL", "HINT", "CONTEXT", "QUERY", "LOCATION", "STATEMENT"})
"""Levels of the lines that continue the entry before them (its detail, hint, context, statement...)."""
_POOLER_SET = re.compile(r"(?:SET [A-Za-z_]+=E?'(?:[^']|'')*';)+")
"""PgBouncer's ``SET name='value';`` (one or more) sent when a client's tracked parameters differ."""
_TAG = re.compile(r"/\* glue-elt (?P<tag>[^*]*) \*/ ")
"""The comment glue-elt opens every statement with (``glue_elt.redshift.tags``): kept apart as ``tag``."""


@dataclass(frozen=True)
class LoggedStatement:
    """One statement as the server logged it; ``refused`` when it failed before running."""

    pid: int
    text: str
    protocol: Protocol
    refused: bool = False
    tag: str | None = None
    """The statement's glue-elt tag (``migrate run=… row=…``), removed from ``text``."""

    def __post_init__(self) -> None:
        match = _TAG.match(self.text)
        if match is not None:
            object.__setattr__(self, "text", self.text[match.end() :])
            object.__setattr__(self, "tag", match.group("tag"))

    @property
    def from_pooler(self) -> bool:
        """PgBouncer's own statement (reset, check, ``SET`` of tracked parameters), not the client's."""
        if self.protocol != "simple":
            return False
        text = self.text.strip()
        return text in (SERVER_RESET_QUERY, SERVER_CHECK_QUERY) or bool(_POOLER_SET.fullmatch(text))

    def __str__(self) -> str:
        return f"{self.text} (refused before it ran)" if self.refused else self.text


@dataclass
class StatementLog:
    """The statements of ``user`` in one ``LocalStack.statement_log`` window, filled when the window closes."""

    user: str
    statements: list[LoggedStatement] = field(default_factory=list)
    """Sent by the user's clients, in log order."""
    pooler: list[LoggedStatement] = field(default_factory=list)
    """Sent by PgBouncer on the user's server connections (not counted as the client's)."""

    def texts(self) -> list[str]:
        """The client statements as text (refused ones marked)."""
        return [str(statement) for statement in self.statements]

    def naming(self, needle: str) -> list[LoggedStatement]:
        """The client statements whose text contains ``needle``, each with the whole transaction it is in (from
        ``begin`` to ``commit``/``rollback`` on its connection): e.g. everything a load sent for one table."""
        picked: list[LoggedStatement] = []
        open_blocks: dict[int, list[LoggedStatement]] = {}
        for statement in self.statements:
            word = statement.text.strip().split(None, 1)[0].lower() if statement.text.strip() else ""
            block = open_blocks.get(statement.pid)
            if block is None and word in ("begin", "start"):
                block = open_blocks[statement.pid] = []
            if block is None:
                if needle in statement.text:
                    picked.append(statement)
                continue
            block.append(statement)
            if word in ("commit", "rollback", "end", "abort"):
                del open_blocks[statement.pid]
                if any(needle in member.text for member in block):
                    picked += block
        return picked


def parse_statements(text: str, user: str) -> list[LoggedStatement]:
    """Every statement of ``user`` in PostgreSQL log ``text`` (client's and PgBouncer's), in log order."""
    statements: list[LoggedStatement] = []
    refused_stage: dict[int, str] = {}  # pid -> stage of its last error, until its STATEMENT line
    for entry in _entries(text):
        if entry.group("user") != user:
            continue
        pid, level, message = int(entry.group("pid")), entry.group("level"), entry.group("message")
        if level not in _PARTS:
            refused_stage.pop(pid, None)
        if level == "LOG" and message.startswith(_SIMPLE):
            statements.append(LoggedStatement(pid, message.removeprefix(_SIMPLE), "simple"))
        elif level == "LOG" and (execute := _EXECUTE.match(message)):
            if not execute.group("fetch"):
                statements.append(LoggedStatement(pid, execute.group("text"), "extended"))
        elif level in ("ERROR", "FATAL") and _before_running(entry.group("stage")):
            refused_stage[pid] = entry.group("stage")
        elif level == "STATEMENT" and pid in refused_stage:
            protocol: Protocol = "simple" if refused_stage.pop(pid).startswith("idle") else "extended"
            statements.append(LoggedStatement(pid, message, protocol, refused=True))
    return statements


def statement_log(text: str, user: str) -> StatementLog:
    """``parse_statements`` split into the client's statements and PgBouncer's."""
    found = parse_statements(text, user)
    return StatementLog(
        user,
        [statement for statement in found if not statement.from_pooler],
        [statement for statement in found if statement.from_pooler],
    )


def _before_running(stage: str) -> bool:
    """An error in this stage refused its statement before ``log_statement`` logged it: Parse (and Describe),
    Bind (where PostgreSQL plans), or an idle session's simple query that did not parse."""
    return stage in ("PARSE", "BIND") or stage.startswith("idle")


def _entries(text: str) -> Iterator[re.Match[str]]:
    """Log entries (a prefixed line and its tab-indented continuation lines); other lines are skipped."""
    lines: list[str] = []
    for line in text.split("\n"):
        if lines and line.startswith("\t"):
            lines.append(line[1:])
            continue
        if lines and (entry := _ENTRY.fullmatch("\n".join(lines))):
            yield entry
        lines = [line] if _ENTRY.fullmatch(line) else []
    if lines and (entry := _ENTRY.fullmatch("\n".join(lines))):
        yield entry
