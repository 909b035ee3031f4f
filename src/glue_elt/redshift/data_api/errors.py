"""The Redshift Data API's errors in glue-elt's terms: the one place that decides what they become.

The Data API fails in three ways, each read here and nowhere else:

- A statement ends ``FAILED`` (or ``ABORTED``): ``DescribeStatement`` gives the server's text (``ERROR: <message>``
  and indented detail lines) and no SQLSTATE, at the top level or only in the failed ``SubStatements[i].Error``
  (botocore's model has ``Error`` at both levels; aws/aws-cdk#15931, awslabs/mcp#1489). A transient failure is known
  by its text alone (Redshift's error 1023 included: ``glue_elt.redshift.transient``).
- The service refuses a request (a ``ClientError`` with an error code): ``DatabaseConnectionException`` means the
  cluster could not be reached; ``ExecuteStatementException`` and ``BatchExecuteStatementException`` are "an
  environmental error while running" (botocore's ``redshift-data`` model), worth another attempt as are throttling
  and server errors; an access denial names the action the identity needs. A code in ``BUSY_CODES`` (or any HTTP
  5xx) is "not now": the pacer waits it out before it becomes one transient error.
- The request is never answered (a ``BotoCoreError``): ``glue_elt.aws.errors.call_failure``.

The executor only calls this module (``translated`` for a call, ``ended_badly`` for a statement), as dlt's
destinations turn their client's errors into dlt's in one place (``_make_database_exception``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from glue_elt.aws.errors import ACCESS_DENIED_CODES, call_failure, refusal
from glue_elt.core.redaction import redact
from glue_elt.errors import ExecutionError, UnreachableError
from glue_elt.redshift.data_api.wire import failed_part
from glue_elt.redshift.session import NO_SETTINGS, SessionSettings, rule_abort_error
from glue_elt.redshift.transient import CANCEL_TEXTS, TRANSIENT_MARKERS, WLM_ABORT_TEXTS

TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "ActiveStatementsExceededException",
        "ActiveSessionsExceededException",
        "InternalServerException",
        "ServiceUnavailableException",
        "ExecuteStatementException",  # "an environmental error while running"
        "BatchExecuteStatementException",
    }
)
"""API error codes worth another attempt (after boto3's own retries)."""
UNREACHABLE_CODES = frozenset({"DatabaseConnectionException"})
BUSY_CODES = frozenset(
    {
        "ThrottlingException",
        "ActiveStatementsExceededException",
        "ActiveSessionsExceededException",
        "InternalServerException",
        "ServiceUnavailableException",
    }
)
"""Answers meaning "not now" (botocore's redshift-data model; any HTTP 5xx counts as well)."""
TOKEN_REFUSALS = frozenset(
    {"ValidationException", "IdempotentParameterMismatch", "IdempotentParameterMismatchException", "ConflictException"}
)
"""Error codes that may mean "this token was used with other parameters" (the Data API's own is not documented);
any of them sends the executor to look for the token's batch (``glue_elt.redshift.data_api.earlier``), and a refusal
for another reason finds none."""


class RefusedRequestError(ExecutionError):
    """The Data API refused a request (not its SQL) with the error ``code``."""

    def __init__(self, message: str, *, code: str, transient: bool = False) -> None:
        super().__init__(message, transient=transient)
        self.code = code


def statement_error(text: str | None, prefix: str = "") -> ExecutionError:
    """The error of a ``FAILED`` statement. The Data API gives the server's text (``ERROR: <message>`` and
    indented detail lines), no SQLSTATE, so transient failures are known by their text (1023 included)."""
    raw = text or "the statement failed without an error message"
    transient = any(marker in raw.lower() for marker in TRANSIENT_MARKERS)
    return ExecutionError(prefix + one_line(raw), transient=transient)


def one_line(text: str) -> str:
    """``ERROR: m\\n  Detail: d`` as ``m (Detail: d)``, secret-free."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = re.sub(r"^ERROR:\s*", "", lines[0]) if lines else text
    rest = f" ({'; '.join(lines[1:])})" if len(lines) > 1 else ""
    return redact(first + rest)


def reported_error(described: Mapping[str, Any]) -> str | None:
    """A failed statement's error text: the top-level ``Error``, else the failed sub-statement's (a batch's
    answer may carry it only in ``SubStatements[i].Error``; botocore's model has ``Error`` at both levels)."""
    if described.get("Error"):
        return str(described["Error"])
    index = failed_part(described)
    if index is None:
        return None
    error = described["SubStatements"][index].get("Error")
    return str(error) if error else None


def ended_badly(described: Mapping[str, Any], settings: SessionSettings = NO_SETTINGS) -> ExecutionError:
    """The error of a described statement that did not finish (ABORTED: cancelled); one a WLM query monitoring rule
    aborted or the run's statement timeout stopped (Redshift's words for each) says so instead, never transient
    (``rule_abort_error``, ``SessionSettings.timeout_error``)."""
    if described.get("Status") == "ABORTED":
        failure = ExecutionError(f"statement {described.get('Id')} was cancelled (ABORTED) before it finished")
    else:
        failure = statement_error(reported_error(described))
    if any(mark in str(failure).lower() for mark in WLM_ABORT_TEXTS):
        return rule_abort_error(failure)
    if settings.statement_timeout_seconds is None or not any(m in str(failure).lower() for m in CANCEL_TEXTS):
        return failure
    return settings.timeout_error(failure)


def api_error(operation: str, code: str, message: str) -> ExecutionError:
    """An error answered by the Data API itself (the request, not the SQL, failed)."""
    text = f"Data API {operation} failed: {code}: {redact(message)}"
    if code in UNREACHABLE_CODES:
        return UnreachableError(text)
    if code in ACCESS_DENIED_CODES or code == "UnauthorizedException":
        return ExecutionError(f"{text} (the AWS identity in use needs redshift-data:{operation})")
    return RefusedRequestError(text, code=code, transient=code in TRANSIENT_CODES)


def is_busy(error: BaseException) -> bool:
    """Whether the service said "not now" (throttled, too many active statements, a server error)."""
    code, status = refusal(error)
    return code in BUSY_CODES or status >= 500


def translated(operation: str, error: BaseException, busy_seconds: float) -> BaseException:
    """What a failed call of ``operation`` raises: the service's refusal as ``api_error`` (a busy answer, still busy
    after the pacer waited ``busy_seconds``, as a transient ``ExecutionError``: a retry of the row), an unanswered
    request as ``call_failure``; anything else (not botocore's) as it is."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code, message = str(details.get("Code", "ClientError")), str(details.get("Message", ""))
        failure = api_error(operation, code, message)
        if is_busy(error):
            return ExecutionError(f"{failure} (busy for {busy_seconds:.0f} s)", transient=True)
        return failure
    if isinstance(error, BotoCoreError):
        return call_failure(error, f"Data API {operation} failed", ExecutionError)
    return error
