"""The SQL step's job parameters (each declared once, with its parser and typed default), checked before
anything runs, and the checks of a script that need no cluster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from glue_elt.aws.s3 import S3Uri
from glue_elt.core.params import Param, TextEnum, choice
from glue_elt.errors import ConfigError
from glue_elt.redshift.session import NO_SETTINGS, SessionSettings
from glue_elt.redshift.state import StateTable
from glue_elt.steps import shared_params
from glue_elt.steps.redshift_sql.script import Script


class NonTransactional(TextEnum):
    """What to do with a script holding a statement Redshift cannot run inside a transaction block."""

    REFUSE = "refuse"
    AUTOCOMMIT = "autocommit"


def s3_uri(name: str, value: str) -> S3Uri:
    """``s3://bucket/key``."""
    return S3Uri.parse(value.strip(), what=f"--{name}")


SQL_PATH = Param(
    "sql_path",
    "s3://bucket/key of the SQL script (UTF-8) to run",
    None,
    s3_uri,
    doc="required: `s3://bucket/key` of the script (UTF-8, a BOM is fine)",
    example="s3://b/sql/build_marts.sql",
)
SECRET_NAME: Param[str | None] = Param(
    "secret_name",
    "Secrets Manager secret (name or ARN) of the target cluster",
    doc="required: secret (name or full ARN) of the target cluster",
    example="redshift-secret",
)
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
STEP_PARAMETERS: tuple[Param[Any], ...] = (
    SQL_PATH,
    SECRET_NAME,
    NON_TRANSACTIONAL,
    shared_params.DRY_RUN,
    shared_params.SUMMARY_OUTPUT_PATH,
    *shared_params.SESSION_CONTROL,
    *shared_params.OBSERVABILITY,
    *shared_params.RUN_CONTROL,
)
"""Every parameter of the SQL step, in the order help and the README list them."""


@dataclass(frozen=True)
class SqlSettings:
    """Validated job parameters (defaults live on the ``Param`` declarations above)."""

    sql_path: S3Uri
    secret_name: str
    non_transactional: NonTransactional
    dry_run: bool
    summary_output_path: str | None
    max_retries: int
    retry_wait_seconds: float
    state_table: StateTable
    assume_role_arn: str | None
    run_id: str | None
    session: SessionSettings = NO_SETTINGS
    metrics_namespace: str | None = None

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
    assert sql_path is not None and secret_name is not None
    return SqlSettings(
        sql_path=sql_path,
        secret_name=secret_name.strip(),
        non_transactional=NON_TRANSACTIONAL.read(get),
        dry_run=shared_params.DRY_RUN.read(get),
        summary_output_path=shared_params.SUMMARY_OUTPUT_PATH.read(get),
        max_retries=shared_params.MAX_RETRIES.read(get),
        retry_wait_seconds=shared_params.RETRY_WAIT_SECONDS.read(get),
        state_table=shared_params.STATE_TABLE.read(get),
        assume_role_arn=shared_params.ASSUME_ROLE_ARN.read(get),
        run_id=shared_params.RUN_ID.read(get) or shared_params.JOB_RUN_ID.read(get),
        session=shared_params.read_session(get),
        metrics_namespace=shared_params.METRICS_NAMESPACE.read(get),
    )


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
