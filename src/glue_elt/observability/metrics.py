"""A run's figures as Amazon CloudWatch metrics (``--metrics_namespace``): ``metric_data`` builds them (pure),
``publish`` sends them with one ``PutMetricData`` call, best effort.

Why this way:

- ``PutMetricData`` through boto3 (already a dependency), not an agent or log-based metrics: one call at the end of
  a run works wherever a step runs (a Glue Python shell or Spark job, a container, a laptop), and IAM can limit the
  job role to its own namespace with the ``cloudwatch:namespace`` condition key (Amazon CloudWatch User Guide,
  "Using condition keys to limit access to CloudWatch namespaces":
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html; the action
  has no resource type, so the resource is ``*``: Service Authorization Reference, Amazon CloudWatch).
- Best effort: the figures describe a run that is over. Failing to publish them (no permission, throttled, no
  endpoint) must not turn a good run into a failed one, nor hold the job: it is one warning naming the namespace
  and the error code, and the client waits 2 s to connect and 5 s for a reply, with one retry (``CLIENT_OPTIONS``;
  botocore's defaults are 60 s each, and more attempts), so a dead endpoint costs seconds, not minutes.
- One set of dimensions, ``Step`` and ``JobName``: CloudWatch treats every combination of dimensions as a metric of
  its own, so every datum carries both and an alarm names both (``JobName`` is ``unnamed`` outside Glue unless
  ``--JOB_NAME`` is given).
- Limits (botocore's ``cloudwatch`` model): a dimension value is 1 to 1024 characters, at most 30 dimensions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from glue_elt.aws.clients import AwsClients
from glue_elt.aws.errors import error_code
from glue_elt.core.redaction import redact

logger = logging.getLogger(__name__)

COUNT = "Count"
SECONDS = "Seconds"
UNNAMED_JOB = "unnamed"
"""The ``JobName`` dimension of a run started without ``--JOB_NAME`` (Glue always passes it)."""
DIMENSION_VALUE_MAX = 1024
CLIENT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 2,
    "read_timeout": 5,
    "retries": {"total_max_attempts": 2, "mode": "standard"},
}
"""The CloudWatch client's ``botocore.config.Config``: short timeouts, two attempts in all (``total_max_attempts``
counts the first; botocore's ``max_attempts`` would count retries only)."""


@dataclass(frozen=True)
class Figure:
    """One figure of a run: a metric name, its value and its CloudWatch unit (``Count`` or ``Seconds``)."""

    name: str
    value: float
    unit: str = COUNT


def dimensions(step: str, job_name: str | None) -> dict[str, str]:
    """The dimensions of every datum: ``Step`` (the step's short name) and ``JobName`` (``unnamed`` when absent)."""
    job = (job_name or "").strip() or UNNAMED_JOB
    return {"Step": step[:DIMENSION_VALUE_MAX], "JobName": job[:DIMENSION_VALUE_MAX]}


def metric_data(figures: Iterable[Figure], dims: Mapping[str, str], timestamp: datetime) -> list[dict[str, Any]]:
    """``PutMetricData``'s ``MetricData``: one datum per figure, each with every dimension and the same timestamp."""
    listed = [{"Name": name, "Value": value} for name, value in dims.items()]
    return [
        {
            "MetricName": figure.name,
            "Dimensions": [dict(d) for d in listed],
            "Timestamp": timestamp,
            "Value": float(figure.value),
            "Unit": figure.unit,
        }
        for figure in figures
    ]


def cloudwatch_client(clients: AwsClients | None = None) -> Any:
    """A CloudWatch client of the job's own identity (``AwsClients``: region, credentials and endpoint from boto3's
    standard configuration, ``AWS_ENDPOINT_URL_CLOUDWATCH`` included), with ``CLIENT_OPTIONS``."""
    from botocore.config import Config

    return (clients or AwsClients()).client("cloudwatch", Config(**CLIENT_OPTIONS))


def publish(namespace: str, data: list[dict[str, Any]], client: Any = None, clients: AwsClients | None = None) -> bool:
    """Send ``data`` to ``namespace`` with one ``PutMetricData`` call (``client``, or ``cloudwatch_client(clients)``).

    Returns whether it was published. Never raises: a failure, making the client included, is logged as one warning
    naming the namespace and the error code.
    """
    if not data:
        return False
    try:
        (client or cloudwatch_client(clients)).put_metric_data(Namespace=namespace, MetricData=data)
    except Exception as error:  # best effort: whatever went wrong, the run's outcome stands
        logger.warning(
            "metrics not published to CloudWatch namespace %r: %s (the run's outcome is unchanged)",
            namespace,
            redact(error_code(error)),
        )
        return False
    names = ", ".join(str(datum["MetricName"]) for datum in data)
    shown = ", ".join(f"{d['Name']}={d['Value']}" for d in data[0]["Dimensions"])
    logger.info("published %d metric(s) to CloudWatch namespace %r (%s): %s", len(data), namespace, shown, names)
    return True
