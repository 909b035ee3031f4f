"""Opening a ``redshift_connector`` connection the way the steps use it: unnamed statements, and a time limit on
opening it but none on the statements it then runs.

The driver's ``timeout`` (redshift_connector 2.2 ``Connection.__init__``) is its socket's timeout for the whole
connection, so it would end any statement that runs longer as well (reported: mitdbg/brad#282); a boundary test in
``tests/boundary/test_redshift_connector.py`` pins both behaviours.
"""

from __future__ import annotations

from typing import Any

from glue_elt.redshift.auth.spec import RedshiftCredentials

CONNECT_OPTIONS: dict[str, Any] = {"application_name": "glue-elt", "max_prepared_statements": 0}
"""``max_prepared_statements=0``: unnamed statements, none kept on the server. The driver's default (1000 named ones)
pays off for repeated texts, but the steps' texts are one-shot (each names its table and, tagged, its row); it
costs a Close round trip for each statement past the 1000th, and one per kept statement at every ROLLBACK, CREATE,
ALTER and DROP (redshift_connector 2.2 ``handle_COMMAND_COMPLETE``); see docs/redshift-compatibility.md."""


CONNECT_TIMEOUT_SECONDS = 30
"""How long opening a connection (TCP, TLS, log-in) may take before it fails as unreachable (and is retried as
``--max_retries`` says): without it an unreachable cluster holds each attempt for as long as the OS tries (minutes)."""


def connect_redshift(credentials: RedshiftCredentials, timeout: int = CONNECT_TIMEOUT_SECONDS) -> Any:
    """Open a ``redshift_connector`` connection (autocommit off) for ``credentials``, with ``CONNECT_OPTIONS``, that
    must be open within ``timeout`` seconds.

    The driver's ``timeout`` is its socket's, so it would end any statement that runs longer too (seen:
    mitdbg/brad#282; a boundary test pins it): once open, the socket is made blocking again, and a statement runs
    for as long as the server lets it (``--statement_timeout_seconds``)."""
    import redshift_connector

    connection = redshift_connector.connect(
        host=credentials.host,
        port=credentials.port,
        database=credentials.database,
        user=credentials.user,
        password=credentials.password,
        ssl=credentials.ssl,
        timeout=timeout,
        **CONNECT_OPTIONS,
    )
    connection._usock.settimeout(None)  # the driver has no public way: its socket, plain or TLS
    return connection
