"""Wire formats of the two AWS protocols the local server speaks, and the caller a request names.

- **AWS JSON 1.1** (``redshift-data``, ``redshift-serverless``): ``POST /`` with ``X-Amz-Target: <prefix>.<Operation>``
  and a JSON body; errors are HTTP 4xx/5xx with ``{"__type": "<Code>", "message": ..., "Message": ...}`` (botocore
  reads either spelling; the Data API's modelled errors use ``Message``, Redshift Serverless's ``message``).
- **AWS Query** (``redshift``): ``POST /`` with a form body ``Action=...&Version=2012-12-01&...``; answers are XML
  ``<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>...`` and errors
  ``<ErrorResponse><Error><Type>Sender</Type><Code>...</Code><Message>...</Message></Error>...``, whose ``Code`` is the
  modelled ``error.code`` (``ClusterNotFound`` for ``ClusterNotFoundFault``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from local_stack.endpoints import LOCAL_REGION

REDSHIFT_XMLNS = "http://redshift.amazonaws.com/doc/2012-12-01/"
_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/,\s]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


class ApiError(Exception):
    """An AWS error answer: ``code`` as botocore's ``ClientError`` reports it, HTTP ``status``, modelled ``extra``
    members (such as ``ResourceId``)."""

    def __init__(self, code: str, message: str, status: int = 400, **extra: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status, self.extra = code, message, status, extra


def validation(message: str) -> ApiError:
    """``ValidationException`` (HTTP 400)."""
    return ApiError("ValidationException", message)


@dataclass(frozen=True)
class Caller:
    """Who signed the request: the access key id (and session token) of its SigV4 ``Authorization`` header."""

    access_key: str = "testing"
    session_token: str | None = field(default=None, repr=False)
    region: str = LOCAL_REGION


def caller_of(headers: Mapping[str, str]) -> Caller:
    """The ``Caller`` of a request (the dummy ``testing`` key when it is not signed)."""
    lowered = {key.lower(): value for key, value in headers.items()}
    token = lowered.get("x-amz-security-token")
    found = _CREDENTIAL.search(lowered.get("authorization", ""))
    if found is None:
        return Caller(session_token=token)
    return Caller(found["key"], token, found["region"])


def json_error_body(error: ApiError) -> dict[str, Any]:
    """The JSON 1.1 error document."""
    return {"__type": error.code, "message": error.message, "Message": error.message, **error.extra}


def query_params(body: bytes) -> dict[str, str]:
    """A Query-protocol form body as a flat mapping (``DbGroups.DbGroup.1`` stays one key)."""
    return {key: values[-1] for key, values in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}


def query_list(params: Mapping[str, str], name: str) -> list[str]:
    """The members of list parameter ``name`` (``name.<member>.<n>``) in order."""
    found: list[tuple[int, str]] = []
    for key, value in params.items():
        prefix, _, index = key.rpartition(".")
        if prefix.startswith(name + ".") and prefix.count(".") == 1 and index.isdigit():
            found.append((int(index), value))
    return [value for _, value in sorted(found)]


def query_bool(params: Mapping[str, str], name: str) -> bool:
    """A Query-protocol boolean (``true``/``false``; absent is false)."""
    return params.get(name, "false").lower() == "true"


def query_int(params: Mapping[str, str], name: str, default: int) -> int:
    """A Query-protocol integer; a malformed one is ``InvalidParameterValue``."""
    try:
        return int(params.get(name, default))
    except ValueError:
        raise ApiError("InvalidParameterValue", f"{name} must be an integer") from None


def iso8601(moment: dt.datetime) -> str:
    """``2026-11-29T21:05:00.123Z``, as AWS's XML answers write times."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def xml(value: object, item: str = "member") -> str:
    """XML for a Query answer: a mapping becomes child elements, a list repeats ``item`` elements."""
    if isinstance(value, Mapping):
        return "".join(f"<{key}>{xml(child, _item_name(key))}</{key}>" for key, child in value.items())
    if isinstance(value, list):
        return "".join(f"<{item}>{xml(child)}</{item}>" for child in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return iso8601(value)
    return escape(str(value))


def _item_name(key: str) -> str:
    """Redshift's list element names: ``Clusters`` holds ``Cluster`` elements, most others ``member``."""
    return {"Clusters": "Cluster", "DbGroups": "DbGroup"}.get(key, "member")


def query_response(action: str, result: Mapping[str, object]) -> str:
    """A whole Query answer for ``action``."""
    return (
        f'<{action}Response xmlns="{REDSHIFT_XMLNS}"><{action}Result>{xml(result)}</{action}Result>'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{action}Response>"
    )


def query_error(error: ApiError) -> str:
    """A Query error document."""
    kind = "Receiver" if error.status >= 500 else "Sender"
    return (
        f'<ErrorResponse xmlns="{REDSHIFT_XMLNS}"><Error><Type>{kind}</Type><Code>{escape(error.code)}</Code>'
        f"<Message>{escape(error.message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )


def epoch(moment: dt.datetime | None) -> float | None:
    """A JSON-protocol timestamp (seconds since the epoch), or None."""
    return None if moment is None else moment.timestamp()


def now() -> dt.datetime:
    """The current time, UTC."""
    return dt.datetime.now(dt.timezone.utc)
