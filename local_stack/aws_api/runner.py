"""Runs a Data API statement for real: ``redshift_connector`` through the front door, as the database user it names.

One connection per statement (the Data API has no session unless asked for one, which this server does not
emulate). The worker first sends ``SELECT pg_backend_pid()`` (the ``RedshiftPid`` it reports and cancels by), then:
an ``ExecuteStatement`` in autocommit; a batch in ``TRANSACTION`` mode between the driver's ``BEGIN`` and ``COMMIT``
(a failure rolls back: that part FAILED, the later ones ABORTED, the earlier ones stay FINISHED although undone;
a failed COMMIT marks the last part); in ``AUTO_COMMIT`` mode each part on its own, a failure leaving the others
running. The front door (``local_stack.front_door``) answers as Redshift for the Data API as for every other
client: ``SET query_group`` works, and a transaction whose first statement (settings aside) only reads a data share
is refused as a consumer cluster refuses it (``local_stack.redshift_rules``).

A failure's ``Error`` is written as the Data API writes the server's message: ``ERROR: <message>`` plus
``\\n  Detail: <detail>`` and ``\\n  Hint: <hint>`` when the server sent them, no SQLSTATE (see ``local_stack.aws_api``
for the reports this follows). A refused login reads ``FATAL: <message>``.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import logging
from collections.abc import Callable
from typing import Any

import redshift_connector

from local_stack.aws_api.protocol import ApiError
from local_stack.aws_api.statements import Part, Result, Statement
from local_stack.endpoints import StackEndpoints

log = logging.getLogger(__name__)

LONG_TYPES = {20: "int8", 21: "int2", 23: "int4", 26: "oid", 28: "xid"}
DOUBLE_TYPES = {700: "float4", 701: "float8"}
TYPE_NAMES = {
    **LONG_TYPES,
    **DOUBLE_TYPES,
    16: "bool", 17: "bytea", 18: "char", 19: "name", 25: "text", 114: "json", 1042: "bpchar", 1043: "varchar",
    1082: "date", 1083: "time", 1114: "timestamp", 1184: "timestamptz", 1266: "timetz", 1700: "numeric",
    2950: "uuid", 3802: "jsonb",
}  # fmt: skip
TEXT_TYPES = frozenset({18, 19, 25, 1042, 1043})
CANCELED = "57014"  # query_canceled

Resolver = Callable[[], tuple[str, str]]
"""Gives ``(user, password)`` to log in with (temporary credentials are issued when the worker starts)."""


def error_text(error: BaseException) -> str:
    """The ``Error`` text of a driver or server error."""
    first = error.args[0] if error.args else None
    if isinstance(first, dict):
        text = f"{first.get('S', 'ERROR')}: {first.get('M', '')}"
        if first.get("D"):
            text += f"\n  Detail: {first['D']}"
        if first.get("H"):
            text += f"\n  Hint: {first['H']}"
        return text
    if isinstance(error, ApiError):
        return error.message
    return " ".join(str(arg) for arg in error.args) or type(error).__name__


def _sqlstate(error: BaseException) -> str | None:
    first = error.args[0] if error.args else None
    return str(first.get("C")) if isinstance(first, dict) and first.get("C") else None


def field(value: Any, type_oid: int) -> dict[str, Any]:
    """One ``Field`` union value."""
    if value is None:
        return {"isNull": True}
    if type_oid == 16 or isinstance(value, bool):
        return {"booleanValue": bool(value)}
    if type_oid in LONG_TYPES:
        return {"longValue": int(value)}
    if type_oid in DOUBLE_TYPES:
        return {"doubleValue": float(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"blobValue": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # Redshift writes TIMESTAMPTZ in UTC with "+00"
            return {"stringValue": value.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(" ") + "+00"}
        return {"stringValue": value.isoformat(" ")}
    if isinstance(value, (dt.date, dt.time, decimal.Decimal)):
        return {"stringValue": str(value)}
    if isinstance(value, (dict, list)):
        return {"stringValue": json.dumps(value)}
    return {"stringValue": str(value)}


def column(description: tuple[Any, ...], row_desc: dict[str, Any] | None) -> dict[str, Any]:
    """One ``ColumnMetadata`` (no schema or table name: the stand-in does not look them up)."""
    name, type_oid = str(description[0]), int(description[1])
    modifier = int(row_desc.get("type_modifier", -1)) if row_desc else -1
    precision, scale, length = 0, 0, 0
    if type_oid == 1700 and modifier >= 4:
        precision, scale = (modifier - 4) >> 16, (modifier - 4) & 0xFFFF
    elif type_oid in (1042, 1043) and modifier >= 4:
        precision = length = modifier - 4
    return {
        "name": name,
        "label": name,
        "typeName": TYPE_NAMES.get(type_oid, "unknown"),
        "nullable": 1,
        "isCaseSensitive": type_oid in TEXT_TYPES,
        "isCurrency": False,
        "isSigned": type_oid in LONG_TYPES or type_oid in DOUBLE_TYPES or type_oid == 1700,
        "precision": precision,
        "scale": scale,
        "length": length,
        "schemaName": "",
        "tableName": "",
    }


def connect(ep: StackEndpoints, user: str, password: str, database: str) -> Any:
    """A ``redshift_connector`` connection through the front door (autocommit on; no socket timeout: the driver's
    would also cut statements that run longer, which the Data API allows for up to 24 hours)."""
    conn = redshift_connector.connect(
        host=ep.host, port=ep.front_door_port, database=database, user=user, password=password, ssl=False,
        application_name="local-redshift-data-api",
    )  # fmt: skip
    conn.autocommit = True
    return conn


def run_part(cursor: Any, part: Part, sql: str, args: tuple[str, ...] | None) -> None:
    """Run one part on ``cursor`` and record its outcome (raises on failure, the part left STARTED)."""
    part.move("STARTED")
    cursor.execute(sql, args)
    if cursor.description is None:
        part.rows, part.size = max(int(cursor.rowcount), 0), 0
    else:
        row_descs = (getattr(cursor, "ps", None) or {}).get("row_desc") or []
        descriptions = list(cursor.description)
        columns = [column(d, row_descs[i] if i < len(row_descs) else None) for i, d in enumerate(descriptions)]
        oids = [int(d[1]) for d in descriptions]
        records = [[field(value, oids[i]) for i, value in enumerate(row)] for row in cursor.fetchall()]
        part.result = Result(columns, records)
        part.has_result_set, part.rows, part.size = True, len(records), len(json.dumps(records))
    part.move("FINISHED")


def execute(
    statement: Statement, resolve: Resolver, ep: StackEndpoints, bound: list[tuple[str, tuple[str, ...] | None]]
) -> None:
    """The worker thread's body: runs every part of ``statement`` and sets ``statement.done`` at the end."""
    try:
        for part in statement.parts:
            part.move("PICKED")
        if statement.cancel_requested:
            _end_rest(statement, 0, "ABORTED")
            return
        user, password = resolve()
        conn = connect(ep, user, password, statement.database)
        try:
            cursor = conn.cursor()
            cursor.execute("SELECT pg_backend_pid()")
            statement.pid = int(cursor.fetchone()[0])
            if statement.batch and statement.mode == "TRANSACTION":
                _run_transaction(conn, cursor, statement, bound)
            else:
                _run_each(cursor, statement, bound)
        finally:
            conn.close()
    except Exception as error:  # a login refused, credentials not issued, the server gone
        log.info("statement %s failed before running: %s", statement.id, error_text(error))
        _end_rest(statement, 0, "FAILED", error_text(error))
    finally:
        statement.done.set()


