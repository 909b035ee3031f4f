"""Privilege checks before any write: one query per cluster for every row's needs.

``HAS_TABLE_PRIVILEGE``, ``HAS_SCHEMA_PRIVILEGE`` and ``HAS_DATABASE_PRIVILEGE`` exist on Redshift and
PostgreSQL alike. On Redshift they are leader-node functions: they run in a ``SELECT`` without ``FROM``, never
beside a user table, and they cannot name an object of another database (a data share), so a share's tables
are checked by their presence in ``SVV_REDSHIFT_COLUMNS`` instead (it lists only what the user may access).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from glue_elt.errors import ExecutionError
from glue_elt.redshift.catalog import server_bool
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.names import quote_identifier

FUNCTIONS = {"table": "HAS_TABLE_PRIVILEGE", "schema": "HAS_SCHEMA_PRIVILEGE", "database": "HAS_DATABASE_PRIVILEGE"}
CHECKS_PER_QUERY = 400
"""Privileges tested by one query (a select list stays far below Redshift's 1,600 columns)."""


@dataclass(frozen=True)
class Need:
    """One privilege on one object: ``kind`` is ``table``, ``schema`` or ``database``; ``name`` is what the
    function takes (a table as quoted SQL text, which it parses; a schema or database by its plain name),
    ``label`` how messages show it."""

    privilege: str
    kind: str
    name: str
    label: str
    why: str = ""

    def alternatives(self) -> list[str]:
        """The privileges any one of which meets the need (``privilege`` may read ``DELETE or UPDATE``)."""
        return self.privilege.split(" or ")

    def expression(self) -> str:
        """The SQL test, with the object's name as a parameter (once per alternative) and the privilege as a
        constant."""
        tests = [f"{FUNCTIONS[self.kind]}(%s, '{privilege}')" for privilege in self.alternatives()]
        return tests[0] if len(tests) == 1 else "(" + " OR ".join(tests) + ")"


def table_need(privilege: str, schema: str, table: str, why: str = "") -> Need:
    """``privilege`` on the connected database's ``schema.table``; ``why`` is said when it is missing."""
    name = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    return Need(privilege, "table", name, f"{schema}.{table}", why)


def missing(executor: Executor, secret_name: str, needs: Sequence[Need]) -> set[Need]:
    """The needs the session's user lacks (each distinct need tested once)."""
    unique = list(dict.fromkeys(needs))
    lacking: set[Need] = set()
    for start in range(0, len(unique), CHECKS_PER_QUERY):
        chunk = unique[start : start + CHECKS_PER_QUERY]
        sql = "SELECT " + ", ".join(need.expression() for need in chunk)
        params = [need.name for need in chunk for _ in need.alternatives()]
        (row,) = executor.query(secret_name, sql, params)
        if len(row) != len(chunk):
            raise ExecutionError(f"the privilege query returned {len(row)} values for {len(chunk)} checks")
        lacking.update(need for need, granted in zip(chunk, row) if not server_bool(granted))
    return lacking


def describe(lacking: Sequence[Need], user: str) -> str:
    """``user etl lacks INSERT on analytics.orders, DELETE on analytics.orders``."""
    return f"user {user} lacks " + ", ".join(f"{n.privilege} on {n.kind} {n.label}{n.why}" for n in lacking)
