"""Checks on one cluster before any write: where the session is, how the server folds names, which targets
and sources exist, and whether the user holds every privilege the rows and the state table need.

A fixed number of queries per cluster, whatever the number of rows: one catalog query for every table
named (with every column's type, which ``layout`` checks source against target), one for the kind of every target
(``refusals``: a view is not loaded), one privilege query, and (first
use of the state table, or truncate mode) one more look-up; rows that create their targets add one look-up per
target schema, and tables not found two (``missing_tables``: what is near them).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import ConfigError, GlueELTError, ObjectNotFoundError, ValidationError
from glue_elt.redshift import catalog, privileges
from glue_elt.redshift.batch import BatchExecutor
from glue_elt.redshift.catalog import ClusterFacts, Column, TableKey
from glue_elt.redshift.ddl import create_schema
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.nearby import look_around
from glue_elt.redshift.privileges import Need
from glue_elt.redshift.state import RunLedger, StateTable, resolve_state_table
from glue_elt.steps.redshift_cross_account_migration import refusals
from glue_elt.steps.redshift_cross_account_migration.chunk_store import ChunkPlans, chunk_plans_name
from glue_elt.steps.redshift_cross_account_migration.layout import Layout, lay_out, shown
from glue_elt.steps.redshift_cross_account_migration.missing_tables import missing_table
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan, OverwriteMode
from glue_elt.steps.redshift_cross_account_migration.needs import row_needs, state_needs, truncates
from glue_elt.steps.redshift_cross_account_migration.sql import reads_once

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InspectOptions:
    """Run-wide settings the checks depend on. ``temporary_tables``: the loads are batches, which keep the
    target's count in a temporary table, so TEMP on the database and SELECT on every target are needed.
    ``verify_counts``, ``verify_content``: with them, a filtered row copies its filtered source (``sql.reads_once``)."""

    overwrite_mode: OverwriteMode = OverwriteMode.DELETE
    temporary_tables: bool = False
    create_missing: bool = False
    allow_narrowing: bool = False
    verify_counts: bool = False
    verify_content: bool = False
    dry_run: bool = False
    """A dry run: what a load would do is said in the conditional (``would be created``)."""


@dataclass(frozen=True)
class ClusterView:
    """What the checks learnt about one cluster: its facts, the columns of every table found, and whether
    the state table (or at least its schema) exists."""

    facts: ClusterFacts
    columns: Mapping[TableKey, list[Column]]
    state: StateTable
    state_exists: bool
    state_schema_exists: bool
    plans_exist: bool = False
    """Whether the chunk plan table beside the state table exists (``chunk_store``)."""


@dataclass(frozen=True)
class Inspection:
    """The cluster's view, the rows that passed (their names resolved as the server resolves them) with their
    layouts, why the others failed, and the target schemas that must be created for rows that create tables."""

    view: ClusterView
    plans: dict[int, MigrationPlan]
    failures: dict[int, GlueELTError] = field(default_factory=dict)
    layouts: dict[int, Layout] = field(default_factory=dict)
    missing_schemas: frozenset[str] = frozenset()


def inspect_cluster(
    executor: Executor,
    secret_name: str,
    facts: ClusterFacts,
    plans: Mapping[int, MigrationPlan],
    state: StateTable,
    options: InspectOptions,
) -> Inspection:
    """Check every row of one secret against its cluster; raises only for what fails them all."""
    state = resolve_state_table(state, facts)
    failures: dict[int, GlueELTError] = {}
    resolved: dict[int, MigrationPlan] = {}
    bookkeeping = refusals.bookkeeping_tables(state, facts)
    for index, plan in plans.items():
        plan = plan.folded() if facts.folds_identifiers else plan
        problem = refusals.self_copy(plan, facts) or refusals.bookkeeping(plan, facts, bookkeeping)
        if plan.target.database not in (None, facts.database):
            problem = (
                f"target_table {plan.row.target_table} is in database {plan.target.database}, but the secret "
                f"connects to database {facts.database}: other databases (data shares) are read-only"
            )
        if problem is None:
            resolved[index] = plan
        else:
            failures[index] = ValidationError(problem)
    state_key = facts.key(state.name)
    plans_key = _plans_key(facts, state)
    wanted = {state_key, *(facts.key(name) for p in resolved.values() for name in (p.target, p.source))}
    wanted |= {plans_key} if plans_key is not None else set()
    columns = catalog.table_columns(executor, secret_name, wanted)
    types = catalog.table_types(executor, secret_name, {facts.key(p.target) for p in resolved.values()})
    for index, plan in list(resolved.items()):
        problem = refusals.not_a_table(plan, facts, types)
        if problem is not None:
            failures[index] = ValidationError(problem)
            del resolved[index]
    state_exists = state_key in columns
    schema_exists = state_exists or catalog.schema_exists(executor, secret_name, facts.database, state.name.schema)
    view = ClusterView(facts, columns, state, state_exists, schema_exists, plans_key in columns)
    absent = {key for p in resolved.values() for key in (facts.key(p.target), facts.key(p.source))} - set(columns)
    similar = [] if facts.folds_identifiers or not absent else catalog.similar_tables(executor, secret_name, absent)
    near = look_around(executor, secret_name, absent)
    for index, plan in list(resolved.items()):
        problem = missing_table(facts, set(columns), plan, near, similar, options.create_missing)
        if problem is not None:
            failures[index] = ObjectNotFoundError(problem)
            del resolved[index]
    layouts = _lay_out(resolved, view, failures, options)
    creating = {plan.target.schema for index, plan in resolved.items() if layouts[index].create is not None}
    missing_schemas = frozenset(
        schema
        for schema in sorted(creating)
        if not catalog.schema_exists(executor, secret_name, facts.database, schema)
    )
    _check_privileges(executor, secret_name, view, resolved, failures, options, layouts, missing_schemas)
    return Inspection(view, resolved, failures, {i: layouts[i] for i in resolved}, missing_schemas)


def _plans_key(facts: ClusterFacts, state: StateTable) -> TableKey | None:
    """The chunk plan table's catalog key (``None``: its name would be too long; no run could have made it)."""
    try:
        return facts.key(chunk_plans_name(state.name))
    except ConfigError:
        return None


