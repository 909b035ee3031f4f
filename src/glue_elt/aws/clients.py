"""AWS clients of one identity, and how a failed AWS call is reported (an unreachable endpoint apart)."""

from __future__ import annotations

import threading
from typing import Any

from glue_elt.core.redaction import redact, register_secret
from glue_elt.errors import ConfigError, GlueELTError, SecretError, UnreachableError

ACCESS_DENIED_CODES = ("AccessDeniedException", "AccessDenied", "403")
"""Error codes meaning the caller may not make the call: the JSON services' code (Secrets Manager, Redshift
Serverless), the Query services' code (Redshift), and the bare HTTP status botocore reports when a 403 reply carries
no code it can parse."""
TRANSIENT_CODES = frozenset(
    {
        # botocore's standard retry mode: its throttling codes (ThrottledRetryableChecker) ...
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
        # ... and its transient codes (TransientRetryableChecker)
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        # the services' own names for a failure on their side (botocore models: secretsmanager's
        # InternalServiceError "An error occurred on the server side", redshift-serverless's InternalServerException)
        "InternalServiceError",
        "InternalServerException",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)
"""Error codes of a refusal that says "not now" rather than "no": botocore's own lists (``botocore/retries/
standard.py``) of what its standard retry mode tries again, and the services' server-side failures; after boto3's
retries they are still worth a later try."""


def is_transient_refusal(error: Exception) -> bool:
    """Whether a ``ClientError`` says "not now" (``TRANSIENT_CODES``, HTTP 429 or 5xx) rather than "no"."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code") or "")
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return code in TRANSIENT_CODES or status == 429 or status >= 500


def call_failure(error: Exception, message: str, otherwise: type[GlueELTError]) -> GlueELTError:
    """For a botocore error: ``UnreachableError`` when the endpoint could not be reached (after boto3's own
    retries), else ``otherwise``; both carry ``message`` and the error's class name."""
    from botocore.exceptions import ConnectionError, HTTPClientError  # botocore loads lazily, as boto3 does

    text = f"{message}: {type(error).__name__}"
    if isinstance(error, (ConnectionError, HTTPClientError)):
        return UnreachableError(f"{text} (the AWS endpoint could not be reached)")
    return otherwise(text)


def api_failure(error: Exception, what: str, permission: str) -> GlueELTError:
    """A failed call of a Redshift credential or look-up API, for the rows of the secret behind it.

    Access denied becomes a ``SecretError`` that names ``permission`` (what the caller's policy must allow), any
    other error code a ``SecretError`` with AWS's code and message, and an unreachable endpoint or a transient refusal
    (``is_transient_refusal``: throttling, HTTP 5xx) an ``UnreachableError`` (see ``call_failure``). ``what`` says
    which call failed for which secret.
    """
    from botocore.exceptions import ClientError

    if not isinstance(error, ClientError):
        return call_failure(error, what, SecretError)
    details = error.response.get("Error", {})
    code = str(details.get("Code") or "ClientError")
    if is_transient_refusal(error):
        return UnreachableError(f"{what}: {code} (AWS could not serve the call now; worth another try)")
    if code in ACCESS_DENIED_CODES:
        return SecretError(f"{what}: access denied ({code}): the AWS credentials in use need {permission}")
    message = str(details.get("Message") or "").strip()
    return SecretError(redact(f"{what}: {code} ({message})" if message else f"{what}: {code}"))


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

                self._clients[service] = (self._session or boto3).client(service, config=config)
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
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "ClientError")
        raise ConfigError(f"could not assume role {role_arn}: {code}") from None
    except BotoCoreError as error:
        raise call_failure(error, f"could not assume role {role_arn}", ConfigError) from None
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
