"""The executor a step runs its SQL with: the wire-protocol driver (default) or the Redshift Data API.

The one place that builds an executor for a step (``GlueELTStep.create_executor`` and each step's override call
``build_executor``)."""

from __future__ import annotations

from typing import Any

from glue_elt.core.params import Param, TextEnum, choice
from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.driver.executor import RedshiftExecutor
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.session import NO_SETTINGS, SessionSettings


class ExecutorKind(TextEnum):
    """How SQL reaches Redshift."""

    DRIVER = "driver"
    """``redshift_connector`` over the wire protocol: a network route to the cluster, pooled connections."""
    DATA_API = "data_api"
    """The Redshift Data API over HTTPS: no route, driver or open connection; one API call per row's load."""


EXECUTOR = Param(
    "executor",
    "how SQL reaches Redshift: driver (redshift_connector over the network) or data_api (the Redshift Data API)",
    ExecutorKind.DRIVER,
    choice(ExecutorKind),
    doc="how SQL reaches Redshift: `driver` (`redshift_connector` over the network: needs a route to the cluster) or "
    "`data_api` (the Redshift Data API over HTTPS: no route, no open connection; see [Connecting](connecting.md))",
    example="data_api",
)


def build_executor(
    kind: ExecutorKind,
    assume_role_arn: str | None = None,
    max_connections_per_secret: int = 1,
    session: SessionSettings = NO_SETTINGS,
    boto3_session: Any = None,
) -> Executor:
    """The executor of ``kind``; secrets are read, and credential and Data API calls made, with ``boto3_session``'s
    credentials (boto3's default session's when ``None``), or as ``assume_role_arn`` when given (assumed with those,
    renewed before they expire); the driver keeps at most ``max_connections_per_secret`` connections open;
    ``session`` (query group, statement timeout) applies to every session."""
    from glue_elt.aws.clients import AwsClients, assumed_role_clients

    clients = assumed_role_clients(assume_role_arn, boto3_session) if assume_role_arn else AwsClients(boto3_session)
    secrets = SecretStore(clients=clients)
    if kind is ExecutorKind.DATA_API:
        from glue_elt.redshift.data_api.executor import DataApiExecutor

        return DataApiExecutor(secrets, session=session)
    return RedshiftExecutor(secrets, max_connections_per_secret=max_connections_per_secret, session=session)
