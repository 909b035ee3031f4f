"""What the live check runs against, read from environment variables (each documented in ``VARIABLES`` and in
docs/live-check.md).

Without ``GLUE_ELT_LIVE_SECRET`` the check runs on the local stack (``live_check.local``). A secret may be in
glue-elt's format (``glue_elt.redshift.auth.spec``) or be the admin secret Redshift Serverless manages
(``ManageAdminPassword``: ``username`` and ``password`` only); for the latter the workgroup and database variables
say where it logs in, and the check writes a glue-elt secret of its own for the run and deletes it at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

VARIABLES: dict[str, str] = {
    "GLUE_ELT_LIVE_SECRET": "the consumer's secret (name or ARN): the cluster or workgroup the steps load into; "
    "absent: the check starts the local stack and runs there",
    "GLUE_ELT_LIVE_WORKGROUP": "the consumer's Redshift Serverless workgroup, when GLUE_ELT_LIVE_SECRET is the admin "
    "secret Redshift manages (it names no workgroup or database)",
    "GLUE_ELT_LIVE_DATABASE": "the database of both namespaces for such secrets (default: dev)",
    "GLUE_ELT_LIVE_SHARE_DATABASE": "the consumer's database created from the data share; absent: the check creates "
    "its source tables on the consumer and names them with the consumer's own database",
    "GLUE_ELT_LIVE_PRODUCER_SECRET": "the producer's secret: the check creates its source tables there, in "
    "GLUE_ELT_LIVE_PRODUCER_SCHEMA (a schema already in the share) or, with --setup-share, in a schema and data share "
    "of its own",
    "GLUE_ELT_LIVE_PRODUCER_WORKGROUP": "the producer's workgroup, when its secret is a managed admin secret",
    "GLUE_ELT_LIVE_PRODUCER_SCHEMA": "the producer's schema already added to the share with INCLUDENEW (new tables "
    "appear to the consumer); not needed with --setup-share",
    "AWS_REGION": "the Region of the secrets, the workgroups and the Data API (boto3's standard configuration: "
    "AWS_PROFILE and the other AWS_* variables apply too)",
}


class SettingsError(ValueError):
    """The environment names an impossible combination; the message says which variable to set."""


@dataclass(frozen=True)
class LiveSettings:
    """The check's target, as the environment names it."""

    secret: str
    database: str = "dev"
    workgroup: str | None = None
    share_database: str | None = None
    producer_secret: str | None = None
    producer_workgroup: str | None = None
    producer_schema: str | None = None
    setup_share: bool = False
    where: str = "the endpoints of GLUE_ELT_LIVE_SECRET"
    """For the report: ``local stack`` when ``live_check.local`` started one."""

    @property
    def has_producer(self) -> bool:
        """True when the source tables are created on a producer and read through a data share."""
        return self.producer_secret is not None


def from_environment(
    environ: Mapping[str, str], *, setup_share: bool = False, where: str | None = None
) -> LiveSettings:
    """``LiveSettings`` from ``environ``; ``SettingsError`` for a combination that cannot run."""

    def value(name: str) -> str | None:
        text = environ.get(name, "").strip()
        return text or None

    secret = value("GLUE_ELT_LIVE_SECRET")
    if secret is None:
        raise SettingsError("GLUE_ELT_LIVE_SECRET is not set")
    settings = LiveSettings(
        secret=secret,
        database=value("GLUE_ELT_LIVE_DATABASE") or "dev",
        workgroup=value("GLUE_ELT_LIVE_WORKGROUP"),
        share_database=value("GLUE_ELT_LIVE_SHARE_DATABASE"),
        producer_secret=value("GLUE_ELT_LIVE_PRODUCER_SECRET"),
        producer_workgroup=value("GLUE_ELT_LIVE_PRODUCER_WORKGROUP"),
        producer_schema=value("GLUE_ELT_LIVE_PRODUCER_SCHEMA"),
        setup_share=setup_share,
        **({"where": where} if where else {}),
    )
    _check(settings)
    return settings


def _check(settings: LiveSettings) -> None:
    if settings.setup_share:
        if settings.producer_secret is None:
            raise SettingsError("--setup-share needs GLUE_ELT_LIVE_PRODUCER_SECRET (the share is made on the producer)")
        if settings.share_database is not None:
            raise SettingsError("--setup-share creates the share's database itself: unset GLUE_ELT_LIVE_SHARE_DATABASE")
        return
    if settings.producer_secret is not None and (settings.share_database is None or settings.producer_schema is None):
        raise SettingsError(
            "GLUE_ELT_LIVE_PRODUCER_SECRET needs GLUE_ELT_LIVE_SHARE_DATABASE and GLUE_ELT_LIVE_PRODUCER_SCHEMA (a "
            "share that exists), or --setup-share (the check makes one)"
        )
    if settings.share_database is not None and settings.producer_secret is None:
        raise SettingsError(
            "GLUE_ELT_LIVE_SHARE_DATABASE needs GLUE_ELT_LIVE_PRODUCER_SECRET: the check creates its source tables on "
            "the producer"
        )
