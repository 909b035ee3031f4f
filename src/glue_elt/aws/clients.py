"""AWS clients of one identity: the job's own, or a role it assumes (a failed call is translated by
``glue_elt.aws.errors``)."""

from __future__ import annotations

import threading
from typing import Any

from glue_elt.aws.errors import assume_role_failure
from glue_elt.aws.later_fields import send_later_fields
from glue_elt.core.redaction import register_secret


class AwsClients:
    """boto3 clients acting as one identity (the job's own, or a role it assumed), one per service, shared by
    threads (boto3 clients are thread-safe). Region and endpoints come from boto3's standard configuration."""

    def __init__(self, session: Any = None) -> None:
        self._session = session
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, config: Any = None) -> Any:
        """The client of ``service`` (``secretsmanager``, ``redshift``, ``redshift-serverless``, ``redshift-data``,
        ``cloudwatch``); ``config``, a ``botocore.config.Config`` (timeouts, retries), applies when the client is
        first made."""
        with self._lock:
            if service not in self._clients:
                import boto3

                made = (self._session or boto3).client(service, config=config)
                self._clients[service] = send_later_fields(made)
            return self._clients[service]


ASSUMED_ROLE_SECONDS = 3600
"""How long each set of the assumed role's credentials is asked to last (STS's own default, and its limit for a role
assumed by a role); botocore asks STS for new ones before they expire, so a run may last longer."""
ROLE_SESSION_NAME = "glue-elt"


def assumed_role_clients(
    role_arn: str, session: Any = None, duration_seconds: int = ASSUMED_ROLE_SECONDS
) -> AwsClients:
    """Clients acting as ``role_arn``, assumed with ``session``'s credentials (a ``boto3.Session``; the default
    session's when ``None``), whose credentials renew themselves for as long as the run lasts.

    This is how a job reads secrets (and reaches clusters) that another account owns when a role there trusts the
    job's role. The first STS ``AssumeRole`` call is made here (``ConfigError`` when the role cannot be assumed);
    botocore's ``RefreshableCredentials`` call it again when fewer than 15 minutes of the credentials are left (at
    the latest 10 minutes before they expire), each time ``duration_seconds`` long.
    """
    import boto3
    import botocore.session
    from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
    from botocore.exceptions import BotoCoreError, ClientError

    source = session or boto3.Session()
    sts = source.client("sts")

    def assume() -> dict[str, str]:
        answer = sts.assume_role(RoleArn=role_arn, RoleSessionName=ROLE_SESSION_NAME, DurationSeconds=duration_seconds)
        credentials = answer["Credentials"]
        register_secret(credentials["SecretAccessKey"])
        register_secret(credentials["SessionToken"])
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }

    try:
        first = assume()
    except (BotoCoreError, ClientError) as error:
        raise assume_role_failure(error, role_arn) from None
    refreshable = RefreshableCredentials.create_from_metadata(first, refresh_using=assume, method="assume-role")

    class AssumedRole(CredentialProvider):
        """The one provider of the session: the role's credentials, which renew themselves."""

        METHOD = "assume-role"
        CANONICAL_NAME = "glue-elt-assume-role"

        def load(self) -> RefreshableCredentials:
            return refreshable

    core = botocore.session.get_session()
    core.register_component("credential_provider", CredentialResolver([AssumedRole()]))
    return AwsClients(boto3.Session(botocore_session=core, region_name=source.region_name))
