"""The phases of a run over its rows: prepare, pre-flight, state tables, then loads in parallel.

Rows that write the same target table run one after another in file order (two writers on one
Redshift table cause serializable-isolation failures); different tables run on up to ``max_parallel``
threads, each holding one connection at a time. The outcomes come back in file order whatever the
interleaving, so counts and the error file do not depend on it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from glue_elt.errors import GlueELTError
from glue_elt.migration.report import Progress
from glue_elt.migration.rows import MigrationRow, RowOutcome, RowStatus, row_keys
from glue_elt.migration.runner import PreparedRow, RowRunner, failed
from glue_elt.migration.validation import MigrationPlan, validate_row

logger = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


def target_groups(ready: dict[int, PreparedRow]) -> list[list[int]]:
    """Row indices grouped by target table, rows in file order, groups ordered by their first row."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index in sorted(ready):
        target = ready[index].plan.target
        groups.setdefault((target.schema, target.table), []).append(index)
    return list(groups.values())


class Orchestrator:
    """Runs every row of a run through a ``RowRunner`` with bounded parallelism."""

    def __init__(self, runner: RowRunner, max_parallel: int) -> None:
        self._runner = runner
        self._max_parallel = max_parallel

    def migrate(self, rows: list[MigrationRow], *, dry_run: bool = False) -> list[RowOutcome]:
        """One outcome per row, in file order. A dry run stops after the pre-flight: it writes nothing
        and reports each row's SQL with the server's verdict."""
        outcomes: dict[int, RowOutcome] = {}
        progress = Progress(len(rows), bar=False if dry_run else None)
        with progress.active(), ThreadPoolExecutor(self._max_parallel, thread_name_prefix="glue-elt") as pool:
            ready = self._prepare(rows, outcomes)
            self._preflight(pool, ready, outcomes)
            if dry_run:
                for index, prepared in ready.items():
                    outcomes[index] = RowOutcome(prepared.row, RowStatus.VALID, None, 0.0)
                    logger.info("%s would run:\n  %s", prepared.row.label, ";\n  ".join(prepared.sql.all_statements()))
                ready = {}
            else:
                self._prepare_state(ready, outcomes)
            logger.info("pre-flight: %d row(s) ready, %d refused before any write", len(ready), len(outcomes))
            for index in sorted(outcomes):
                progress.finished(outcomes[index])
            self._load(pool, ready, outcomes, progress)
        return [outcomes[index] for index in range(len(rows))]

    def _prepare(self, rows: list[MigrationRow], outcomes: dict[int, RowOutcome]) -> dict[int, PreparedRow]:
        """Validate every row, inspect each cluster once for its rows, then build the SQL of those that passed."""
        started = time.monotonic()
        by_secret: dict[str, dict[int, MigrationPlan]] = {}
        for index, row in enumerate(rows):
            try:
                plan = validate_row(row)
            except GlueELTError as error:
                outcomes[index] = failed(row, error, started)
            else:
                by_secret.setdefault(plan.row.secret_name, {})[index] = plan
        keys = row_keys(rows)
        ready: dict[int, PreparedRow] = {}
        for secret, plans in by_secret.items():
            try:
                inspection = self._runner.inspect(secret, plans)
            except GlueELTError as error:
                for index, plan in plans.items():
                    outcomes[index] = failed(plan.row, error, started)
                continue
            for index, problem in inspection.failures.items():
                check = GlueELTError(f"pre-flight check failed: {problem}")
                outcomes[index] = failed(plans[index].row, check, started)
            for index, plan in inspection.plans.items():
                try:
                    ready[index] = self._runner.prepare(plan, keys[index])
                except GlueELTError as error:
                    outcomes[index] = failed(plan.row, error, started)
        return ready

    def _preflight(
        self, pool: ThreadPoolExecutor, ready: dict[int, PreparedRow], outcomes: dict[int, RowOutcome]
    ) -> None:
        def check(index: int) -> tuple[int, RowOutcome | None]:
            started = time.monotonic()
            try:
                self._runner.preflight(ready[index])
            except GlueELTError as error:
                return index, failed(ready[index].row, GlueELTError(f"pre-flight check failed: {error}"), started)
            return index, None

        for index, outcome in self._map(pool, check, list(ready)):
            if outcome is not None:
                outcomes[index] = outcome
                del ready[index]

    def _prepare_state(self, ready: dict[int, PreparedRow], outcomes: dict[int, RowOutcome]) -> None:
        """Create the state table where missing and read the run's committed rows, once per secret, before
        any load (never concurrently)."""
        for secret in dict.fromkeys(prepared.row.secret_name for prepared in ready.values()):
            started = time.monotonic()
            try:
                self._runner.ensure_state_table(secret)
            except GlueELTError as error:
                problem = GlueELTError(f"state table unavailable: {error}")
                for index in [i for i, p in ready.items() if p.row.secret_name == secret]:
                    outcomes[index] = failed(ready.pop(index).row, problem, started)

    def _load(
        self,
        pool: ThreadPoolExecutor,
        ready: dict[int, PreparedRow],
        outcomes: dict[int, RowOutcome],
        progress: Progress,
    ) -> None:
        def load_group(indices: list[int]) -> list[tuple[int, RowOutcome]]:
            done = []
            for index in indices:
                outcome = self._runner.load(ready[index])
                progress.finished(outcome)
                done.append((index, outcome))
            return done

        groups = [sorted(ready)] if self._max_parallel == 1 else target_groups(ready)
        for group in self._map(pool, load_group, groups):
            outcomes.update(group)

    def _map(self, pool: ThreadPoolExecutor, action: Callable[[T], R], items: list[T]) -> list[R]:
        """``action`` over ``items``: inline when serial, else on the pool; results in item order."""
        if self._max_parallel == 1:
            return [action(item) for item in items]
        return list(pool.map(action, items))
