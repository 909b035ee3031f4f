"""The SQL step's job parameters (each declared once, with its parser and typed default), checked before
anything runs, and the checks of a script that need no cluster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from glue_elt.aws.s3 import S3Uri
from glue_elt.core import param_fields
from glue_elt.core.param_fields import given, nested, setting
from glue_elt.core.params import Param, TextEnum, choice
from glue_elt.errors import ConfigError
from glue_elt.redshift.factory import EXECUTOR, ExecutorKind
from glue_elt.redshift.session import SessionSettings
from glue_elt.redshift.state import StateTable
from glue_elt.steps import shared_params
from glue_elt.steps.redshift_sql.script import Script


class NonTransactional(TextEnum):
    """What to do with a script holding a statement Redshift cannot run inside a transaction block."""

    REFUSE = "refuse"
    AUTOCOMMIT = "autocommit"


SQL_PATH = Param(
    "sql_path",
    "s3://bucket/key of the SQL script (UTF-8) to run",
    None,
    shared_params.s3_uri,
    doc="required: `s3://bucket/key` of the script (UTF-8, a BOM is fine)",
    example="s3://b/sql/build_marts.sql",
)
SECRET_NAME = shared_params.SECRET_NAME.qualified("required", in_help=False)
NON_TRANSACTIONAL = Param(
    "non_transactional",
    "a statement Redshift cannot run in a transaction (VACUUM, TRUNCATE, ...): refuse the script, or autocommit: "
    "run every statement on its own, in order (the script is then not atomic)",
    NonTransactional.REFUSE,
    choice(NonTransactional),
    doc=(
        "what to do with a statement Redshift cannot run in a transaction: `refuse` the script "
        "before anything runs, or `autocommit`: run every statement on its own, in order (**the "
        "script is then not atomic**); see [Statements that cannot run in a "
        "transaction](sql-step.md#statements-that-cannot-run-in-a-transaction)"
    ),
    example="autocommit",
)
EXECUTOR_OF_SQL = replace(
    EXECUTOR,
    doc=(
        "how SQL reaches Redshift: `driver` (`redshift_connector` over the network: needs a route to the cluster) or "
        "`data_api` (the Redshift Data API over HTTPS: the script and its record as one `BatchExecuteStatement`, so "
        "at most 38 statements, 36 with `--query_group` and `--statement_timeout_seconds`, each at most 100 KB; "
        "refused before anything runs otherwise; in autocommit mode one request per statement); see [Through the "
        "Redshift Data API](sql-step.md#through-the-redshift-data-api)"
    ),
)
STEP_PARAMETERS: tuple[Param[Any], ...] = (
    SQL_PATH,
    SECRET_NAME,
    NON_TRANSACTIONAL,
    shared_params.DRY_RUN,
    shared_params.SUMMARY_OUTPUT_PATH,
    EXECUTOR_OF_SQL,
    *shared_params.SESSION_CONTROL,
    *shared_params.OBSERVABILITY,
    *shared_params.RUN_CONTROL,
)
"""Every parameter of the SQL step, in the order help and the README list them."""


@dataclass(frozen=True)
class SqlSettings:
    """Validated job parameters: each field is a parameter declared above or in ``shared_params``
    (``glue_elt.core.param_fields``), read in this order."""

    sql_path: S3Uri = given(SQL_PATH)
    secret_name: str = given(SECRET_NAME)
    non_transactional: NonTransactional = setting(NON_TRANSACTIONAL)
    dry_run: bool = setting(shared_params.DRY_RUN)
    summary_output_path: str | None = setting(shared_params.SUMMARY_OUTPUT_PATH)
    executor: ExecutorKind = setting(EXECUTOR_OF_SQL)
    max_retries: int = setting(shared_params.MAX_RETRIES)
    retry_wait_seconds: float = setting(shared_params.RETRY_WAIT_SECONDS)
    state_table: StateTable = setting(shared_params.STATE_TABLE)
    assume_role_arn: str | None = setting(shared_params.ASSUME_ROLE_ARN)
    run_id: str | None = setting(shared_params.RUN_ID, fallback=shared_params.JOB_RUN_ID)
    session: SessionSettings = nested(SessionSettings)
    metrics_namespace: str | None = setting(shared_params.METRICS_NAMESPACE)

    @property
    def autocommit(self) -> bool:
        """Whether each statement runs on its own (``--non_transactional autocommit``)."""
        return self.non_transactional is NonTransactional.AUTOCOMMIT


def read_settings(get: Callable[[str], str | None]) -> SqlSettings:
    """Build settings from ``get(name)`` (a parameter's value or ``None``); ``ConfigError`` if unusable."""
    sql_path, secret_name = SQL_PATH.read(get), SECRET_NAME.read(get)
    missing = [f"--{p.name}" for p, value in ((SQL_PATH, sql_path), (SECRET_NAME, secret_name)) if not value]
    if missing:
        raise ConfigError(f"missing required job parameter(s) {' and '.join(missing)}")
    return param_fields.read_settings(SqlSettings, get, sql_path=sql_path, secret_name=secret_name)


def decode_script(data: bytes, source: str) -> str:
    """The script's text: UTF-8, a byte-order mark dropped; ``ConfigError`` otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"SQL script {source} is not UTF-8 text (byte {error.start} cannot be read)") from None


def check_transactional(script: Script, settings: SqlSettings, source: str) -> None:
    """``ConfigError`` naming every statement the chosen mode cannot run: transaction control always, and
    statements Redshift cannot run inside a transaction block unless in autocommit mode."""
    refused = [s for s in script.statements if s.refusal and (s.refusal.transaction_control or not settings.autocommit)]
    if not refused:
        return
    reasons = "; ".join(f"{s.label} is {s.refusal.name}, which {s.refusal.why}" for s in refused if s.refusal)
    blocked = any(s.refusal and not s.refusal.transaction_control for s in refused)
    advice = []
    if blocked:
        advice.append(
            "Run such statements with --non_transactional autocommit, best in a script of their own: each statement "
            "then commits on its own, in order, and the script is not atomic"
        )
    if any(s.refusal and s.refusal.transaction_control for s in refused):
        advice.append(
            "Remove transaction control: the step commits the script (or, in autocommit mode, each statement)"
        )
    what = "cannot run in one transaction" if blocked else "cannot run as given"
    raise ConfigError(f"SQL script {source} {what}: {reasons}. Nothing ran. {'. '.join(advice)}")
