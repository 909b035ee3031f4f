"""``LineageRun`` records made into the official client's ``RunEvent`` objects; imported only on the lineage thread
(``glue_elt.observability.lineage``), so a run never imports ``openlineage`` itself.

The classes are the client's v2 modules, ``openlineage.client.event_v2`` and ``openlineage.client.facet_v2``
(OpenLineage Python client documentation), which both the release pinned for Python 3.9 (1.45) and the current
ones ship; the older ``openlineage.client.facet`` / ``run`` modules are deprecated there. Facets, as OpenLineage's
spec defines them (``spec/facets``):

- job: ``sql`` (``SQLJobFacet``: the statements, dialect ``redshift``), ``jobType`` (BATCH, integration GLUE);
- run: ``parent`` (``ParentRunFacet``: the AWS Glue job run), and on FAIL ``errorMessage``;
- datasets: ``schema`` (``SchemaDatasetFacet``: columns and types as Redshift's catalog shows them); outputs:
  ``outputStatistics`` (``OutputStatisticsOutputDatasetFacet``: ``rowCount``, the rows inserted).

The SQL passes through ``mask_sql`` (a literal after ``PASSWORD``, ``ACCESS_KEY_ID`` ... in any statement) and, with the
error message, through ``redact`` once more here: no secret literal and no registered secret value leaves in an event.
"""

from __future__ import annotations

from importlib import metadata
from typing import TYPE_CHECKING, Any

from glue_elt.core.redaction import redact
from glue_elt.observability.lineage import DatasetRef, Emission, ParentRef
from glue_elt.redshift.sql_secrets import mask_sql

if TYPE_CHECKING:
    from openlineage.client.event_v2 import RunEvent

PRODUCER_BASE = "https://pypi.org/project/glue-elt/"
INTEGRATION = "GLUE"


def producer() -> str:
    """The URI that names glue-elt, with its version, as every event's and facet's ``producer``."""
    try:
        return f"{PRODUCER_BASE}{metadata.version('glue-elt')}/"
    except metadata.PackageNotFoundError:
        return PRODUCER_BASE


def run_event(emission: Emission, namespace: str, parent: ParentRef | None) -> RunEvent:
    """The client's event for ``emission``; its job is in ``namespace``, its run under ``parent`` when known."""
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import error_message_run, job_type_job, parent_run, sql_job

    by = producer()
    run = emission.run
    run_facets: dict[str, Any] = {}
    if parent is not None:
        run_facets["parent"] = parent_run.ParentRunFacet(
            run=parent_run.Run(runId=parent.run_id),
            job=parent_run.Job(namespace=parent.namespace, name=parent.name),
            producer=by,
        )
    if emission.error is not None:
        run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=redact(emission.error), programmingLanguage="PYTHON", producer=by
        )
    job_facets: dict[str, Any] = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration=INTEGRATION, jobType="TASK", producer=by
        )
    }
    if run.sql:
        job_facets["sql"] = sql_job.SQLJobFacet(query=redact(mask_sql(run.sql).text), dialect="redshift", producer=by)
    return RunEvent(
        eventType=RunState[emission.state],
        eventTime=emission.time,
        run=Run(runId=run.run_id, facets=run_facets),
        job=Job(namespace=namespace, name=run.job, facets=job_facets),
        inputs=[_input(dataset, by) for dataset in run.inputs],
        outputs=[_output(dataset, by) for dataset in run.outputs],
        producer=by,
    )


def _dataset_facets(dataset: DatasetRef, by: str) -> dict[str, Any]:
    from openlineage.client.facet_v2 import schema_dataset

    if not dataset.fields:
        return {}
    fields = [schema_dataset.SchemaDatasetFacetFields(name=name, type=kind) for name, kind in dataset.fields]
    return {"schema": schema_dataset.SchemaDatasetFacet(fields=fields, producer=by)}


def _input(dataset: DatasetRef, by: str) -> Any:
    from openlineage.client.event_v2 import InputDataset

    return InputDataset(namespace=dataset.namespace, name=dataset.name, facets=_dataset_facets(dataset, by))


def _output(dataset: DatasetRef, by: str) -> Any:
    from openlineage.client.event_v2 import OutputDataset
    from openlineage.client.facet_v2 import output_statistics_output_dataset as statistics

    facets: dict[str, Any] = {}
    if dataset.row_count is not None:
        facets["outputStatistics"] = statistics.OutputStatisticsOutputDatasetFacet(
            rowCount=dataset.row_count, producer=by
        )
    return OutputDataset(
        namespace=dataset.namespace, name=dataset.name, facets=_dataset_facets(dataset, by), outputFacets=facets
    )
