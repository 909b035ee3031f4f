"""What the check creates on the servers, named with one random suffix, and removes again in reverse order, also
after a failure or Ctrl-C.

On the consumer: a work schema (the steps' state table, the questions' probe tables), a target schema and, without a
producer, the source schema. On a producer: the source tables, in the schema the share already holds
(``GLUE_ELT_LIVE_PRODUCER_SCHEMA``) or, with ``--setup-share``, in a schema of the check's own added to a data share
it creates, granted to the consumer's namespace, and mounted on the consumer with ``CREATE DATABASE … FROM
DATASHARE`` (dg/r_CREATE_DATASHARE.html, dg/r_ALTER_DATASHARE.html, dg/r_CURRENT_NAMESPACE.html,
mgmt/query-editor-v2-datashare-consumer.html).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from live_check.server import Server, error_text
from live_check.settings import LiveSettings

ORDERS_ROWS = 1000
CUSTOMERS_ROWS = 10
PREFIX = "glue_elt_live_"
"""Every schema, database and data share the check creates starts with this (plus the run's suffix)."""


def new_suffix() -> str:
    """A random suffix for one run's names: lower-case letters and digits."""
    return secrets.token_hex(4)


@dataclass(frozen=True)
class Names:
    """The names of one run's objects."""

    suffix: str
    source_database: str
    source_schema: str
    work: str
    target: str
    datashare: str | None = None

    @property
    def orders(self) -> str:
        return f"lc_{self.suffix}_orders"

    @property
    def customers(self) -> str:
        return f"lc_{self.suffix}_customers"

    @property
    def digits(self) -> str:
        return f"lc_{self.suffix}_digits"

    def source(self, table: str) -> str:
        """``database.schema.table`` of a source table as the consumer reads it."""
        return f"{self.source_database}.{self.source_schema}.{table}"


class Workspace:
    """Creates the run's objects and keeps how to remove each; ``remove`` undoes them newest first."""

    def __init__(self, settings: LiveSettings, consumer: Server, producer: Server | None, suffix: str) -> None:
        self.settings, self.consumer, self.producer = settings, consumer, producer
        self._undo: list[tuple[str, Callable[[], None]]] = []
        base = f"{PREFIX}{suffix}"
        database = str(consumer.value("SELECT current_database()"))
        if settings.setup_share:
            source_database, source_schema, share = f"{base}_share", f"{base}_src", f"{base}_ds"
        elif settings.has_producer:
            source_database, source_schema, share = str(settings.share_database), str(settings.producer_schema), None
        else:
            source_database, source_schema, share = database, f"{base}_src", None
        self.names = Names(suffix, source_database, source_schema, base, f"{base}_tgt", share)

    def create(self) -> None:
        """Create the schemas, the source tables and (``--setup-share``) the data share and its database."""
        names, consumer = self.names, self.consumer
        self._do(consumer, f"CREATE SCHEMA {names.work}", f"DROP SCHEMA {names.work} CASCADE")
        self._do(consumer, f"CREATE SCHEMA {names.target}", f"DROP SCHEMA {names.target} CASCADE")
        if self.producer is None:
            self._do(consumer, f"CREATE SCHEMA {names.source_schema}", f"DROP SCHEMA {names.source_schema} CASCADE")
            self._source_tables(consumer)
            return
        producer = self.producer
        if self.settings.setup_share:
            self._do(producer, f"CREATE SCHEMA {names.source_schema}", f"DROP SCHEMA {names.source_schema} CASCADE")
        self._source_tables(producer)
        if self.settings.setup_share:
            self._share(producer)
        self._await_share()

    def remove(self) -> list[str]:
        """Undo everything created, newest first; the failures, as text (nothing raises)."""
        failures = []
        while self._undo:
            what, undo = self._undo.pop()
            try:
                undo()
            except Exception as error:
                failures.append(f"{what}: {error_text(error)}")
        for server in (self.consumer, self.producer):
            if server is not None:
                server.close()
        return failures

    def leftovers(self) -> list[str]:
        """The consumer's schemas and databases of this run that still exist (none after ``remove``)."""
        found = self.consumer.rows(
            "SELECT schema_name FROM svv_redshift_schemas WHERE schema_name LIKE %s", (f"{self.names.work}%",)
        )
        databases: list[tuple[object, ...]] = []
        if self.settings.setup_share:
            with contextlib.suppress(Exception):
                databases = self.consumer.rows(
                    "SELECT database_name FROM svv_redshift_databases WHERE database_name = %s",
                    (self.names.source_database,),
                )
        return sorted(str(row[0]) for row in [*found, *databases])

    def _do(self, server: Server, statement: str, undo: str) -> None:
        server.run(statement)
        self._undo.append((undo, lambda: server.run(undo)))

    def _source_tables(self, server: Server) -> None:
        names, schema = self.names, self.names.source_schema
        keys = " DISTKEY(customer_id) COMPOUND SORTKEY(id)" if server.is_redshift() else ""
        number = "a.d * 100 + b.d * 10 + c.d"
        created = [
            (names.digits, f"CREATE TABLE {schema}.{names.digits} (d INT)"),
            (
                names.orders,
                f"CREATE TABLE {schema}.{names.orders} (id INT NOT NULL, customer_id INT, amount NUMERIC(12,2), "
                f"note VARCHAR(40)){keys}",
            ),
            (names.customers, f"CREATE TABLE {schema}.{names.customers} (id INT NOT NULL, name VARCHAR(40))"),
        ]
        for table, statement in created:
            self._do(server, statement, f"DROP TABLE IF EXISTS {schema}.{table}")
        digits = f"{schema}.{names.digits}"
        server.run(
            f"INSERT INTO {digits} VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)",
            f"INSERT INTO {schema}.{names.orders} SELECT {number}, ({number}) % 7, ({number}) * 1.25, "
            f"'order ' || CAST({number} AS VARCHAR(10)) FROM {digits} a, {digits} b, {digits} c",
            f"INSERT INTO {schema}.{names.customers} SELECT d, 'customer ' || CAST(d AS VARCHAR(10)) FROM {digits}",
        )

    def _share(self, producer: Server) -> None:
        names, share = self.names, str(self.names.datashare)
        consumer_namespace = str(self.consumer.value("SELECT current_namespace")).strip()
        producer_namespace = str(producer.value("SELECT current_namespace")).strip()
        self._do(producer, f"CREATE DATASHARE {share}", f"DROP DATASHARE {share}")
        producer.run(
            f"ALTER DATASHARE {share} ADD SCHEMA {names.source_schema}",
            f"ALTER DATASHARE {share} ADD ALL TABLES IN SCHEMA {names.source_schema}",
            f"ALTER DATASHARE {share} SET INCLUDENEW = TRUE FOR SCHEMA {names.source_schema}",
            f"GRANT USAGE ON DATASHARE {share} TO NAMESPACE '{consumer_namespace}'",
        )
        self._do(
            self.consumer,
            f"CREATE DATABASE {names.source_database} FROM DATASHARE {share} OF NAMESPACE '{producer_namespace}'",
            f"DROP DATABASE {names.source_database}",
        )

    def _await_share(self, timeout: float = 120.0) -> None:
        """Wait until the consumer sees the producer's new tables through the share."""
        names, deadline = self.names, time.monotonic() + timeout
        query = (
            "SELECT COUNT(*) FROM svv_redshift_tables WHERE database_name = %s AND schema_name = %s "
            "AND table_name IN (%s, %s)"
        )
        while (
            self.consumer.value(query, (names.source_database, names.source_schema, names.orders, names.customers)) < 2
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the consumer does not see {names.source_schema}'s new tables after {timeout:.0f} s"
                )
            time.sleep(2)
