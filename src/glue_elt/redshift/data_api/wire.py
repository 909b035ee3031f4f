"""What goes over the Redshift Data API and comes back: targets, parameters, result records and errors.

Pure functions, no calls: the executor (``glue_elt.redshift.data_api.executor``) sends and polls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from glue_elt.aws.errors import ACCESS_DENIED_CODES
from glue_elt.core.redaction import redact
from glue_elt.errors import ExecutionError, SecretError, UnreachableError
from glue_elt.redshift.auth.spec import AuthMethod, ConnectionSpec
from glue_elt.redshift.transient import TRANSIENT_MARKERS

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
MAX_STATEMENT_BYTES = 100 * 1024
"""The Data API's largest statement ("The maximum query statement size is 100 KB", mgmt/data-api.html)."""
_PLACEHOLDER = "%s"


def data_api_target(spec: ConnectionSpec) -> dict[str, str]:
    """The request fields that name the target and who runs the SQL, for ``spec``'s kind of secret:
    ``SecretArn`` for a stored password, ``DbUser`` for a cluster's database user (temporary credentials),
    nothing more for the caller's IAM identity."""
    target = {"Database": spec.database}
    if spec.workgroup_name is not None:
        target["WorkgroupName"] = spec.workgroup_name
    elif spec.cluster_identifier is not None:
        target["ClusterIdentifier"] = spec.cluster_identifier
    else:
        raise SecretError(
            f"secret {spec.secret_name!r} names no cluster_identifier or workgroup_name: the Data API reaches a "
            "cluster or a workgroup by name, not a host; add one to the secret"
        )
    if spec.auth is AuthMethod.PASSWORD:
        if spec.secret_arn is None:
            raise SecretError(f"secret {spec.secret_name!r}: its ARN is unknown, so the Data API cannot read it")
        target["SecretArn"] = spec.secret_arn
    elif spec.auth is AuthMethod.CLUSTER_USER:
        if spec.auto_create or spec.db_groups:
            raise SecretError(
                f"secret {spec.secret_name!r} asks for auto_create or db_groups, which the Data API cannot pass "
                "(it takes only DbUser): create the user beforehand, or use --executor driver"
            )
        target["DbUser"] = str(spec.user)
    return target


def named_parameters(sql: str, params: Sequence[Any] | None) -> tuple[str, list[dict[str, str]]]:
    """``sql`` with its ``%s`` placeholders (the driver's style) as ``:p1``, ``:p2`` … and the Data API's
    ``Parameters`` list (values as text; the server infers types from where they stand). A ``%s`` inside a quoted
    name (``ops."run%state"``), a string literal or a comment is text, as the driver reads it."""
    if not params:
        return sql, []
    places = placeholders(sql)
    if len(places) != len(params):
        raise ValueError(f"{len(params)} parameter(s) for {len(places)} placeholder(s)")
    pieces, start = [], 0
    for number, place in enumerate(places, 1):
        pieces += [sql[start:place], f":p{number}"]
        start = place + len(_PLACEHOLDER)
    text = "".join(pieces) + sql[start:]
    return text, [{"name": f"p{i}", "value": parameter_text(value)} for i, value in enumerate(params, 1)]


_CLOSING = {"'": "'", '"': '"', "--": "\n", "/*": "*/"}
"""What ends a quoted name, a string literal or a comment, by what opens it."""


def placeholders(sql: str) -> list[int]:
    """Where ``%s`` stands in ``sql`` outside quoted names, string literals and comments. In a literal, a doubled
    quote and a backslash's next character are text (Redshift reads a backslash in a literal as an escape, see
    ``glue_elt.redshift.names.quote_literal``); in a quoted name, a doubled double quote."""
    found: list[int] = []
    i = 0
    while i < len(sql):
        opening = sql[i : i + 2] if sql[i : i + 2] in ("--", "/*") else sql[i]
        if opening in _CLOSING:
            i = _end_of(sql, i + len(opening), opening)
        elif sql.startswith(_PLACEHOLDER, i):
            found.append(i)
            i += len(_PLACEHOLDER)
        else:
            i += 1
    return found


