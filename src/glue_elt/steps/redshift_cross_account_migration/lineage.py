"""The migration step's OpenLineage events: a job per target table, ``redshift_cross_account_migration.<database>.
<schema>.<table>``, and a run of it for each row the load phase runs, START when its load begins and COMPLETE
(loaded, or skipped as committed before by this run id) or FAIL when it ends. A row refused before its load (invalid,
inspection, privileges, EXPLAIN, state table) is a run too: START and FAIL with the refusal as its error message, sent
before the loads begin, so a lineage backend sees it fail as it sees a failed load. Dry runs send nothing.

Each run's input is the row's source table, its output the target table, named by ``glue_elt.observability.
lineage_naming``: the target cluster's namespace comes from the row's secret (host, port, cluster identifier) and
the job's AWS region; the source's is ``--source_namespace`` (the producer cluster of the data share, which the
consumer cannot see), else the target's. Facets: the row's statements (SQL), both tables' columns (schema, from the
catalog the inspection read) and, for a row loaded now, the rows inserted (output statistics). A refused row has what
was known when it was refused: its statements and columns once prepared, its tables once its names were read (else
its job is named by its ``target_table`` as written, and it has no datasets).

A ``RowLineage`` is the orchestrator's ``RowObserver``: it is called from the loading threads, never raises (a
problem becomes the run's one lineage WARNING) and never waits (``Lineage`` only queues).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

from glue_elt.errors import GlueELTError
from glue_elt.observability.lineage import DatasetRef, Lineage, LineageRun, new_run_id
from glue_elt.observability.lineage_naming import aws_region, dataset_name, job_name, secret_specs, spec_namespace
from glue_elt.redshift.auth.spec import ConnectionSpec
from glue_elt.redshift.catalog import Column
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.names import TableName, parse_table_name
from glue_elt.steps.redshift_cross_account_migration.layout import shown
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan
from glue_elt.steps.redshift_cross_account_migration.results import RowOutcome, RowStatus
from glue_elt.steps.redshift_cross_account_migration.runner import PreparedRow

STEP = "redshift_cross_account_migration"


def row_lineage(lineage: Lineage, executor: Executor, source_namespace: str | None) -> RowLineage:
    """The observer for a run, reading each secret's target through ``executor`` (already read for the loads)."""
    return RowLineage(lineage, secret_specs(executor), aws_region, source_namespace)


def fields(columns: Sequence[Column]) -> tuple[tuple[str, str], ...]:
    """Columns as the schema facet lists them: name and the catalog's type."""
    return tuple((column.name, column.data_type) for column in columns)


class RowLineage:
    """Sends START when a row's load begins and COMPLETE or FAIL when it ends (see the module documentation)."""

    def __init__(
        self,
        lineage: Lineage,
        specs: Callable[[str], ConnectionSpec],
        region: Callable[[], str | None],
        source_namespace: str | None = None,
    ) -> None:
        self._lineage = lineage
        self._specs = specs
        self._region = functools.cache(region)
        self._source_namespace = source_namespace
        self._runs: dict[str, LineageRun] = {}
        self._lock = threading.Lock()

    def row_started(self, prepared: PreparedRow) -> None:
        """Queue the row's START event."""
        try:
            run = self.lineage_run(prepared)
        except Exception as error:  # a lineage problem never fails a row
            self._lineage.warn(f"{prepared.row.label}: {type(error).__name__}: {error}")
            return
        with self._lock:
            self._runs[prepared.key] = run
        self._lineage.start(run)

    def row_finished(self, prepared: PreparedRow, outcome: RowOutcome) -> None:
        """Queue the row's COMPLETE event (with the rows inserted when it loaded now) or FAIL event."""
        with self._lock:
            run = self._runs.pop(prepared.key, None)
        if run is None:
            return
        if outcome.status is RowStatus.FAILED:
            self._lineage.fail(run, outcome.error or "the row failed")
            return
        rows = outcome.rows_affected if outcome.status is RowStatus.SUCCEEDED else None
        self._lineage.complete(replace(run, outputs=tuple(replace(o, row_count=rows) for o in run.outputs)))

    def row_refused(self, outcome: RowOutcome, plan: MigrationPlan | None, prepared: PreparedRow | None) -> None:
        """Queue START and FAIL (the refusal as the error message) for a row refused before its load."""
        try:
            run = self.lineage_run(prepared) if prepared is not None else self.refused_run(outcome, plan)
        except Exception as error:  # a lineage problem never fails a row
            self._lineage.warn(f"{outcome.row.label}: {type(error).__name__}: {error}")
            return
        self._lineage.start(run)
        self._lineage.fail(run, outcome.error or "the row was refused before its load")

    def refused_run(self, outcome: RowOutcome, plan: MigrationPlan | None) -> LineageRun:
        """The run of a row refused before it was prepared: its tables when its names and secret could be read."""
        row = outcome.row
        try:
            source = plan.source if plan else parse_table_name(row.source_table, "source_table")
            target = plan.target if plan else parse_table_name(row.target_table, "target_table")
        except GlueELTError:  # names that cannot be read: the job is named by the target as written
            return LineageRun(job_name(STEP, row.target_table.strip() or row.label), new_run_id())
        try:
            spec = self._specs(row.secret_name)
        except Exception:  # the secret could not be read (perhaps why the row was refused): no datasets
            return LineageRun(job_name(STEP, shown(target)), new_run_id())
        target_namespace = spec_namespace(spec, self._region())
        inputs = (DatasetRef(self._source_namespace or target_namespace, _name(source, spec.database)),)
        output = _name(target, spec.database)
        return LineageRun(job_name(STEP, output), new_run_id(), inputs, (DatasetRef(target_namespace, output),))

    def lineage_run(self, prepared: PreparedRow) -> LineageRun:
        """The row's run: its job, source, target and statements."""
        spec = self._specs(prepared.row.secret_name)
        target_namespace = spec_namespace(spec, self._region())
        plan, layout, sql = prepared.plan, prepared.layout, prepared.sql
        target = _name(plan.target, spec.database)
        statements = [s for s in (sql.truncate, sql.create, sql.copy, *sql.statements) if s]
        source = DatasetRef(
            self._source_namespace or target_namespace,
            _name(plan.source, spec.database),
            fields(layout.source_columns) if layout else (),
        )
        output = DatasetRef(target_namespace, target, fields(layout.target_columns) if layout else ())
        return LineageRun(job_name(STEP, target), new_run_id(), (source,), (output,), ";\n".join(statements))


def _name(table: TableName, database: str) -> str:
    """A table's dataset name; a two-part name is in the secret's database."""
    return dataset_name(table.database or database, table.schema, table.table)
