"""Which refusals of an AWS call are worth another try (throttling, HTTP 5xx), and what a failed call becomes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from glue_elt.aws.clients import api_failure, is_transient_refusal
from glue_elt.errors import SecretError, UnreachableError


def refusal(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 400), ("Throttling", 400), ("InternalServiceError", 500), ("X", 503), ("X", 429),
     ("RequestTimeout", 400)],
)  # fmt: skip
def test_not_now(code: str, status: int) -> None:
    assert is_transient_refusal(refusal(code, status))
    assert isinstance(api_failure(refusal(code, status), "w", "p"), UnreachableError)


@pytest.mark.parametrize(
    ("code", "status"),
    [("ResourceNotFoundException", 400), ("AccessDeniedException", 403), ("DecryptionFailure", 400),
     ("InvalidRequestException", 400)],
)  # fmt: skip
def test_no(code: str, status: int) -> None:
    assert not is_transient_refusal(refusal(code, status))
    failure = api_failure(refusal(code, status), "w", "p")
    assert isinstance(failure, SecretError) and not isinstance(failure, UnreachableError)


def test_unreachable_endpoint() -> None:
    error = EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
    assert not is_transient_refusal(error)
    assert isinstance(api_failure(error, "w", "p"), UnreachableError)
