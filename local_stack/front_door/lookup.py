"""Whether a schema exists, asked on a side connection of the front door's own (the superuser, through PgBouncer).

Why: PostgreSQL reports ``SELECT * FROM x.t`` as ``relation "x.t" does not exist`` (42P01) whether ``x`` or only
``t`` is missing, where Redshift reports a missing schema as 3F000 (awslabs/amazon-redshift-utils#490); the error
alone cannot tell them apart, the catalog can.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

import redshift_connector

log = logging.getLogger(__name__)

SCHEMA_SQL = "SELECT 1 FROM pg_namespace WHERE nspname = %s"


class SchemaLookup:
    """``(database, schema) -> bool`` over one reused admin connection per database (a stale one is replaced)."""

    def __init__(self, host: str, port: int, user: str, password: str) -> None:
        self._host, self._port, self._user = host, port, user
        self._password = password
        self._connections: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, database: str, schema: str) -> bool:
        with self._lock:
            for attempt in (1, 2):
                try:
                    cursor = self._connection(database).cursor()
                    cursor.execute(SCHEMA_SQL, (schema,))
                    return bool(cursor.fetchall())
                except (redshift_connector.error.Error, OSError) as exc:
                    self._drop(database)
                    if attempt == 2:
                        log.warning("could not look up schema %r in %s: %s", schema, database, exc)
        return True  # unknown: the server's own error stands

    def close(self) -> None:
        """Close every side connection."""
        with self._lock:
            for database in list(self._connections):
                self._drop(database)

    def _connection(self, database: str) -> Any:
        if database not in self._connections:
            connection = redshift_connector.connect(
                host=self._host, port=self._port, user=self._user, password=self._password, database=database,
                ssl=False, timeout=30, application_name="front-door-lookup",
            )  # fmt: skip
            connection.autocommit = True
            self._connections[database] = connection
        return self._connections[database]

    def _drop(self, database: str) -> None:
        connection = self._connections.pop(database, None)
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()