def _lay_out(
    plans: dict[int, MigrationPlan], view: ClusterView, failures: dict[int, GlueELTError], options: InspectOptions
) -> dict[int, Layout]:
    """Each row's layout; rows whose columns do not fit fail (their plans are removed), warnings are logged."""
    layouts: dict[int, Layout] = {}
    created = "would be created (dry run)" if options.dry_run else "is created"
    for index, plan in list(plans.items()):
        try:
            layout = lay_out(plan, view.facts, view.columns, allow_narrowing=options.allow_narrowing)
        except ValidationError as error:
            failures[index] = error
            del plans[index]
            continue
        for warning in layout.columns.warnings:
            logger.warning("%s: %s", plan.row.label, warning)
        if layout.create is not None:
            logger.info("%s: the target does not exist and %s; %s", plan.row.label, created, layout.create.keys)
        layouts[index] = layout
    return layouts


def _check_privileges(
    executor: Executor,
    secret_name: str,
    view: ClusterView,
    plans: dict[int, MigrationPlan],
    failures: dict[int, GlueELTError],
    options: InspectOptions,
    layouts: Mapping[int, Layout],
    missing_schemas: frozenset[str],
) -> None:
    """One query for every privilege the rows and the state table need; rows lacking one fail."""
    facts, mode = view.facts, options.overwrite_mode
    state = state_needs(view)
    temp = Need("TEMP", "database", facts.database, facts.database)
    row_needs_of = {
        index: row_needs(
            plan,
            facts,
            mode,
            options.temporary_tables,
            creates_in=_creates_in(plan, layouts[index], missing_schemas),
            copies=not options.temporary_tables and _copies(plan, layouts[index], options),
        )
        for index, plan in plans.items()
    }
    temporary = [temp] if options.temporary_tables else []
    needs = [*state, *temporary, *(need for row in row_needs_of.values() for need in row)]
    lacking = privileges.missing(executor, secret_name, needs) if needs else set()
    if temp in lacking and options.temporary_tables:
        raise GlueELTError(
            f"{privileges.describe([temp], facts.user)}: --executor data_api keeps each row's count in a temporary "
            f"table (GRANT TEMP ON DATABASE {facts.database} TO {facts.user}, or use --executor driver)"
        )
    state_lacks = [need for need in state if need in lacking]
    if state_lacks:
        raise GlueELTError(
            f"state table {view.state.name.sql()} cannot be used: {privileges.describe(state_lacks, facts.user)}"
        )
    truncating = [i for i, p in plans.items() if truncates(p, mode) and layouts[i].create is None]
    owned: set[tuple[str, str]] = set()
    if truncating and not facts.superuser:
        owned = catalog.owned_tables(executor, secret_name, {plans[i].target.schema for i in truncating})
    for index, plan in list(plans.items()):
        lacks = [need for need in row_needs_of[index] if need in lacking]
        problems = [privileges.describe(lacks, facts.user)] if lacks else []
        if index in truncating and not facts.superuser and (plan.target.schema, plan.target.table) not in owned:
            problems.append(
                f"--overwrite_mode truncate needs user {facts.user} to own {shown(plan.target)} or be a "
                "superuser (a TRUNCATE grant cannot be confirmed before running; use --overwrite_mode delete)"
            )
        if problems:
            failures[index] = ValidationError("; ".join(problems))
            del plans[index]