def _end_of(sql: str, i: int, opening: str) -> int:
    """The position after what ``opening`` opened (from ``i``, just after it); the end of ``sql`` if unclosed."""
    closing = _CLOSING[opening]
    while i < len(sql):
        if opening == "'" and sql[i] == "\\":
            i += 2
        elif sql.startswith(closing, i):
            if opening in ("'", '"') and sql.startswith(closing, i + 1):
                i += 2  # a doubled quote: text
            else:
                return i + len(closing)
        else:
            i += 1
    return i


def parameter_text(value: Any) -> str:
    """A parameter value as the Data API takes it: non-empty text."""
    if value is None or value == "":
        raise ValueError("the Data API takes no NULL or empty parameter values")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def field_value(field: Mapping[str, Any]) -> Any:
    """One ``Field`` of ``GetStatementResult`` as a Python value (NUMERIC and DECIMAL arrive as text)."""
    if field.get("isNull"):
        return None
    for key in ("longValue", "booleanValue", "doubleValue", "stringValue"):
        if key in field:
            return field[key]
    if "blobValue" in field:
        return bytes(field["blobValue"])
    return None


def records(page: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of one ``GetStatementResult`` page."""
    return [tuple(field_value(field) for field in record) for record in page.get("Records", [])]


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


class RefusedRequestError(ExecutionError):
    """The Data API refused a request (not its SQL) with the error ``code``."""

    def __init__(self, message: str, *, code: str, transient: bool = False) -> None:
        super().__init__(message, transient=transient)
        self.code = code


def api_error(operation: str, code: str, message: str) -> ExecutionError:
    """An error answered by the Data API itself (the request, not the SQL, failed)."""
    text = f"Data API {operation} failed: {code}: {redact(message)}"
    if code in UNREACHABLE_CODES:
        return UnreachableError(text)
    if code in ACCESS_DENIED_CODES or code == "UnauthorizedException":
        return ExecutionError(f"{text} (the AWS identity in use needs redshift-data:{operation})")
    return RefusedRequestError(text, code=code, transient=code in TRANSIENT_CODES)


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


def failed_part(described: Mapping[str, Any]) -> int | None:
    """The 0-based index of the sub-statement that failed in a described batch, if any."""
    statuses = [part.get("Status") for part in described.get("SubStatements", [])]
    for status in ("FAILED", "ABORTED"):  # the failed one, else the first one stopped
        if status in statuses:
            return statuses.index(status)
    return None


def same_statements(described: Mapping[str, Any], sent: Sequence[str]) -> bool:
    """Whether a described batch ran the statements ``sent``: as many sub-statements, each with the text sent (runs of
    white space aside; a sub-statement that shows no text counts as the same). A ``ClientToken`` sent again is
    answered with the batch it first named, whatever that batch ran (mgmt/data-api.html): its row counts and query
    ids are this request's only when its statements are."""
    parts = described.get("SubStatements", [])
    if len(parts) != len(sent):
        return False
    shown = [part.get("QueryString") for part in parts]
    return all(text is None or _spaced(str(text)) == _spaced(sql) for text, sql in zip(shown, sent))


def _spaced(sql: str) -> str:
    return " ".join(sql.split())


def check_size(sql: str, what: str) -> None:
    """``ExecutionError`` when ``sql`` is over the Data API's statement size."""
    size = len(sql.encode("utf-8"))
    if size > MAX_STATEMENT_BYTES:
        raise ExecutionError(
            f"{what} is {size / 1024:.0f} KB; the Data API takes at most 100 KB per statement "
            "(fewer source_columns, or --executor driver)"
        )


def ended_badly(described: Mapping[str, Any]) -> ExecutionError:
    """The error of a described statement that did not finish (ABORTED: cancelled)."""
    if described.get("Status") == "ABORTED":
        return ExecutionError(f"statement {described.get('Id')} was cancelled (ABORTED) before it finished")
    return statement_error(reported_error(described))


def snake_case(operation: str) -> str:
    """``BatchExecuteStatement`` -> ``batch_execute_statement`` (boto3's method name)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")
