"""Which refusals of an AWS call are worth another try (throttling, HTTP 5xx), and what a failed call becomes: a table
per kind of call, input error -> (class, transient, message)."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ReadTimeoutError,
)

from glue_elt.aws.errors import (
    api_failure,
    assume_role_failure,
    error_code,
    is_transient_refusal,
    refusal,
    s3_failure,
    secret_failure,
)
from glue_elt.core.redaction import register_secret
from glue_elt.errors import ConfigError, ExecutionError, GlueELTError, OutputError, SecretError, UnreachableError

NO_CREDENTIALS = (
    "no AWS credentials were found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a "
    "role provides them (a Glue job's role, an instance profile)"
)


def refused(code: str, status: int, message: str = "m") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 400), ("Throttling", 400), ("InternalServiceError", 500), ("X", 503), ("X", 429),
     ("RequestTimeout", 400)],
)  # fmt: skip
def test_not_now(code: str, status: int) -> None:
    assert is_transient_refusal(refused(code, status))
    assert isinstance(api_failure(refused(code, status), "w", "p"), UnreachableError)


@pytest.mark.parametrize(
    ("code", "status"),
    [("ResourceNotFoundException", 400), ("AccessDeniedException", 403), ("DecryptionFailure", 400),
     ("InvalidRequestException", 400)],
)  # fmt: skip
def test_no(code: str, status: int) -> None:
    assert not is_transient_refusal(refused(code, status))
    failure = api_failure(refused(code, status), "w", "p")
    assert isinstance(failure, SecretError) and not isinstance(failure, UnreachableError)


def test_unreachable_endpoint() -> None:
    error = EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
    assert not is_transient_refusal(error)
    assert isinstance(api_failure(error, "w", "p"), UnreachableError)


UNREACHABLE = EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
TIMED_OUT = ConnectTimeoutError(endpoint_url="http://127.0.0.1:1")
READ_TIMED_OUT = ReadTimeoutError(endpoint_url="http://127.0.0.1:1")
SECRET = "aws-s3cr3t-in-a-message"
register_secret(SECRET)
Expected = tuple[type[GlueELTError], bool, str]


def outcome(failure: GlueELTError) -> Expected:
    transient = isinstance(failure, ExecutionError) and failure.transient
    return type(failure), transient, str(failure)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (refused("AccessDenied", 403),
         (SecretError, False, "w: access denied (AccessDenied): the AWS credentials in use need p")),
        (refused("403", 403), (SecretError, False, "w: access denied (403): the AWS credentials in use need p")),
        (refused("ClusterNotFound", 404, "Cluster x not found."), (SecretError, False, "w: ClusterNotFound (Cluster x not found.)")),
        (refused("InvalidClusterState", 400, ""), (SecretError, False, "w: InvalidClusterState")),
        (refused("Bad", 400, f"token {SECRET}"), (SecretError, False, "w: Bad (token ***)")),
        (refused("ThrottlingException", 400),
         (UnreachableError, True, "w: ThrottlingException (AWS could not serve the call now; worth another try)")),
        (refused("X", 503), (UnreachableError, True, "w: X (AWS could not serve the call now; worth another try)")),
        (UNREACHABLE, (UnreachableError, True, "w: EndpointConnectionError (the AWS endpoint could not be reached)")),
        (TIMED_OUT, (UnreachableError, True, "w: ConnectTimeoutError (the AWS endpoint could not be reached)")),
        (READ_TIMED_OUT, (UnreachableError, True, "w: ReadTimeoutError (the AWS endpoint could not be reached)")),
        (NoCredentialsError(), (SecretError, False, f"w: NoCredentialsError ({NO_CREDENTIALS})")),
    ],
)  # fmt: skip
def test_api_failure(error: Exception, expected: Expected) -> None:
    assert outcome(api_failure(error, "w", "p")) == expected


READ = "secret 'etl' could not be read"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (refused("AccessDeniedException", 400),
         (SecretError, False, f"{READ}: access denied (AccessDeniedException): the AWS credentials in use need "
          "secretsmanager:GetSecretValue on this secret and kms:Decrypt on its KMS key")),
        (refused("ResourceNotFoundException", 400),
         (SecretError, False, "secret 'etl' does not exist (ResourceNotFoundException)")),
        (refused("DecryptionFailure", 400, f"key {SECRET}"), (SecretError, False, f"{READ}: DecryptionFailure")),
        (refused("InternalServiceError", 500),
         (UnreachableError, True, f"{READ}: InternalServiceError (AWS could not serve it now)")),
        (refused("ThrottlingException", 400),
         (UnreachableError, True, f"{READ}: ThrottlingException (AWS could not serve it now)")),
        (UNREACHABLE, (UnreachableError, True, f"{READ}: EndpointConnectionError (the AWS endpoint could not be reached)")),
        (NoCredentialsError(), (SecretError, False, f"{READ}: NoCredentialsError ({NO_CREDENTIALS})")),
    ],
)  # fmt: skip
def test_secret_failure(error: Exception, expected: Expected) -> None:
    assert outcome(secret_failure(error, "etl")) == expected


def test_a_secret_that_does_not_exist_names_the_region_and_the_closest_names() -> None:
    missing = refused("ResourceNotFoundException", 400, "Secrets Manager can't find the specified secret.")
    assert str(secret_failure(missing, "redshift-secrt", "eu-west-1", ["redshift-secret", "redshift-secret-2"])) == (
        "secret 'redshift-secrt' does not exist in eu-west-1 (ResourceNotFoundException); did you mean "
        "'redshift-secret' or 'redshift-secret-2'?"
    )
    assert (
        str(secret_failure(missing, "x", "eu-west-1"))
        == "secret 'x' does not exist in eu-west-1 (ResourceNotFoundException)"
    )


def test_a_client_that_is_not_set_up_says_what_to_set() -> None:
    assert str(secret_failure(NoRegionError(), "etl")) == (
        f"{READ}: NoRegionError (no AWS region is configured: set AWS_REGION (or AWS_DEFAULT_REGION), or a profile's "
        "region)"
    )


GET = "config file s3://b/k could not be read"


@pytest.mark.parametrize(
    ("error", "otherwise", "expected"),
    [
        (refused("NoSuchKey", 404), ConfigError, (ConfigError, False, f"{GET}: the object does not exist (NoSuchKey)")),
        (refused("404", 404), ConfigError, (ConfigError, False, f"{GET}: the object does not exist (404)")),
        (refused("NoSuchBucket", 404), ConfigError,
         (ConfigError, False, f"{GET}: the bucket does not exist (NoSuchBucket)")),
        (refused("AccessDenied", 403), OutputError, (OutputError, False, f"{GET}: access denied (AccessDenied)")),
        (refused("403", 403), OutputError, (OutputError, False, f"{GET}: access denied (403)")),
        (refused("SlowDown", 503), OutputError, (OutputError, False, f"{GET}: SlowDown")),
        (UNREACHABLE, ConfigError,
         (UnreachableError, True, f"{GET}: EndpointConnectionError (the AWS endpoint could not be reached)")),
        (NoCredentialsError(), OutputError, (OutputError, False, f"{GET}: NoCredentialsError ({NO_CREDENTIALS})")),
    ],
)  # fmt: skip
def test_s3_failure(error: Exception, otherwise: type[GlueELTError], expected: Expected) -> None:
    assert outcome(s3_failure(error, GET, otherwise)) == expected


ROLE = "arn:aws:iam::222233334444:role/x"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (refused("AccessDenied", 403), (ConfigError, False, f"could not assume role {ROLE}: AccessDenied")),
        (refused("Throttling", 400), (ConfigError, False, f"could not assume role {ROLE}: Throttling")),
        (UNREACHABLE, (UnreachableError, True,
                       f"could not assume role {ROLE}: EndpointConnectionError (the AWS endpoint could not be reached)")),
        (NoCredentialsError(), (ConfigError, False,
                                f"could not assume role {ROLE}: NoCredentialsError ({NO_CREDENTIALS})")),
    ],
)  # fmt: skip
def test_assume_role_failure(error: Exception, expected: Expected) -> None:
    assert outcome(assume_role_failure(error, ROLE)) == expected


@pytest.mark.parametrize(
    ("error", "code", "status", "logged"),
    [
        (refused("AccessDenied", 403), "AccessDenied", 403, "AccessDenied"),
        (refused("", 500), "", 500, "ClientError"),
        (UNREACHABLE, "", 0, "EndpointConnectionError"),
        (ValueError("x"), "", 0, "ValueError"),
    ],
)
def test_the_code_and_status_of_a_refusal(error: Exception, code: str, status: int, logged: str) -> None:
    assert refusal(error) == (code, status)
    assert error_code(error) == logged
