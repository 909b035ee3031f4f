"""The phases of a run over its rows: validate, inspect each cluster, pre-flight, open the state tables, then
load in parallel. Each phase returns the rows that passed and the outcomes of those that did not.

Rows that write the same target table run one after another in file order (they would wait for each other's
lock, and those that also read the table could fail with error 1023); different tables run on up to
``max_parallel`` threads, each holding one connection at a time (its start and heartbeats: ``heartbeat``). Once
the last row of a secret has finished (or none of its rows is left to load), ``release`` is told, so the executor
closes that secret's connections. The outcomes come back in file order whatever the interleaving, so counts and
the error file do not depend on it.

A stop (``glue_elt.core.stopping``) keeps every later statement from being sent, in every phase: the executor
refuses it. A row whose phase failed once the stop was requested is reported as cancelled, whatever the phase (a
chunked row with where it stood: ``resume``), and a phase that would only reach the server is not begun for the rows
left.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Protocol, TypeVar

from glue_elt.core.stopping import CANCELLED, StopRequest
from glue_elt.errors import ConfigError, GlueELTError, with_prefix
from glue_elt.redshift.state import RunLedger
from glue_elt.steps.redshift_cross_account_migration.chunked import ChunkedLoads
from glue_elt.steps.redshift_cross_account_migration.heartbeat import InFlight
from glue_elt.steps.redshift_cross_account_migration.inspection import ClusterChecks
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationPlan, MigrationRow, row_keys
from glue_elt.steps.redshift_cross_account_migration.report import Progress
from glue_elt.steps.redshift_cross_account_migration.results import RowOutcome, RowStatus
from glue_elt.steps.redshift_cross_account_migration.resume import cancelled_error
from glue_elt.steps.redshift_cross_account_migration.runner import PreparedRow, RowRunner, failed
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

logger = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
Ready = dict[int, PreparedRow]
Failures = dict[int, RowOutcome]


class RowObserver(Protocol):
    """Told of each row the load phase runs, from the thread that loads it (the step's lineage, say); it must
    neither raise nor wait."""

    def row_started(self, prepared: PreparedRow) -> None: ...
    def row_finished(self, prepared: PreparedRow, outcome: RowOutcome) -> None: ...
    def row_refused(self, outcome: RowOutcome, plan: MigrationPlan | None, prepared: PreparedRow | None) -> None: ...


class NoObserver:
    """Observes nothing."""

    def row_started(self, prepared: PreparedRow) -> None:
        """Nothing."""

    def row_finished(self, prepared: PreparedRow, outcome: RowOutcome) -> None:
        """Nothing."""

    def row_refused(self, outcome: RowOutcome, plan: MigrationPlan | None, prepared: PreparedRow | None) -> None:
        """Nothing."""


def target_groups(ready: Ready) -> list[list[int]]:
    """Row indices grouped by target table, rows in file order, groups ordered by their first row."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index in sorted(ready):
        target = ready[index].plan.target
        groups.setdefault((target.schema, target.table), []).append(index)
    return list(groups.values())


def unused_secrets(plans: dict[str, dict[int, MigrationPlan]], ready: Ready) -> list[str]:
    """The secrets of ``plans`` that no row of ``ready`` uses (all their rows were refused, or it is a dry run)."""
    used = {prepared.row.secret_name for prepared in ready.values()}
    return [secret for secret in plans if secret not in used]


def cancelled(row: MigrationRow, load_type: LoadType) -> RowOutcome:
    """The outcome of a row that a stop kept from starting."""
    return RowOutcome(row, RowStatus.FAILED, None, 0.0, CANCELLED, load_type)


class Orchestrator:
    """Runs every row of a run through the cluster checks and a ``RowRunner`` with bounded parallelism."""

    def __init__(
        self,
        checks: ClusterChecks,
        runner: RowRunner,
        ledger: RunLedger,
        max_parallel: int,
        stop: StopRequest | None = None,
        observer: RowObserver | None = None,
        release: Callable[[str], None] | None = None,
        chunked: ChunkedLoads | None = None,
        heartbeat_seconds: float | None = None,
    ) -> None:
        self._stop = stop or StopRequest()
        self._checks = checks
        self._runner = runner
        self._ledger = ledger
        self._max_parallel = max_parallel
        self._observer = observer or NoObserver()
        self._release = release or (lambda secret: None)
        self._chunked = chunked
        self._heartbeat_seconds = heartbeat_seconds
        self._missing_schemas: dict[str, frozenset[str]] = {}

    def migrate(self, rows: list[MigrationRow], *, dry_run: bool = False) -> list[RowOutcome]:
        """One outcome per row, in file order. A dry run stops after the pre-flight: it writes nothing
        and reports each row's SQL with the server's verdict."""
        progress = Progress(len(rows), bar=False if dry_run else None)
        with progress.active(), ThreadPoolExecutor(self._max_parallel, thread_name_prefix="glue-elt") as pool:
            plans, outcomes = self._validate(rows)
            ready, refused = self._inspect(plans, row_keys(rows))
            outcomes |= refused
            prepared_rows = dict(ready)
            ready, refused = self._unless_stopped(ready) or self._preflight(pool, ready)
            outcomes |= refused
            if dry_run:
                logger.info("pre-flight: %d row(s) would run, %d refused", len(ready), len(outcomes))
                for secret, schemas in self._schemas_to_create(ready).items():
                    logger.info("would create schema(s) %s (secret %s)", ", ".join(schemas), secret)
                for index, prepared in ready.items():
                    outcomes[index] = RowOutcome(
                        prepared.row, RowStatus.VALID, None, 0.0, load_type=prepared.plan.load_type
                    )
                    logger.info("%s would run:\n  %s", prepared.row.label, ";\n  ".join(prepared.sql.all_statements()))
                outcomes |= self._chunk_plans(ready)
                ready = {}
            else:
                ready, refused = self._unless_stopped(ready) or self._open_state(ready)
                outcomes |= refused
                logger.info("pre-flight: %d row(s) ready, %d refused before any write", len(ready), len(outcomes))
                by_index = {index: plan for secret_plans in plans.values() for index, plan in secret_plans.items()}
                for index in sorted(outcomes):  # each refused row is a failed run to lineage, as a failed load is
                    self._observer.row_refused(outcomes[index], by_index.get(index), prepared_rows.get(index))
            for index in sorted(outcomes):
                progress.finished(outcomes[index])
            for secret in unused_secrets(plans, ready):
                self._release(secret)  # none of its rows is left to load
            outcomes |= self._load(pool, ready, progress)
        return [outcomes[index] for index in range(len(rows))]

    def _validate(self, rows: list[MigrationRow]) -> tuple[dict[str, dict[int, MigrationPlan]], Failures]:
        """Valid rows' plans grouped by secret (file order kept), and the invalid rows' outcomes."""
        started = time.monotonic()
        by_secret: dict[str, dict[int, MigrationPlan]] = {}
        refused: Failures = {}
        for index, row in enumerate(rows):
            try:
                plan = validate_row(row)
            except GlueELTError as error:
                refused[index] = failed(row, error, started)
            else:
                by_secret.setdefault(plan.row.secret_name, {})[index] = plan
        return by_secret, refused

    def _inspect(self, by_secret: dict[str, dict[int, MigrationPlan]], keys: list[str]) -> tuple[Ready, Failures]:
        """Inspect each cluster once for its rows, then build the SQL of those that passed; a ``ConfigError`` (the
        state table in another database: ``resolve_state_table``, as the SQL step) stops the run before any row."""
        started = time.monotonic()
        ready: Ready = {}
        refused: Failures = {}
        for secret, plans in by_secret.items():
            try:
                inspection = self._checks.inspect(secret, plans)
            except ConfigError:
                raise  # a parameter the cluster cannot take (--state_table in another database): the run stops
            except GlueELTError as error:
                refused |= {i: self._failed(p.row, error, started, p.load_type) for i, p in plans.items()}
                continue
            for index, problem in inspection.failures.items():
                plan = plans[index]
                refused[index] = failed(
                    plan.row, with_prefix(problem, "pre-flight check failed: "), started, plan.load_type
                )
            self._missing_schemas[secret] = inspection.missing_schemas
            for index, plan in inspection.plans.items():
                try:
                    ready[index] = self._runner.prepare(plan, keys[index], inspection.layouts[index])
                except GlueELTError as error:
                    refused[index] = failed(plan.row, error, started, plan.load_type)
        return ready, refused

    def _preflight(self, pool: ThreadPoolExecutor, ready: Ready) -> tuple[Ready, Failures]:
        def check(index: int) -> tuple[int, RowOutcome | None]:
            started = time.monotonic()
            try:
                self._runner.preflight(ready[index])
            except GlueELTError as error:
                return index, self._failed(ready[index].row, error, started, ready[index].plan.load_type)
            return index, None

        refused = {index: outcome for index, outcome in self._map(pool, check, list(ready)) if outcome is not None}
        return {i: p for i, p in ready.items() if i not in refused}, refused

    def _schemas_to_create(self, ready: Ready) -> dict[str, list[str]]:
        """Per secret, the missing target schemas of the rows that create their targets and are still ready."""
        wanted: dict[str, set[str]] = {}
        for prepared in ready.values():
            secret, schema = prepared.row.secret_name, prepared.plan.target.schema
            if prepared.sql.create is not None and schema in self._missing_schemas.get(secret, frozenset()):
                wanted.setdefault(secret, set()).add(schema)
        return {secret: sorted(schemas) for secret, schemas in wanted.items()}

    def _open_state(self, ready: Ready) -> tuple[Ready, Failures]:
        """Create the state table where missing and read the run's committed rows, then create the target schemas
        that rows creating their targets need, once per secret, before any load (never concurrently)."""
        refused: Failures = {}
        schemas = self._schemas_to_create(ready)
        for secret in dict.fromkeys(prepared.row.secret_name for prepared in ready.values()):
            started = time.monotonic()
            try:
                self._checks.open_ledger(secret, self._ledger)
                if self._chunked is not None:
                    self._checks.open_chunk_plans(secret, self._chunked.plans)
                self._checks.create_schemas(secret, schemas.get(secret, []))
            except GlueELTError as error:
                problem = with_prefix(error, "state table unavailable: ")
                refused |= {
                    i: self._failed(p.row, problem, started, p.plan.load_type)
                    for i, p in ready.items()
                    if p.row.secret_name == secret
                }
        return {i: p for i, p in ready.items() if i not in refused}, refused

    def _chunk_plans(self, ready: Ready) -> Failures:
        """A dry run's chunk plans, logged (read-only queries); the rows whose chunk column cannot be used fail."""
        refused: Failures = {}
        chunked = self._chunked
        if chunked is None:
            return refused
        for index, prepared in sorted(ready.items()):
            started = time.monotonic()
            try:
                described = chunked.describe(prepared)
            except GlueELTError as error:
                refused[index] = self._failed(prepared.row, error, started, prepared.plan.load_type)
                continue
            if described is not None:
                logger.info("%s %s", prepared.row.label, described)
        return refused

    def _unless_stopped(self, ready: Ready) -> tuple[Ready, Failures] | None:
        """Every row of ``ready`` cancelled once a stop was requested (the next phase would send nothing), else
        ``None``."""
        if not self._stop.requested:
            return None
        return {}, {i: cancelled(p.row, p.plan.load_type) for i, p in ready.items()}

    def _failed(self, row: MigrationRow, error: GlueELTError, started: float, load_type: LoadType) -> RowOutcome:
        """The row's outcome for a phase's ``error``: cancelled once a stop was requested (the error is the
        executor's refusal, or a statement the stop ended), else failed."""
        return cancelled(row, load_type) if self._stop.requested else failed(row, error, started, load_type)

    def _load(self, pool: ThreadPoolExecutor, ready: Ready, progress: Progress) -> dict[int, RowOutcome]:
        left = Counter(prepared.row.secret_name for prepared in ready.values())
        lock = threading.Lock()
        load = self._runner.load if self._chunked is None else partial(self._chunked.load, observer=progress.chunks)
        in_flight = InFlight(self._heartbeat_seconds, progress.running)

        def finished(secret: str) -> None:
            with lock:
                left[secret] -= 1
                last = left[secret] == 0
            if last:
                self._release(secret)

        def load_group(indices: list[int]) -> list[tuple[int, RowOutcome]]:
            done = []
            for index in indices:
                prepared = ready[index]
                if self._stop.requested:  # no new row starts (and a row that never ran has no lineage)
                    outcome = cancelled(prepared.row, prepared.plan.load_type)
                else:
                    self._observer.row_started(prepared)
                    with in_flight.running(prepared):
                        outcome = load(prepared)
                    if outcome.status is RowStatus.FAILED and self._stop.requested:  # the stop ended it
                        outcome = replace(outcome, error=cancelled_error(outcome))
                    self._observer.row_finished(prepared, outcome)
                progress.finished(outcome)
                done.append((index, outcome))
                finished(prepared.row.secret_name)
            return done

        groups = [sorted(ready)] if self._max_parallel == 1 else target_groups(ready)
        return {index: outcome for group in self._map(pool, load_group, groups) for index, outcome in group}

    def _map(self, pool: ThreadPoolExecutor, action: Callable[[T], R], items: list[T]) -> list[R]:
        """``action`` over ``items``: inline when serial, else on the pool; results in item order."""
        if self._max_parallel == 1:
            return [action(item) for item in items]
        contexts = [contextvars.copy_context() for _ in items]  # each worker sees the run's tag
        return list(pool.map(lambda item, context: context.run(action, item), items, contexts))
