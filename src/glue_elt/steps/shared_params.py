"""Parameters that every step shares, declared once: name, help, typed default and parser, doc and example.

A step's settings take them as fields (``glue_elt.core.param_fields.setting``) and its ``PARAMETERS`` lists them;
the parsers that more than one step's parameters use are here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from glue_elt.aws.s3 import S3Uri, output_uri
from glue_elt.core.param_fields import params_of
from glue_elt.core.params import Param, boolean, integer, number, role_arn
from glue_elt.errors import ConfigError, ValidationError
from glue_elt.redshift.session import SessionSettings
from glue_elt.redshift.state import DEFAULT_STATE_TABLE, StateTable, check_run_id

PRINTABLE_ASCII = re.compile(r"[ -~]+")


def s3_uri(name: str, value: str) -> S3Uri:
    """``s3://bucket/key``."""
    return S3Uri.parse(value.strip(), what=f"--{name}")


def state_table(name: str, value: str) -> StateTable:
    """``schema.table`` or ``database.schema.table``."""
    try:
        return StateTable.parse(value.strip())
    except ValidationError as error:
        raise ConfigError(str(error)) from None


def http_url(name: str, value: str) -> str:
    """An ``http://`` or ``https://`` URL with a host."""
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--{name} must be an http:// or https:// URL, got {value!r}")
    return url


def output_path(filename: str) -> Callable[[str, str], str]:
    """A parser for an ``s3://`` key ending in ``.json``, or a prefix ending in ``/`` (then
    ``<prefix><run id>/<filename>``); anything else is a ``ConfigError`` when the parameters are read, before anything
    runs (``glue_elt.aws.s3.output_uri``)."""

    def parse(name: str, value: str) -> str:
        output_uri(value.strip(), "run-id", filename, what=f"--{name}")
        return value.strip()

    return parse


def metrics_namespace(name: str, value: str) -> str:
    """A CloudWatch namespace as PutMetricData takes it (botocore's ``cloudwatch`` model: 1 to 255 characters,
    pattern ``[^:].*``; its documentation: ASCII without control characters, and not ``AWS/...``, AWS's own)."""
    namespace = value.strip()
    if len(namespace) > 255 or not PRINTABLE_ASCII.fullmatch(namespace) or namespace.startswith((":", "AWS/")):
        raise ConfigError(
            f"--{name} must be a CloudWatch namespace (1 to 255 printable ASCII characters, not starting with ':' "
            f"or 'AWS/'), got {value!r}"
        )
    return namespace


