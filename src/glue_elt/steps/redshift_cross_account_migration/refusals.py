"""Tables a row may never load, refused before any write, whoever wrote the config (issue 31, items 1, 3 and 4).

- The source itself: an overwrite would delete the rows it then copies (and every load type reads what it writes).
  Names are compared as the server resolves them (``ClusterFacts.identity``: the connected database, identifier
  folding per ``enable_case_sensitive_identifier``, dg/r_names.html), not as written: ``shared_db.s.t`` is ``s.t``
  when ``shared_db`` is the connected database.
- glue-elt's own bookkeeping: the run's state table and its commit lock (``<state>_lock``), and the default ones the
  SQL step uses: a load locks its target and then reads the state table beside it (it would wait on itself), and an
  overwrite would erase the record of every run.
- Anything but a table as the target: ``SVV_REDSHIFT_TABLES.table_type`` is ``VIEW`` for views (late-binding and
  materialized ones too: they are views in the catalog), and Redshift cannot write through a view
  (docs/redshift-compatibility.md, "What a row may load").
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from glue_elt.errors import ConfigError
from glue_elt.redshift.catalog import BASE_TABLE_TYPES, ClusterFacts, TableKey
from glue_elt.redshift.state import DEFAULT_STATE_TABLE, StateTable, commit_lock_name
from glue_elt.steps.redshift_cross_account_migration.layout import shown
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan


def bookkeeping_tables(state: StateTable, facts: ClusterFacts) -> dict[TableKey, str]:
    """The state tables and commit locks no row may name, by catalog identity, each with what it is."""
    tables: dict[TableKey, str] = {}
    for name, what in ((StateTable.parse(DEFAULT_STATE_TABLE).name, "the default state table"), (state.name, "")):
        what = what or "the run's state table (--state_table)"
        tables[facts.identity(name)] = what
        with contextlib.suppress(ConfigError):  # a name too long for a lock table: no such table can exist
            tables[facts.identity(commit_lock_name(name))] = f"the commit lock of {what}"
    return tables


def self_copy(plan: MigrationPlan, facts: ClusterFacts) -> str | None:
    """Why the row's source and target are one table on this server, or ``None``."""
    if not facts.same_table(plan.source, plan.target):
        return None
    return (
        f"source_table {plan.row.source_table} and target_table {plan.row.target_table} are the same table "
        f"({facts.identity(plan.target)} on this server): a table cannot be loaded from itself"
    )


def bookkeeping(plan: MigrationPlan, facts: ClusterFacts, tables: Mapping[TableKey, str]) -> str | None:
    """Why the row names one of glue-elt's ``tables`` (``bookkeeping_tables``) as its target or source, or ``None``."""
    for field, name in (("target_table", plan.target), ("source_table", plan.source)):
        what = tables.get(facts.identity(name))
        if what is not None:
            return (
                f"{field} {shown(facts.resolve(name))} is {what}: glue-elt keeps the record of its runs there, and a "
                "load would wait on its own lock or erase that record; name another table"
            )
    return None


def not_a_table(plan: MigrationPlan, facts: ClusterFacts, types: Mapping[TableKey, str]) -> str | None:
    """Why the row's target is not a table the step can write (a view, an external table, ...), or ``None``."""
    kind = types.get(facts.identity(plan.target))
    if kind is None or kind in BASE_TABLE_TYPES:
        return None
    return (
        f"target_table {shown(facts.resolve(plan.target))} is not a table (SVV_REDSHIFT_TABLES.table_type {kind!r}): "
        "Redshift cannot load views (late-binding and materialized ones included) or external tables; name the table "
        "to load"
    )
