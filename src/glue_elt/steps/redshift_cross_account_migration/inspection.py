"""Checks on one cluster before any write: where the session is, how the server folds names, which targets
and sources exist, and whether the user holds every privilege the rows and the state table need.

A fixed number of queries per cluster, whatever the number of rows: one catalog query for every table
named, one privilege query, and (first use of the state table, or truncate mode) one more look-up.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import GlueELTError, ObjectNotFoundError, ValidationError
from glue_elt.redshift import catalog, privileges
from glue_elt.redshift.batch import BatchExecutor
from glue_elt.redshift.catalog import ClusterFacts, TableKey
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.names import Identifier, TableName, display_identifier, fold_case
from glue_elt.redshift.privileges import Need, table_need
from glue_elt.redshift.state import RunLedger, StateTable, resolve_state_table
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationPlan, OverwriteMode


@dataclass(frozen=True)
class ClusterView:
    """What the checks learnt about one cluster: its facts, the columns of every table found, and whether
    the state table (or at least its schema) exists."""

    facts: ClusterFacts
    columns: Mapping[TableKey, list[str]]
    state: StateTable
    state_exists: bool
    state_schema_exists: bool


@dataclass(frozen=True)
class Inspection:
    """The cluster's view, the rows that passed (their names resolved as the server resolves them) and why
    the others failed."""

    view: ClusterView
    plans: dict[int, MigrationPlan]
    failures: dict[int, GlueELTError] = field(default_factory=dict)


def inspect_cluster(
    executor: Executor,
    secret_name: str,
    facts: ClusterFacts,
    plans: Mapping[int, MigrationPlan],
    state: StateTable,
    overwrite_mode: OverwriteMode,
    *,
    temporary_tables: bool = False,
) -> Inspection:
    """Check every row of one secret against its cluster; raises only for what fails them all.

    ``temporary_tables``: the loads are batches, which keep the target's count in a temporary table, so TEMP on
    the database and SELECT on every target are needed."""
    state = resolve_state_table(state, facts)
    failures: dict[int, GlueELTError] = {}
    resolved: dict[int, MigrationPlan] = {}
    for index, plan in plans.items():
        plan = plan.folded() if facts.folds_identifiers else plan
        if plan.target.database not in (None, facts.database):
            failures[index] = ValidationError(
                f"target_table {plan.row.target_table} is in database {plan.target.database}, but the secret "
                f"connects to database {facts.database}: other databases (data shares) are read-only"
            )
        else:
            resolved[index] = plan
    state_key = facts.key(state.name)
    wanted = {state_key, *(facts.key(name) for p in resolved.values() for name in (p.target, p.source))}
    columns = catalog.table_columns(executor, secret_name, wanted)
    state_exists = state_key in columns
    schema_exists = state_exists or catalog.schema_exists(executor, secret_name, facts.database, state.name.schema)
    view = ClusterView(facts, columns, state, state_exists, schema_exists)
    absent = {key for p in resolved.values() for key in (facts.key(p.target), facts.key(p.source))} - set(columns)
    similar = [] if facts.folds_identifiers or not absent else catalog.similar_tables(executor, secret_name, absent)
    for index, plan in list(resolved.items()):
        problem = _missing_table(view, plan, similar)
        if problem is not None:
            failures[index] = ObjectNotFoundError(problem)
            del resolved[index]
    _check_privileges(executor, secret_name, view, resolved, failures, overwrite_mode, temporary_tables)
    return Inspection(view, resolved, failures)


def _missing_table(view: ClusterView, plan: MigrationPlan, similar: list[TableKey]) -> str | None:
    facts = view.facts
    if facts.key(plan.target) not in view.columns:
        return f"target table {_shown(plan.target)} does not exist or is not visible to user {facts.user}" + _case_hint(
            facts.key(plan.target), similar
        )
    if facts.key(plan.source) not in view.columns:
        return (
            f"source table {_shown(plan.source)} does not exist or user {facts.user} may not read it "
            "(for a data share: is its database created on this cluster and USAGE on it granted?)"
            + _case_hint(facts.key(plan.source), similar)
        )
    return None


def _case_hint(key: TableKey, similar: list[TableKey]) -> str:
    """A hint when the table exists with another case than the name given (the server keeps quoted case)."""
    folded = (key.database, fold_case(key.schema), fold_case(key.table))
    for other in similar:
        if (other.database, fold_case(other.schema), fold_case(other.table)) == folded:
            return f" (the server keeps the case of quoted names; {other} exists)"
    return ""


def _check_privileges(
    executor: Executor,
    secret_name: str,
    view: ClusterView,
    plans: dict[int, MigrationPlan],
    failures: dict[int, GlueELTError],
    overwrite_mode: OverwriteMode,
    temporary_tables: bool,
) -> None:
    """One query for every privilege the rows and the state table need; rows lacking one fail."""
    facts = view.facts
    state_needs = _state_needs(view)
    temp = Need("TEMP", "database", facts.database, facts.database)
    row_needs = {index: _row_needs(plan, facts, overwrite_mode, temporary_tables) for index, plan in plans.items()}
    needs = [*state_needs, *([temp] if temporary_tables else []), *(need for row in row_needs.values() for need in row)]
    lacking = privileges.missing(executor, secret_name, needs) if needs else set()
    if temporary_tables and temp in lacking:
        raise GlueELTError(
            f"{privileges.describe([temp], facts.user)}: --executor data_api keeps each row's count in a temporary "
            f"table (GRANT TEMP ON DATABASE {facts.database} TO {facts.user}, or use --executor driver)"
        )
    state_lacks = [need for need in state_needs if need in lacking]
    if state_lacks:
        raise GlueELTError(
            f"state table {view.state.name.sql()} cannot be used: {privileges.describe(state_lacks, facts.user)}"
        )
    truncating = [i for i, p in plans.items() if _truncates(p, overwrite_mode)]
    owned: set[tuple[str, str]] = set()
    if truncating and not facts.superuser:
        owned = catalog.owned_tables(executor, secret_name, {plans[i].target.schema for i in truncating})
    for index, plan in list(plans.items()):
        lacks = [need for need in row_needs[index] if need in lacking]
        problems = [privileges.describe(lacks, facts.user)] if lacks else []
        if index in truncating and not facts.superuser and (plan.target.schema, plan.target.table) not in owned:
            problems.append(
                f"--overwrite_mode truncate needs user {facts.user} to own {_shown(plan.target)} or be a "
                "superuser (a TRUNCATE grant cannot be confirmed before running; use --overwrite_mode delete)"
            )
        if problems:
            failures[index] = ValidationError("; ".join(problems))
            del plans[index]


def _truncates(plan: MigrationPlan, overwrite_mode: OverwriteMode) -> bool:
    return plan.load_type is LoadType.OVERWRITE and overwrite_mode is OverwriteMode.TRUNCATE


def _deletes(plan: MigrationPlan, overwrite_mode: OverwriteMode) -> bool:
    return plan.load_type is LoadType.UPSERT or (
        plan.load_type is LoadType.OVERWRITE and overwrite_mode is OverwriteMode.DELETE
    )


def reads_target(plan: MigrationPlan, overwrite_mode: OverwriteMode, batched: bool) -> bool:
    """Whether a statement of the row's load reads the target, so that SELECT on it is needed: any DELETE
    ("DELETE operations also require the SELECT permission, because they must reference table columns",
    dg/r_GRANT.html), the incremental load's ``MAX(watermark)`` of the target, truncate mode's check that the
    locked target is still empty, and a Data API batch (its ``COUNT(*)`` of the target, ``batch_load``). Only the
    driver's append just writes it. EXPLAIN is not documented to check privileges (dg/r_EXPLAIN.html), so the
    pre-flight asks."""
    truncating = plan.load_type is LoadType.OVERWRITE and overwrite_mode is OverwriteMode.TRUNCATE
    return batched or truncating or plan.load_type is LoadType.INCREMENTAL or _deletes(plan, overwrite_mode)


LOCK_NEED = "DELETE or UPDATE"
LOCK_WHY = " (every load locks its target first, and LOCK needs one of them)"
"""Redshift does not document what ``LOCK`` needs; PostgreSQL 8.0, its lineage, allows ACCESS EXCLUSIVE to a user
with UPDATE or DELETE on the table, and PostgreSQL 16 (the stand-in) to one with UPDATE, DELETE or TRUNCATE."""


def _row_needs(plan: MigrationPlan, facts: ClusterFacts, overwrite_mode: OverwriteMode, batched: bool) -> list[Need]:
    target = plan.target
    needs = [table_need("INSERT", target.schema, target.table)]
    if _deletes(plan, overwrite_mode):
        needs.append(table_need("DELETE", target.schema, target.table))
    else:
        needs.append(table_need(LOCK_NEED, target.schema, target.table, LOCK_WHY))
    if reads_target(plan, overwrite_mode, batched):
        needs.append(table_need("SELECT", target.schema, target.table))
    if plan.source.database in (None, facts.database):  # a share's tables: visibility in the catalog says it
        needs.append(table_need("SELECT", plan.source.schema, plan.source.table))
    return needs


def _state_needs(view: ClusterView) -> list[Need]:
    name = view.state.name
    if view.state_exists:
        return [table_need("SELECT", name.schema, name.table), table_need("INSERT", name.schema, name.table)]
    if view.state_schema_exists:
        return [Need("CREATE", "schema", name.schema, name.schema)]
    return [Need("CREATE", "database", view.facts.database, view.facts.database)]


def _shown(name: TableName) -> str:
    return ".".join(display_identifier(part.name) for part in name.parts)


class ClusterChecks:
    """Each cluster's facts (read once per run) and the checks of its rows, retried on transient errors."""

    def __init__(
        self, executor: Executor, retry: RetryPolicy, state: StateTable, overwrite_mode: OverwriteMode
    ) -> None:
        self._executor = executor
        self._retry = retry
        self._state = state
        self._overwrite_mode = overwrite_mode
        self._facts: dict[str, ClusterFacts] = {}
        self._views: dict[str, ClusterView] = {}

    def facts(self, secret_name: str) -> ClusterFacts:
        """Database, user and identifier folding of ``secret_name``'s session."""
        if secret_name not in self._facts:
            read = functools.partial(catalog.cluster_facts, self._executor, secret_name)
            self._facts[secret_name] = self._retry.call(secret_name, read)
        return self._facts[secret_name]

    def base_tables(self, secret_name: str, schema: Identifier) -> tuple[Identifier, list[str]]:
        """The schema as the server names it, and its base tables (schema mode)."""
        facts = self.facts(secret_name)
        resolved = schema.folded() if facts.folds_identifiers else schema
        read = functools.partial(catalog.base_tables, self._executor, secret_name, facts.database, resolved.name)
        return resolved, self._retry.call(f"catalog of {resolved.name}", read)

    def inspect(self, secret_name: str, plans: Mapping[int, MigrationPlan]) -> Inspection:
        """Check ``plans`` (all of one secret) before any write; rows that fail are in ``failures``."""

        def check() -> Inspection:
            facts = self.facts(secret_name)
            temporary = isinstance(self._executor, BatchExecutor)
            return inspect_cluster(
                self._executor, secret_name, facts, plans, self._state, self._overwrite_mode, temporary_tables=temporary
            )

        inspection = self._retry.call(secret_name, check)
        self._views[secret_name] = inspection.view
        return inspection

    def open_ledger(self, secret_name: str, ledger: RunLedger) -> None:
        """Open the run's ledger on ``secret_name``'s cluster with what ``inspect`` found of its state table."""
        view = self._views[secret_name]

        def open_ledger() -> None:
            exists, schema_exists = view.state_exists, view.state_schema_exists
            ledger.open(secret_name, view.state, view.facts.database, exists=exists, schema_exists=schema_exists)

        self._retry.call(secret_name, open_ledger)