def _run_each(cursor: Any, statement: Statement, bound: list[tuple[str, tuple[str, ...] | None]]) -> None:
    for index, part in enumerate(statement.parts):
        if statement.cancel_requested:
            _end_rest(statement, index, "ABORTED")
            return
        try:
            run_part(cursor, part, *bound[index])
        except Exception as error:
            part.move("ABORTED" if _cancelled(statement, error) else "FAILED", error_text(error))
            if part.status == "ABORTED":
                _end_rest(statement, index + 1, "ABORTED")
                return


def _run_transaction(
    conn: Any, cursor: Any, statement: Statement, bound: list[tuple[str, tuple[str, ...] | None]]
) -> None:
    conn.autocommit = False
    index = 0
    try:
        if statement.queued_seconds:  # the session is open and busy, no lock taken yet (a fault; see faults)
            cursor.execute(f"SELECT pg_sleep({float(statement.queued_seconds)})")
        for index, part in enumerate(statement.parts):
            if statement.cancel_requested:
                raise _CanceledError
            run_part(cursor, part, *bound[index])
        conn.commit()
    except Exception as error:
        canceled = isinstance(error, _CanceledError) or _cancelled(statement, error)
        try:
            conn.rollback()
        except Exception:
            log.debug("rollback after a failed batch part failed too", exc_info=True)
        failed = statement.parts[index]
        if failed.status == "FINISHED":  # the COMMIT failed
            failed.status = "STARTED"
        failed.move(
            "ABORTED" if canceled else "FAILED", None if isinstance(error, _CanceledError) else error_text(error)
        )
        _end_rest(statement, index + 1, "ABORTED")


def _cancelled(statement: Statement, error: BaseException) -> bool:
    """Whether ``CancelStatement`` stopped the statement (ABORTED). Stopped by the server otherwise (its
    ``statement_timeout``: the same SQLSTATE 57014), it FAILED with the server's text, as any server error does."""
    return statement.cancel_requested and _sqlstate(error) == CANCELED


class _CanceledError(Exception):
    """CancelStatement arrived between two parts of a batch."""


def _end_rest(statement: Statement, start: int, status: str, error: str | None = None) -> None:
    for part in statement.parts[start:]:
        if part.status not in ("FINISHED", "FAILED", "ABORTED"):
            part.move(status, error)
