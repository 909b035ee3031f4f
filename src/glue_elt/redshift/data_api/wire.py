"""What goes over the Redshift Data API and comes back: targets, parameters, result records, batch positions.

Pure functions, no calls of their own (``result_rows`` pages through the caller's): the executor
(``glue_elt.redshift.data_api.executor``) sends and polls; what a failure becomes is ``errors``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from glue_elt.errors import ExecutionError, SecretError
from glue_elt.redshift.auth.spec import AuthMethod, ConnectionSpec

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


def result_rows(get_result: Callable[[dict[str, Any]], Mapping[str, Any]], statement_id: str) -> list[tuple[Any, ...]]:
    """Every row of a statement's result: ``GetStatementResult`` (``get_result``) page by page, each asked for with the
    previous page's ``NextToken``."""
    rows: list[tuple[Any, ...]] = []
    request: dict[str, Any] = {"Id": statement_id}
    while True:
        page = get_result(request)
        rows.extend(records(page))
        if not page.get("NextToken"):
            return rows
        request = {"Id": statement_id, "NextToken": page["NextToken"]}


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


def snake_case(operation: str) -> str:
    """``BatchExecuteStatement`` -> ``batch_execute_statement`` (boto3's method name)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")
