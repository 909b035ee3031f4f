"""The check's own calls to the server: SQL through ``redshift_connector`` and statements through the Data API, each
reaching the target exactly as the steps do (glue-elt's secret reading, ``connect_redshift``, ``data_api_target``).

Everything the check reports passes through ``glue_elt.core.redaction.redact``: a password read from a secret is
registered before anything can print it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from glue_elt.aws.clients import AwsClients
from glue_elt.core.redaction import redact, register_secret
from glue_elt.errors import SecretError
from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.auth.spec import ConnectionSpec
from glue_elt.redshift.data_api.wire import data_api_target
from glue_elt.redshift.driver.connect import connect_redshift

ENDED = frozenset({"FINISHED", "FAILED", "ABORTED"})
"""The Data API's final statuses (API_DescribeStatement)."""


def error_text(error: BaseException) -> str:
    """A server error on one line: ``SQLSTATE: message`` for the driver's errors, else the error's text."""
    first = error.args[0] if error.args else error
    if isinstance(first, dict) and "M" in first:
        return redact(f"{first.get('C', '?')}: {first['M']}")
    return redact(" ".join(str(first).split()))


class Server:
    """One login of the check (the consumer's or the producer's secret) with one autocommit connection of its own."""

    def __init__(self, secret_name: str, store: SecretStore) -> None:
        self.secret_name = secret_name
        self._store = store
        self._connection: Any = None

    @property
    def spec(self) -> ConnectionSpec:
        """What the secret says about its target."""
        return self._store.spec(self.secret_name)

    def connect(self, *, autocommit: bool = True) -> Any:
        """A new ``redshift_connector`` connection, opened as the steps open theirs."""
        connection = connect_redshift(self._store.get(self.secret_name))
        connection.autocommit = autocommit
        return connection

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of one statement on the check's connection (an empty list for a statement without rows)."""
        if self._connection is None:
            self._connection = self.connect()
        cursor = self._connection.cursor()
        cursor.execute(sql, params)
        if cursor.description is None:
            return []
        return [tuple(row) for row in cursor.fetchall()]

    def run(self, *statements: str) -> None:
        """Run each statement on its own (autocommit)."""
        for statement in statements:
            self.rows(statement)

    def value(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """The first column of the first row."""
        return self.rows(sql, params)[0][0]

    def is_redshift(self) -> bool:
        """True on Amazon Redshift (its ``version()`` names it), False on the PostgreSQL stand-in."""
        return "redshift" in str(self.value("SELECT version()")).lower()

    def close(self) -> None:
        """Close the check's connection (never raises)."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None


class DataApi:
    """The Redshift Data API for one secret's target, as the Data API executor addresses it."""

    def __init__(self, spec: ConnectionSpec, clients: AwsClients) -> None:
        self._client = clients.client("redshift-data")
        self._target = data_api_target(spec)

    def batch(self, sqls: Sequence[str]) -> str:
        """Submit ``BatchExecuteStatement``; its id."""
        return str(self._client.batch_execute_statement(Sqls=list(sqls), **self._target)["Id"])

    def statement(self, sql: str) -> str:
        """Submit ``ExecuteStatement``; its id."""
        return str(self._client.execute_statement(Sql=sql, **self._target)["Id"])

    def describe(self, statement_id: str) -> dict[str, Any]:
        """``DescribeStatement``."""
        return dict(self._client.describe_statement(Id=statement_id))

    def result(self, statement_id: str) -> dict[str, Any]:
        """``GetStatementResult`` (its first page)."""
        return dict(self._client.get_statement_result(Id=statement_id))

    def cancel(self, statement_id: str) -> None:
        """``CancelStatement``."""
        self._client.cancel_statement(Id=statement_id)

    def wait(
        self, statement_id: str, until: Callable[[dict[str, Any]], bool] | None = None, timeout: float = 120.0
    ) -> dict[str, Any]:
        """Poll ``DescribeStatement`` until ``until`` holds (default: a final status) or the statement ended;
        ``TimeoutError`` after ``timeout`` seconds."""
        done = until or (lambda described: described.get("Status") in ENDED)
        deadline, pause = time.monotonic() + timeout, 0.05
        while True:
            described = self.describe(statement_id)
            if done(described) or described.get("Status") in ENDED:
                return described
            if time.monotonic() > deadline:
                raise TimeoutError(f"statement {statement_id} still {described.get('Status')} after {timeout:.0f} s")
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


@contextlib.contextmanager
def usable_secret(name: str, workgroup: str | None, database: str, store: SecretStore, run_name: str) -> Iterator[str]:
    """``name`` when glue-elt can use it as it is; for an admin secret Redshift manages (``username`` and
    ``password`` only) with ``workgroup`` given, a secret of the check's own (``run_name``) holding those plus the
    workgroup and database, deleted when the block ends."""
    try:
        store.spec(name)
        yield name
        return
    except SecretError:
        if workgroup is None:
            raise
    client = store.clients.client("secretsmanager")
    payload = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
    register_secret(str(payload.get("password", "")))
    if not isinstance(payload, dict) or not payload.get("username") or not payload.get("password"):
        raise SecretError(f"secret {name!r} holds neither glue-elt's keys nor a username and password")
    secret = {**payload, "workgroup_name": workgroup, "dbname": database}  # its other keys (port, ssl) as they are
    client.create_secret(Name=run_name, SecretString=json.dumps(secret), Description="glue-elt live check (temporary)")
    try:
        yield run_name
    finally:
        client.delete_secret(SecretId=run_name, ForceDeleteWithoutRecovery=True)
