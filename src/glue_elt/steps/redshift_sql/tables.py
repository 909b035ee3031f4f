"""Which tables a script's statements create, write and read, parsed with sqlglot's Redshift dialect (for dry
runs, and the script's lineage).

A dry run EXPLAINs each statement on its own, before any of them ran, so a statement that uses a table an
earlier statement creates cannot be checked. These helpers find such tables, and (``flow``) the tables a statement
writes and those it reads; a statement sqlglot cannot parse creates, writes and uses nothing as far as they know.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from glue_elt.redshift.names import fold_case
from glue_elt.steps.redshift_sql.script import Statement

PARSED_KEYWORDS = frozenset({"CREATE", "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "("})


@dataclass(frozen=True)
class TableRef:
    """A table as a statement names it: schema (``""`` when unqualified) and table, as the server resolves them
    (unquoted names folded to lower case), the name as written, and the database of a three-part name (``""``
    otherwise)."""

    schema: str
    table: str
    written: str
    database: str = ""

    def matches(self, other: TableRef) -> bool:
        """Same table, when an unqualified name may be any schema's."""
        return self.table == other.table and (self.schema == other.schema or not self.schema or not other.schema)


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """sqlglot warns when it falls back to a generic command; that is no news for a dry run's log."""
    sqlglot_logger = logging.getLogger("sqlglot")
    level = sqlglot_logger.level
    sqlglot_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        sqlglot_logger.setLevel(level)


def _parse(statement: Statement) -> exp.Expr | None:
    if statement.keyword not in PARSED_KEYWORDS:
        return None
    try:
        with _quiet_sqlglot():
            return sqlglot.parse_one(statement.text, read="redshift")
    except SqlglotError:
        return None


def _ref(table: exp.Table) -> TableRef:
    def part(key: str) -> str:
        identifier = table.args.get(key)
        if not isinstance(identifier, exp.Identifier):
            return ""
        return identifier.name if identifier.quoted else fold_case(identifier.name)

    written = ".".join(p.sql(dialect="redshift") for p in table.parts)
    return TableRef(part("db"), part("this"), written, part("catalog"))


def _created(tree: exp.Expr | None) -> exp.Table | None:
    if isinstance(tree, exp.Create) and str(tree.args.get("kind", "")).upper() == "TABLE":
        return tree.find(exp.Table)
    into = tree.args.get("into") if isinstance(tree, exp.Select) else None
    if isinstance(into, exp.Into):
        return into.find(exp.Table)
    return None


def tables(statement: Statement) -> tuple[TableRef | None, list[TableRef]]:
    """The table a ``CREATE TABLE`` (also ``… AS``, ``LIKE``) or ``SELECT … INTO`` statement creates, and the
    tables the statement reads or writes besides it (not its WITH names), in order, once each."""
    tree = _parse(statement)
    if tree is None:
        return None, []
    created = _created(tree)
    ctes = {fold_case(cte.alias) for cte in tree.find_all(exp.CTE)}
    refs: list[TableRef] = []
    for table in tree.find_all(exp.Table):
        ref = _ref(table)
        if table is created or not ref.table or (not ref.schema and ref.table in ctes) or ref in refs:
            continue
        refs.append(ref)
    return (None if created is None else _ref(created)), refs


@dataclass(frozen=True)
class Flow:
    """The tables one statement writes (its INSERT, UPDATE, DELETE or MERGE target, or the table or view it
    creates) and reads, each once, in order; ``inserts``: the statement is an INSERT (its row count is rows
    written)."""

    writes: tuple[TableRef, ...] = ()
    reads: tuple[TableRef, ...] = ()
    inserts: bool = False


def _written(tree: exp.Expr) -> exp.Expr | None:
    created = _created(tree)
    if created is not None:
        return created
    if isinstance(tree, exp.Create):
        return tree.find(exp.Table)
    if isinstance(tree, (exp.Insert, exp.Update, exp.Delete, exp.Merge)) and isinstance(tree.this, exp.Expr):
        return tree.this.find(exp.Table)
    return None


def flow(statement: Statement) -> Flow:
    """The tables ``statement`` writes and reads (not its WITH names)."""
    tree = _parse(statement)
    if tree is None:
        return Flow()
    target = _written(tree)
    ctes = {fold_case(cte.alias) for cte in tree.find_all(exp.CTE)}
    writes: list[TableRef] = []
    reads: list[TableRef] = []
    for table in tree.find_all(exp.Table):
        ref = _ref(table)
        found = writes if table is target else reads
        if ref.table and (ref.schema or ref.table not in ctes) and ref not in found:
            found.append(ref)
    return Flow(tuple(writes), tuple(reads), isinstance(tree, exp.Insert))


def created_earlier(statements: tuple[Statement, ...]) -> dict[int, list[TableRef]]:
    """For each statement number, the tables it uses that an earlier statement of the script creates."""
    created: list[TableRef] = []
    found: dict[int, list[TableRef]] = {}
    for statement in statements:
        creates, uses = tables(statement)
        earlier = [ref for ref in uses if any(ref.matches(c) for c in created)]
        if earlier:
            found[statement.number] = earlier
        if creates is not None:
            created.append(creates)
    return found
