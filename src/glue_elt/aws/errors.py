"""AWS's errors in glue-elt's terms: the one place that decides what a failed boto3 call becomes.

Every call glue-elt makes through boto3 (Secrets Manager, S3, STS, the Redshift credential and look-up APIs) fails in
one of two ways (botocore's ``exceptions``): a ``ClientError``, the service's refusal with an error code and an HTTP
status, or a ``BotoCoreError``, the request never answered (no endpoint, a dropped connection, a time-out, no
credentials). This module reads both and decides, for each kind of call, which glue-elt error it is: an
``UnreachableError`` (transient: the endpoint could not be reached, or the service said "not now", which botocore's
standard retry mode also retries: its throttling and transient codes, ``botocore/retries/standard.py``, HTTP 429 and
5xx), or the caller's terminal error (``SecretError``, ``ConfigError``, ``OutputError``). The callers catch botocore's
two classes and call it, as dlt's destinations turn their client's errors into dlt's in one place
(``_make_database_exception``). The Data API's codes are read in ``glue_elt.redshift.data_api.errors`` (its own
transient, busy and unreachable codes), from ``refusal`` here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from glue_elt.core.redaction import redact
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
S3_CODES = {
    "NoSuchKey": "the object does not exist (NoSuchKey)",
    "404": "the object does not exist (404)",
    "NoSuchBucket": "the bucket does not exist (NoSuchBucket)",
    "AccessDenied": "access denied (AccessDenied)",
    "403": "access denied (403)",
}
"""S3's refusals in words (other codes are shown as they are)."""


def refusal(error: BaseException) -> tuple[str, int]:
    """The AWS error code and HTTP status of a ``ClientError`` (``("", 0)`` for anything else, and for what a reply
    lacks)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return "", 0
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return str(code or ""), int(status) if isinstance(status, int) else 0


def error_code(error: BaseException) -> str:
    """AWS's error code of a refused call (``AccessDenied``, ``Throttling``, ...), else the error's class name
    (``EndpointConnectionError``, ``ConnectTimeoutError``, ``NoCredentialsError``, ...). Never the message."""
    return refusal(error)[0] or type(error).__name__


def is_transient_refusal(error: BaseException) -> bool:
    """Whether a ``ClientError`` says "not now" (``TRANSIENT_CODES``, HTTP 429 or 5xx) rather than "no"."""
    code, status = refusal(error)
    return code in TRANSIENT_CODES or status == 429 or status >= 500


SET_UP_HINTS = {
    "NoCredentialsError": (
        "no AWS credentials were found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where "
        "a role provides them (a Glue job's role, an instance profile)"
    ),
    "PartialCredentialsError": "the AWS credentials in the environment or configuration are incomplete",
    "NoRegionError": "no AWS region is configured: set AWS_REGION (or AWS_DEFAULT_REGION), or a profile's region",
}
"""What to do about botocore's errors of a client that is not set up (boto3's credential and region chains:
boto3/guide/credentials.html, boto3/guide/configuration.html); the class name alone says too little."""


def call_failure(error: BaseException, message: str, otherwise: type[GlueELTError]) -> GlueELTError:
    """For a botocore error: ``UnreachableError`` when the endpoint could not be reached (after boto3's own
    retries), else ``otherwise``; both carry ``message`` and the error's class name, and a client that is not set up
    (no credentials, no region: ``SET_UP_HINTS``) says what to set."""
    from botocore.exceptions import ConnectionError, HTTPClientError  # botocore loads lazily, as boto3 does

    text = f"{message}: {type(error).__name__}"
    if isinstance(error, (ConnectionError, HTTPClientError)):
        return UnreachableError(f"{text} (the AWS endpoint could not be reached)")
    hint = SET_UP_HINTS.get(type(error).__name__)
    return otherwise(f"{text} ({hint})" if hint else text)


def api_failure(error: BaseException, what: str, permission: str) -> GlueELTError:
    """A failed call of a Redshift credential or look-up API, for the rows of the secret behind it.

    Access denied becomes a ``SecretError`` that names ``permission`` (what the caller's policy must allow), any
    other error code a ``SecretError`` with AWS's code and message, and an unreachable endpoint or a transient refusal
    (``is_transient_refusal``: throttling, HTTP 5xx) an ``UnreachableError`` (see ``call_failure``). ``what`` says
    which call failed for which secret.
    """
    response = _response(error)
    if response is None:
        return call_failure(error, what, SecretError)
    details = response.get("Error", {})
    code = str(details.get("Code") or "ClientError")
    if is_transient_refusal(error):
        return UnreachableError(f"{what}: {code} (AWS could not serve the call now; worth another try)")
    if code in ACCESS_DENIED_CODES:
        return SecretError(f"{what}: access denied ({code}): the AWS credentials in use need {permission}")
    message = str(details.get("Message") or "").strip()
    return SecretError(redact(f"{what}: {code} ({message})" if message else f"{what}: {code}"))


def secret_failure(
    error: BaseException, secret_name: str, region: str | None = None, similar: Sequence[str] = ()
) -> GlueELTError:
    """A failed ``GetSecretValue``: ``UnreachableError`` when AWS could not serve it now (a transient refusal, an
    unreachable endpoint), else a ``SecretError`` with the error code, in words for an access denial and for a
    secret that does not exist (in ``region``, with the ``similar`` names the caller may list:
    ``glue_elt.aws.secret_names``)."""
    what = f"secret {secret_name!r} could not be read"
    if refusal(error)[0] == "ResourceNotFoundException":
        where = f" in {region}" if region else ""
        suggestion = f"; did you mean {' or '.join(repr(name) for name in similar)}?" if similar else ""
        return SecretError(f"secret {secret_name!r} does not exist{where} (ResourceNotFoundException){suggestion}")
    response = _response(error)
    if response is None:
        return call_failure(error, what, SecretError)
    code = response.get("Error", {}).get("Code", "ClientError")
    if is_transient_refusal(error):
        return UnreachableError(f"{what}: {code} (AWS could not serve it now)")
    if code in ACCESS_DENIED_CODES:
        return SecretError(
            f"{what}: access denied ({code}): the AWS credentials in use need secretsmanager:GetSecretValue on this "
            f"secret and kms:Decrypt on its KMS key"
        )
    return SecretError(f"{what}: {code}")


def s3_failure(error: BaseException, what: str, otherwise: type[GlueELTError]) -> GlueELTError:
    """A failed S3 call: ``otherwise`` (``ConfigError`` for a read, ``OutputError`` for a write) with S3's code in
    words, or ``UnreachableError`` when S3 could not be reached. ``what`` says which object, read or written."""
    response = _response(error)
    if response is None:
        return call_failure(error, what, otherwise)
    code = response.get("Error", {}).get("Code", "ClientError")
    return otherwise(f"{what}: {S3_CODES.get(code, code)}")


def assume_role_failure(error: BaseException, role_arn: str) -> GlueELTError:
    """A failed ``sts:AssumeRole``: a ``ConfigError`` with STS's code (the run cannot start as that role), or
    ``UnreachableError`` when STS could not be reached."""
    what = f"could not assume role {role_arn}"
    response = _response(error)
    if response is None:
        return call_failure(error, what, ConfigError)
    return ConfigError(f"{what}: {response.get('Error', {}).get('Code', 'ClientError')}")


def _response(error: BaseException) -> Mapping[str, Any] | None:
    """A ``ClientError``'s parsed reply; ``None`` for any other error."""
    from botocore.exceptions import ClientError

    return error.response if isinstance(error, ClientError) else None
