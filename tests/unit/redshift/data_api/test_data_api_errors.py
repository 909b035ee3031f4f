"""The Data API's errors in glue-elt's terms: a table per kind, input -> (class, transient, message): a failed or
aborted statement's answer, a refused request, a request never answered, a busy answer."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, ReadTimeoutError

from glue_elt.core.redaction import register_secret
from glue_elt.errors import ExecutionError, LimitError, UnreachableError
from glue_elt.redshift.data_api.errors import (
    RefusedRequestError,
    api_error,
    ended_badly,
    is_busy,
    reported_error,
    statement_error,
    translated,
)
from glue_elt.redshift.session import SessionSettings

REDSHIFT_1023 = (
    "ERROR: 1023\n  Detail: Serializable isolation violation on table - 119371, transactions forming the cycle are: "
    "1745830, 1745762 (pid:15021)"
)
SERIALIZABLE = (
    "1023 (Detail: Serializable isolation violation on table - 119371, transactions forming the cycle are: 1745830, "
    "1745762 (pid:15021))"
)
SECRET = "data-api-s3cr3t"
register_secret(SECRET)
Expected = tuple[type[Exception], bool, str]


def outcome(failure: BaseException) -> Expected:
    assert isinstance(failure, ExecutionError)
    return type(failure), failure.transient, str(failure)


def error(code: str, status: int = 400, message: str = "m") -> ClientError:
    body: Any = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(body, "ExecuteStatement")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (REDSHIFT_1023, (ExecutionError, True, SERIALIZABLE)),
        ('ERROR: relation "x.y" does not exist', (ExecutionError, False, 'relation "x.y" does not exist')),
        ("ERROR: could not complete because of conflict: Serializable isolation violation on table",
         (ExecutionError, True, "could not complete because of conflict: Serializable isolation violation on table")),
        ("ERROR: connection reset by peer", (ExecutionError, True, "connection reset by peer")),
        ("ERROR: Query (150) canceled on user's request",
         (ExecutionError, False, "Query (150) canceled on user's request")),
        (f"ERROR: password {SECRET} wrong\n  Detail: d", (ExecutionError, False, "password *** wrong (Detail: d)")),
        (None, (ExecutionError, False, "the statement failed without an error message")),
        ("", (ExecutionError, False, "the statement failed without an error message")),
    ],
)  # fmt: skip
def test_statement_error(text: str | None, expected: Expected) -> None:
    failure = statement_error(text)
    assert outcome(failure) == expected and failure.sqlstate is None


@pytest.mark.parametrize(
    ("described", "expected"),
    [
        ({"Id": "s1", "Status": "ABORTED"},
         (ExecutionError, False, "statement s1 was cancelled (ABORTED) before it finished")),
        ({"Id": "s1", "Status": "FAILED", "Error": REDSHIFT_1023}, (ExecutionError, True, SERIALIZABLE)),
        ({"Id": "b1", "Status": "FAILED",
          "SubStatements": [{"Status": "FINISHED"}, {"Status": "FAILED", "Error": "ERROR: division by zero"}]},
         (ExecutionError, False, "division by zero")),
        ({"Id": "b1", "Status": "FAILED", "SubStatements": [{"Status": "FAILED"}]},
         (ExecutionError, False, "the statement failed without an error message")),
        ({"Id": "s1", "Status": "FAILED"}, (ExecutionError, False, "the statement failed without an error message")),
    ],
)  # fmt: skip
def test_ended_badly(described: dict[str, Any], expected: Expected) -> None:
    assert outcome(ended_badly(described)) == expected


def test_reported_error_reads_the_top_level_first() -> None:
    both = {"Error": "top", "SubStatements": [{"Status": "FAILED", "Error": "part"}]}
    assert reported_error(both) == "top"
    assert reported_error({"SubStatements": [{"Status": "ABORTED", "Error": "part"}]}) == "part"
    assert reported_error({"SubStatements": [{"Status": "FINISHED"}]}) is None


@pytest.mark.parametrize(
    ("operation", "code", "message", "expected"),
    [
        ("ExecuteStatement", "ThrottlingException", "Rate exceeded",
         (RefusedRequestError, True, "Data API ExecuteStatement failed: ThrottlingException: Rate exceeded")),
        ("ExecuteStatement", "ActiveStatementsExceededException", "",
         (RefusedRequestError, True, "Data API ExecuteStatement failed: ActiveStatementsExceededException: ")),
        ("BatchExecuteStatement", "BatchExecuteStatementException", "env",
         (RefusedRequestError, True, "Data API BatchExecuteStatement failed: BatchExecuteStatementException: env")),
        ("ExecuteStatement", "DatabaseConnectionException", "down",
         (UnreachableError, True, "Data API ExecuteStatement failed: DatabaseConnectionException: down")),
        ("BatchExecuteStatement", "AccessDeniedException", "no",
         (ExecutionError, False, "Data API BatchExecuteStatement failed: AccessDeniedException: no (the AWS identity "
          "in use needs redshift-data:BatchExecuteStatement)")),
        ("ListStatements", "UnauthorizedException", "no",
         (ExecutionError, False, "Data API ListStatements failed: UnauthorizedException: no (the AWS identity in use "
          "needs redshift-data:ListStatements)")),
        ("ExecuteStatement", "ValidationException", f"bad {SECRET}",
         (RefusedRequestError, False, "Data API ExecuteStatement failed: ValidationException: bad ***")),
    ],
)  # fmt: skip
def test_api_error(operation: str, code: str, message: str, expected: Expected) -> None:
    failure = api_error(operation, code, message)
    assert outcome(failure) == expected
    if isinstance(failure, RefusedRequestError):
        assert failure.code == code


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (error("ValidationException", 400, "bad"),
         (RefusedRequestError, False, "Data API DescribeStatement failed: ValidationException: bad")),
        (error("ThrottlingException", 400, "Rate exceeded"),
         (ExecutionError, True, "Data API DescribeStatement failed: ThrottlingException: Rate exceeded (busy for 300 s)")),
        (error("SomethingElse", 503, "x"),
         (ExecutionError, True, "Data API DescribeStatement failed: SomethingElse: x (busy for 300 s)")),
        (error("DatabaseConnectionException", 400, "down"),
         (UnreachableError, True, "Data API DescribeStatement failed: DatabaseConnectionException: down")),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
         (UnreachableError, True,
          "Data API DescribeStatement failed: EndpointConnectionError (the AWS endpoint could not be reached)")),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
         (UnreachableError, True,
          "Data API DescribeStatement failed: ReadTimeoutError (the AWS endpoint could not be reached)")),
        (NoCredentialsError(), (ExecutionError, False,
                                "Data API DescribeStatement failed: NoCredentialsError (no AWS credentials were found: "
                                "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role "
                                "provides them (a Glue job's role, an instance profile))")),
    ],
)  # fmt: skip
def test_a_failed_call_is_translated(raised: Exception, expected: Expected) -> None:
    assert outcome(translated("DescribeStatement", raised, 300.0)) == expected


def test_other_errors_pass_as_they_are() -> None:
    bug = KeyError("Id")
    assert translated("DescribeStatement", bug, 300.0) is bug


@pytest.mark.parametrize(
    ("code", "status", "busy"),
    [
        ("ThrottlingException", 400, True),
        ("ActiveStatementsExceededException", 400, True),
        ("InternalServerException", 500, True),
        ("SomethingElse", 503, True),
        ("ValidationException", 400, False),
        ("AccessDeniedException", 403, False),
    ],
)
def test_busy_answers(code: str, status: int, busy: bool) -> None:
    assert is_busy(error(code, status)) is busy
    assert not is_busy(ValueError("x"))


STOPPED = (
    "the statement ran longer than --statement_timeout_seconds 30 (Redshift's statement_timeout) and was stopped: "
)


@pytest.mark.parametrize(
    ("described", "expected"),
    [
        ({"Id": "s1", "Status": "FAILED", "Error": "ERROR: Query (150) canceled on user's request"},
         (LimitError, False, STOPPED + "Query (150) canceled on user's request")),
        ({"Id": "s1", "Status": "FAILED", "Error": "ERROR: canceling statement due to statement timeout"},
         (LimitError, False, STOPPED + "canceling statement due to statement timeout")),
        ({"Id": "s1", "Status": "ABORTED"},
         (ExecutionError, False, "statement s1 was cancelled (ABORTED) before it finished")),
        ({"Id": "s1", "Status": "FAILED", "Error": REDSHIFT_1023}, (ExecutionError, True, SERIALIZABLE)),
    ],
)  # fmt: skip
def test_a_statement_stopped_by_the_timeout_says_so(described: dict[str, Any], expected: Expected) -> None:
    assert outcome(ended_badly(described, SessionSettings(statement_timeout_seconds=30))) == expected


QMR_ABORT = 'ERROR:  Query (500029) cancelled by WLM abort action of Query Monitoring Rule "testrule".'
"""A query monitoring rule's abort as AWS's Knowledge Center quotes it ("Why was my Amazon Redshift query aborted?")."""


@pytest.mark.parametrize("timeout", [30, None])
def test_a_statement_a_wlm_rule_aborted_says_so_never_the_timeout(timeout: float | None) -> None:
    described = {"Id": "s1", "Status": "FAILED", "Error": QMR_ABORT}
    assert outcome(ended_badly(described, SessionSettings(statement_timeout_seconds=timeout))) == (
        LimitError,
        False,
        "a WLM query monitoring rule of the cluster aborted the statement (another attempt would meet it again): "
        'Query (500029) cancelled by WLM abort action of Query Monitoring Rule "testrule".',
    )