SECRET_NAME: Param[str | None] = Param(
    "secret_name",
    "Secrets Manager secret (name or ARN) of the target cluster",
    doc="secret (name or full ARN) of the target cluster",
    example="redshift-secret",
)
"""The target cluster's secret: required by the SQL step, schema mode's in the migration step (``Param.qualified``)."""
DRY_RUN = Param(
    "dry_run",
    "check everything the run would do and write nothing (true/false)",
    False,
    boolean,
    doc=(
        "check everything the run would do and write nothing (no loads, no state table, no error "
        "file): the migration step validates and pre-flights every row and logs its SQL and "
        "verdict, the SQL step checks the split and the rule on statements that cannot run in a "
        "transaction and `EXPLAIN`s each statement EXPLAIN accepts; exit 1 if a check failed"
    ),
    example="true",
)
MAX_RETRIES = Param(
    "max_retries",
    "retries after a transient error (connection, Redshift error 1023/40001, deadlock)",
    3,
    integer(0, 20),
    doc=(
        "retries after a transient error (lost connection, server restart, serializable isolation "
        "error 1023 / SQLSTATE 40001, deadlock): of a row in the migration step, of the whole "
        "transaction in the SQL step (in autocommit mode: of the statement)"
    ),
    example="5",
)
RETRY_WAIT_SECONDS = Param(
    "retry_wait_seconds",
    "first retry wait; doubles each retry, with jitter",
    1.0,
    number(0, 60),
    doc=(
        "wait before the first retry; it doubles with each retry (at most 60 s), plus random jitter of up to this much"
    ),
    example="2",
)
STATE_TABLE = Param(
    "state_table",
    "table on the target cluster recording what each run id committed (created on first use)",
    StateTable.parse(DEFAULT_STATE_TABLE),
    state_table,
    doc=(
        "table on the target cluster recording what each run id committed (created on first use; "
        "both steps may share it)"
    ),
    example="ops.migration_state",
)
ASSUME_ROLE_ARN = Param(
    "assume_role_arn",
    "IAM role to assume (STS; renewed before its credentials expire) for reading the secrets and the Redshift APIs",
    None,
    role_arn,
    doc=(
        "role to assume for reading the secrets and for the Redshift calls "
        "(temporary credentials, host look-ups, the Data API; see [Connecting](connecting.md)), "
        "e.g. a role in the account that owns them; its credentials (one hour each) are renewed with another STS "
        "`AssumeRole` call when fewer than 15 minutes are left, so a run may last longer"
    ),
    example="arn:aws:iam::222233334444:role/secret-reader",
)
RUN_ID = Param(
    "run_id",
    "the run id that exactly-once is kept by: a re-run or a Glue retry with the same --run_id skips what committed",
    None,
    check_run_id,
    shown_default="--JOB_RUN_ID",
    default_help="the value of --JOB_RUN_ID",
    doc=(
        "the run id that exactly-once is kept by: a re-run, or a Glue retry (which gets a new "
        "`--JOB_RUN_ID`), with the same `--run_id` skips what committed: the migration step's rows,"
        " the SQL step's script (in autocommit mode: its statements); see "
        "[Guarantees](guarantees.md)"
    ),
    example="2026-11-29",
)
JOB_RUN_ID = Param(
    "JOB_RUN_ID",
    "Glue's id of this job run (set by Glue); generated when absent",
    None,
    check_run_id,
    shown_default="generated",
    default_help="an id generated for the run",
    doc=(
        "Glue's id of this job run (Glue sets it; a retry gets a new one); the run id when "
        "`--run_id` is absent; otherwise `YYYYmmddTHHMMSSZ-xxxxxxxx` is generated and logged"
    ),
    example="jr_0123abcd",
)
METRICS_NAMESPACE = Param(
    "metrics_namespace",
    "publish the run's figures to this Amazon CloudWatch namespace at its end (best effort)",
    None,
    metrics_namespace,
    doc=(
        "publish the run's figures (rows or statements succeeded, failed and skipped, rows inserted or affected, "
        "chunks committed, seconds) to this CloudWatch namespace with one `PutMetricData` call at the end of the "
        "run, dimensions `Step` and `JobName`; a dry run publishes nothing, and a failed publish is one warning, "
        "never a failed run; see [Operating](operating.md#metrics)"
    ),
    example="glue-elt",
)
JOB_NAME = Param(
    "JOB_NAME",
    "the Glue job's name (set by Glue): the JobName dimension of the metrics, the lineage's parent job",
    None,
    shown_default="unnamed",
    doc=(
        "the Glue job's name (Glue passes it); the `JobName` dimension of the metrics of `--metrics_namespace` "
        "(`unnamed` when absent: give it yourself outside Glue), and with `--JOB_RUN_ID` the parent run of the "
        "OpenLineage events"
    ),
    example="nightly-orders",
)
SUMMARY_OUTPUT_PATH = Param(
    "summary_output_path",
    "s3:// key ending in .json, or prefix ending in '/', for the run summary as JSON",
    None,
    output_path("summary.json"),
    doc=(
        "the run summary as JSON: an `s3://` key ending in `.json`, or a prefix ending in `/` (then "
        "`<prefix><run id>/summary.json`); it keeps the summaries earlier runs of the same run id wrote there "
        "(`earlier_runs`)"
    ),
    example="s3://b/runs/",
)
OPENLINEAGE_URL = Param(
    "openlineage_url",
    "send OpenLineage run events to this endpoint (needs glue-elt[lineage]); else the client's own configuration",
    None,
    http_url,
    doc=(
        "send OpenLineage run events over HTTP to `<url>/api/v1/lineage` (2 s timeout, no retries; never holds up "
        "the run); without it, the client's own configuration (`OPENLINEAGE_URL`, `openlineage.yml`) is used, and "
        "with neither no event is sent. Needs the `glue-elt[lineage]` extra; see [Lineage](operating.md#lineage)"
    ),
    example="http://marquez.internal:5000",
)

SESSION_CONTROL = params_of(SessionSettings)
"""Redshift session settings for every session of a run (``--query_group``, ``--statement_timeout_seconds``), before
``RUN_CONTROL`` in every step's list."""


RUN_CONTROL: tuple[Param[Any], ...] = (
    MAX_RETRIES,
    RETRY_WAIT_SECONDS,
    STATE_TABLE,
    ASSUME_ROLE_ARN,
    RUN_ID,
    JOB_RUN_ID,
)
"""The parameters that close every step's list, in this order: retries, the state table, the role, the run id."""

OBSERVABILITY: tuple[Param[Any], ...] = (METRICS_NAMESPACE, JOB_NAME, OPENLINEAGE_URL)
"""What a run publishes about itself besides its outputs: its metrics, the job name they carry, its lineage."""
