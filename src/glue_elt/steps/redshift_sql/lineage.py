"""The SQL step's OpenLineage events: one job per script, ``redshift_sql.<bucket>/<key>``, and one run of it per step
run, START before its first statement and COMPLETE (committed, or skipped as committed before by this run id) or
FAIL at the end. Dry runs send nothing.

Outputs are the tables the statements write (INSERT, UPDATE, DELETE, MERGE targets, tables and views created),
inputs the tables they read, found by ``glue_elt.steps.redshift_sql.tables.flow`` (sqlglot): a statement it cannot
parse, and Redshift temporary tables (``#name``), name none. All are on the secret's cluster (namespace by
``glue_elt.observability.lineage_naming``); a two-part name is in the secret's database, an unqualified one in
``public``. Facets: the script's statements (SQL, secrets masked) and, for an output the script's INSERTs wrote,
the rows they inserted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from glue_elt.observability.lineage import DatasetRef, LineageRun, new_run_id
from glue_elt.observability.lineage_naming import dataset_name, job_name
from glue_elt.steps.redshift_sql.outcomes import Outcome, Status
from glue_elt.steps.redshift_sql.script import Statement
from glue_elt.steps.redshift_sql.tables import TableRef, flow

STEP = "redshift_sql"


def script_run(statements: Sequence[Statement], location: str, namespace: str, database: str) -> LineageRun:
    """The run of the script at ``location`` (``s3://bucket/key``) on the cluster of ``namespace``; its SQL facet is
    the statements as logs show them (literals after ``PASSWORD``, ``CREDENTIALS`` ... masked; comments left out)."""
    reads: dict[str, DatasetRef] = {}
    writes: dict[str, DatasetRef] = {}
    for statement in statements:
        found = flow(statement)
        for refs, into in ((found.writes, writes), (found.reads, reads)):
            for ref in refs:
                if not ref.table.startswith("#"):
                    name = _name(ref, database)
                    into.setdefault(name, DatasetRef(namespace, name))
    subject = location.removeprefix("s3://")
    sql = "".join(f"{statement.shown};\n" for statement in statements)
    return LineageRun(job_name(STEP, subject), new_run_id(), tuple(reads.values()), tuple(writes.values()), sql)


def with_rows(run: LineageRun, outcomes: Iterable[Outcome], database: str) -> LineageRun:
    """``run`` with each output's rows inserted by the statements that succeeded now (outputs no INSERT wrote keep
    no count)."""
    rows: dict[str, int] = {}
    for outcome in outcomes:
        found = flow(outcome.statement)
        if outcome.status is Status.SUCCEEDED and found.inserts and outcome.rows is not None:
            for ref in found.writes:
                name = _name(ref, database)
                rows[name] = rows.get(name, 0) + outcome.rows
    outputs = tuple(DatasetRef(o.namespace, o.name, o.fields, rows.get(o.name)) for o in run.outputs)
    return LineageRun(run.job, run.run_id, run.inputs, outputs, run.sql)


def _name(ref: TableRef, database: str) -> str:
    return dataset_name(ref.database or database, ref.schema, ref.table)