def _copies(plan: MigrationPlan, layout: Layout, options: InspectOptions) -> bool:
    """Whether the row's load reads its filtered source once into a temporary table (a created target is emptied
    with a DELETE, whatever the overwrite mode)."""
    mode = OverwriteMode.DELETE if layout.create is not None else options.overwrite_mode
    return reads_once(plan, mode, options.verify_counts, options.verify_content)


def _creates_in(plan: MigrationPlan, layout: Layout, missing_schemas: frozenset[str]) -> str | None:
    """Where the row creates its target: in its ``schema``, in a schema the run creates (``database``), or not."""
    if layout.create is None:
        return None
    return "database" if plan.target.schema in missing_schemas else "schema"


class ClusterChecks:
    """Each cluster's facts (read once per run) and the checks of its rows, retried on transient errors."""

    def __init__(self, executor: Executor, retry: RetryPolicy, state: StateTable, options: InspectOptions) -> None:
        self._executor = executor
        self._retry = retry
        self._state = state
        self._options = options
        self._facts: dict[str, ClusterFacts] = {}
        self._views: dict[str, ClusterView] = {}

    def facts(self, secret_name: str) -> ClusterFacts:
        """Database, user and identifier folding of ``secret_name``'s session."""
        if secret_name not in self._facts:
            read = functools.partial(catalog.cluster_facts, self._executor, secret_name)
            self._facts[secret_name] = self._retry.call(secret_name, read)
        return self._facts[secret_name]

    def inspect(self, secret_name: str, plans: Mapping[int, MigrationPlan]) -> Inspection:
        """Check ``plans`` (all of one secret) before any write; rows that fail are in ``failures``."""

        def check() -> Inspection:
            facts = self.facts(secret_name)
            options = replace(self._options, temporary_tables=isinstance(self._executor, BatchExecutor))
            return inspect_cluster(self._executor, secret_name, facts, plans, self._state, options)

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

    def open_chunk_plans(self, secret_name: str, plans: ChunkPlans) -> None:
        """Read the run id's chunk plans on ``secret_name``'s cluster, when ``inspect`` found the plan table."""
        view = self._views[secret_name]
        state, facts, exists = view.state.name, view.facts, view.plans_exist
        self._retry.call(secret_name, lambda: plans.open(secret_name, state, facts, exists=exists))

    def create_schemas(self, secret_name: str, schemas: Iterable[str]) -> None:
        """Create the target schemas that rows creating their targets need (each in a statement of its own: a
        schema left empty by failed loads is harmless, and concurrent rows would otherwise race to create it)."""
        for schema in sorted(set(schemas)):
            statement = create_schema(schema)
            self._retry.call(f"schema {schema}", functools.partial(self._executor.execute, secret_name, statement))
            logger.info("created schema %s", schema)
