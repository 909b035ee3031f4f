"""Parameters that every step shares, declared once: name, help, typed default and parser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glue_elt.aws.s3 import output_uri
from glue_elt.core.params import Param, boolean, integer, number, role_arn
from glue_elt.errors import ConfigError, ValidationError
from glue_elt.redshift.state import DEFAULT_STATE_TABLE, StateTable, check_run_id


def state_table(name: str, value: str) -> StateTable:
    """``schema.table`` or ``database.schema.table``."""
    try:
        return StateTable.parse(value.strip())
    except ValidationError as error:
        raise ConfigError(str(error)) from None


def output_path(filename: str) -> Callable[[str, str], str]:
    """A parser for an ``s3://`` key, or a prefix ending in ``/`` (then ``<prefix><run id>/<filename>``)."""

    def parse(name: str, value: str) -> str:
        output_uri(value.strip(), "run-id", filename, what=f"--{name}")
        return value.strip()

    return parse


DRY_RUN = Param("dry_run", "check everything the run would do and write nothing (true/false)", False, boolean)
MAX_RETRIES = Param(
    "max_retries",
    "retries after a transient error (connection, Redshift error 1023/40001, deadlock)",
    3,
    integer(0, 20),
)
RETRY_WAIT_SECONDS = Param(
    "retry_wait_seconds", "first retry wait; doubles each retry, with jitter", 1.0, number(0, 60)
)
STATE_TABLE = Param(
    "state_table",
    "table on the target cluster recording what each run id committed (created on first use)",
    StateTable.parse(DEFAULT_STATE_TABLE),
    state_table,
)
ASSUME_ROLE_ARN = Param(
    "assume_role_arn",
    "IAM role to assume (STS, once) for reading the secrets and calling the Redshift APIs",
    None,
    role_arn,
)
RUN_ID = Param(
    "run_id",
    "the run id that exactly-once is kept by: a re-run or a Glue retry with the same --run_id skips what committed",
    None,
    check_run_id,
    shown_default="--JOB_RUN_ID",
)
JOB_RUN_ID = Param(
    "JOB_RUN_ID",
    "Glue's id of this job run (set by Glue); generated when absent",
    None,
    check_run_id,
    shown_default="generated",
)
SUMMARY_OUTPUT_PATH = Param(
    "summary_output_path",
    "s3:// key, or prefix ending in '/', for the run summary as JSON",
    None,
    output_path("summary.json"),
)

RUN_CONTROL: tuple[Param[Any], ...] = (
    MAX_RETRIES,
    RETRY_WAIT_SECONDS,
    STATE_TABLE,
    ASSUME_ROLE_ARN,
    RUN_ID,
    JOB_RUN_ID,
)
"""The parameters that close every step's list, in this order: retries, the state table, the role, the run id."""
