"""One client connection's rewriting state in the front door: the rules of ``local_stack.redshift_rules`` applied to
the wire messages of the simple (Query) and extended (Parse/Bind/Execute/Close) protocols and to the answers.

Why: the front door must judge a statement when it runs, not when it is prepared: a driver prepares a statement
once and executes it later, in whatever transaction is open then (``redshift_connector`` keeps prepared statements
and sends ``BEGIN`` as a statement of its own). So the session keeps each prepared statement's SQL and each
portal's statement, and follows the transaction: ``BEGIN`` makes it fresh, any statement but ``SET``/``RESET``/
``SHOW`` ends the freshness, a ReadyForQuery that is not ``T`` (in a transaction) ends the transaction
(PostgreSQL 16 documentation, "Message Flow" and "Message Formats").

A refused data-share read is never sent: in its place the server is asked about a prepared statement that does not
exist (``REFUSAL_STATEMENT``), so PostgreSQL itself raises an error, marks the transaction failed as Redshift's
refusal does, and skips the rest of the client's messages up to Sync; that error is then answered with Redshift's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from local_stack.front_door.wire import (
    Message,
    cstrings,
    describe_statement,
    error,
    error_fields,
    parse,
    query,
    read_parse,
)
from local_stack.redshift_rules import (
    SHARE_WRITE_REFUSED,
    missing_schema,
    missing_schema_error,
    opens_transaction,
    reads_share_only,
    stand_in_sql,
    statement_text,
)

REFUSAL_STATEMENT = "glue_elt_front_door_share_read_refused"
"""A prepared-statement name no client uses: PostgreSQL's error about it (26000) marks a refusal."""
_UNDEFINED_STATEMENT = "26000"
_BEGINS = ("BEGIN", "START TRANSACTION")

SchemaExists = Callable[[str, str], bool]
"""``(database, schema) -> bool``: whether the schema exists (asked only when PostgreSQL reports a relation
missing)."""


class Session:
    """The rewriting state of one client connection to ``database`` (see the module docstring).

    ``from_client`` runs on the thread that reads the client, ``from_server`` on the one that reads the server; a
    client that waits for ReadyForQuery before its next statement (every driver outside pipeline mode) sees them
    in order.
    """

    def __init__(self, database: str, schema_exists: SchemaExists) -> None:
        self.database = database
        self._schema_exists = schema_exists
        self._statements: dict[str, str] = {}  # prepared statement -> SQL as the client sent it
        self._portals: dict[str, str] = {}  # portal -> prepared statement
        self._lock = threading.Lock()
        self.fresh = False
        """In a transaction that has run nothing but ``BEGIN`` and settings yet."""

    def from_client(self, message: Message) -> Message:
        """What to send the server for a client's message."""
        kind, body = message.kind, message.body
        if kind == b"Q":
            sql = cstrings(body, 1)[0][0]
            if self._refuses(sql):
                return query(f"DEALLOCATE {REFUSAL_STATEMENT}")
            self._ran(sql, simple=True)
            rewritten = stand_in_sql(sql)
            return message if rewritten == sql else query(rewritten)
        if kind == b"P":
            name, sql, tail = read_parse(body)
            self._statements[name] = sql
            rewritten = stand_in_sql(sql)
            return message if rewritten == sql else parse(name, rewritten, tail)
        if kind == b"B":
            (portal, statement), _ = cstrings(body, 2)
            self._portals[portal] = statement
        elif kind == b"E":
            (portal,), _ = cstrings(body, 1)
            sql = self._statements.get(self._portals.get(portal, ""), "")
            if self._refuses(sql):
                return describe_statement(REFUSAL_STATEMENT)
            self._ran(sql, simple=False)
        elif kind == b"C" and body[:1] == b"S":
            self._statements.pop(cstrings(body[1:], 1)[0][0], None)
        return message

    def from_server(self, message: Message) -> Message:
        """What to send the client for a server's message."""
        if message.kind == b"Z":
            if message.body[:1] != b"T":
                with self._lock:
                    self.fresh = False
        elif message.kind == b"E":
            fields = error_fields(message.body)
            if fields.get("C") == _UNDEFINED_STATEMENT and REFUSAL_STATEMENT in fields.get("M", ""):
                return error(dict(SHARE_WRITE_REFUSED))
            schema = missing_schema(fields)
            if schema is not None and not self._schema_exists(self.database, schema):
                return error(missing_schema_error(schema))
        return message

    def _refuses(self, sql: str) -> bool:
        with self._lock:
            return self.fresh and opens_transaction(sql) and reads_share_only(sql)

    def _ran(self, sql: str, *, simple: bool) -> None:
        text = statement_text(sql)
        several = simple and ";" in text.rstrip().rstrip(";")  # a simple Query may hold several: not judged
        with self._lock:
            if text.startswith(_BEGINS) and not several:
                self.fresh = True
            elif several or opens_transaction(sql):
                self.fresh = False
