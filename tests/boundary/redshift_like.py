"""Amazon Redshift behaviours that PostgreSQL lacks, applied at the driver boundary of the stand-in.

A ``RedshiftLike`` connector wraps a real ``redshift_connector`` connection to the stand-in and makes it answer
as a Redshift cluster does where the two differ, so the step's code runs unchanged against them:

- ``SHOW enable_case_sensitive_identifier`` answers ``off`` (Redshift's default) or ``on``; PostgreSQL has no
  such setting (https://docs.aws.amazon.com/redshift/latest/dg/r_enable_case_sensitive_identifier.html).
- A missing schema is reported as Redshift reports it, ``schema "x" does not exist`` with SQLSTATE 3F000,
  where PostgreSQL 16 says ``relation "x.t" does not exist``, 42P01 (awslabs/amazon-redshift-utils#490).
- A transaction whose first statement only reads a data-share object (a ``SELECT`` naming
  ``"shared_db".``) is refused with "Datashare writes are not authorized", as a consumer cluster refused
  one opened by the driver (aws/amazon-redshift-python-driver#247; the exact payload is not public, so
  the SQLSTATE here is Redshift's generic XX000).

- ``SET query_group TO 'x'`` (dg/r_query_group.html), which PostgreSQL refuses, is sent as ``SET application_name
  TO 'x'``, PostgreSQL's session label (as the local Data API does: ``local_stack.aws_api.runner.stand_in_sql``).

Everything else goes to PostgreSQL as sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import redshift_connector

from glue_elt.redshift.auth.secrets import RedshiftCredentials
from glue_elt.redshift.driver.executor import connect_redshift
from glue_elt.redshift.tags import untagged
from local_stack.aws_api.runner import stand_in_sql

CASE_SETTING = re.compile(r"\s*SHOW\s+enable_case_sensitive_identifier\s*;?\s*", re.IGNORECASE)
MISSING_RELATION = re.compile(r'relation "([^".]+)\.[^"]+" does not exist')
SHARE_REFERENCE = '"shared_db".'


def server_error(code: str, message: str) -> redshift_connector.ProgrammingError:
    """An error as ``redshift_connector`` raises a server's ErrorResponse."""
    return redshift_connector.ProgrammingError({"S": "ERROR", "C": code, "M": message})


class RedshiftLikeCursor:
    """A driver cursor whose answers follow Redshift where PostgreSQL differs (see the module docstring)."""

    def __init__(self, connection: RedshiftLikeConnection, cursor: Any) -> None:
        self._connection = connection
        self._cursor = cursor
        self._rows: list[tuple[Any, ...]] | None = None

    def execute(self, sql: str, args: Sequence[Any] | None = None) -> RedshiftLikeCursor:
        self._rows = None
        connection = self._connection
        text = untagged(sql)  # Redshift reads a statement after its leading comment, glue-elt's tag
        if CASE_SETTING.fullmatch(text):
            self._rows = [(connection.case_setting,)]
            return self
        if connection.opens_transaction() and text.lstrip().upper().startswith("SELECT") and SHARE_REFERENCE in text:
            raise server_error("XX000", "Datashare writes are not authorized")
        connection.statements_in_transaction += 0 if connection.real.autocommit else 1
        try:
            self._cursor.execute(stand_in_sql(sql), args)
        except redshift_connector.ProgrammingError as error:
            payload = error.args[0] if error.args else None
            if isinstance(payload, dict) and payload.get("C") == "42P01":
                match = MISSING_RELATION.search(str(payload.get("M", "")))
                if match and not connection.schema_exists(match.group(1)):
                    raise server_error("3F000", f'schema "{match.group(1)}" does not exist') from None
            raise
        return self

    @property
    def rowcount(self) -> int:
        return len(self._rows) if self._rows is not None else int(self._cursor.rowcount)

    @property
    def description(self) -> Any:
        return [("enable_case_sensitive_identifier",)] if self._rows is not None else self._cursor.description

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._rows) if self._rows is not None else [tuple(r) for r in self._cursor.fetchall()]

    def fetchone(self) -> Any:
        return self.fetchall()[0] if self._rows is not None else self._cursor.fetchone()


class RedshiftLikeConnection:
    """A real connection with Redshift's answers (see the module docstring)."""

    def __init__(self, real: Any, case_setting: str, schema_exists: Callable[[str], bool]) -> None:
        self.real = real
        self.case_setting = case_setting
        self.schema_exists = schema_exists
        self.statements_in_transaction = 0

    def opens_transaction(self) -> bool:
        return not self.real.autocommit and self.statements_in_transaction == 0

    @property
    def autocommit(self) -> bool:
        return bool(self.real.autocommit)

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        self.real.autocommit = value

    def cursor(self) -> RedshiftLikeCursor:
        return RedshiftLikeCursor(self, self.real.cursor())

    def commit(self) -> None:
        self.statements_in_transaction = 0
        self.real.commit()

    def rollback(self) -> None:
        self.statements_in_transaction = 0
        self.real.rollback()

    def close(self) -> None:
        self.real.close()


def redshift_like(
    schema_exists: Callable[[str], bool], case_setting: str = "off"
) -> Callable[[RedshiftCredentials], RedshiftLikeConnection]:
    """A connector for ``RedshiftExecutor`` that opens Redshift-like connections to the stand-in."""

    def connect(credentials: RedshiftCredentials) -> RedshiftLikeConnection:
        return RedshiftLikeConnection(connect_redshift(credentials), case_setting, schema_exists)

    return connect
