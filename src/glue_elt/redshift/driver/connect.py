"""Opening a ``redshift_connector`` connection the way the steps use it: unnamed statements, TCP keepalives that a
NAT gateway notices, and a time limit on opening it but none on the statements it then runs.

The driver's ``timeout`` (redshift_connector 2.2 ``Connection.__init__``) is its socket's timeout for the whole
connection, so it would end any statement that runs longer as well (reported: mitdbg/brad#282); a boundary test in
``tests/boundary/test_redshift_connector.py`` pins both behaviours.

A connection waiting on a long statement sends nothing. NAT gateways, VPC endpoints and Network Load Balancers drop a
TCP flow idle for 350 seconds (AWS Networking blog, "Implementing long-running TCP Connections within VPC
networking"; apache/airflow#2513, dbt-labs/dbt-redshift#997), and Linux's default first keepalive probe comes after
7,200: the statement's answer would then never arrive. Redshift's own advice is shorter keepalives on the client
(mgmt/connecting-firewall-guidance.html); the driver sets them per socket from 2.1.8 (its CHANGELOG), so nothing
system-wide is changed. See docs/redshift-compatibility.md.
"""

from __future__ import annotations

from typing import Any

from glue_elt.redshift.auth.spec import RedshiftCredentials

KEEPALIVE_IDLE_SECONDS = 60
"""Idle time before the first keepalive probe (and between probes while they are answered): well under the 350 s after
which AWS's NAT gateways and load balancers drop a silent flow, with room for a lost probe or two; one small packet a
minute per connection costs nothing."""
KEEPALIVE_INTERVAL_SECONDS = 20
"""Time between probes that go unanswered."""
KEEPALIVE_COUNT = 5
"""Unanswered probes before the OS declares the connection dead: a peer that is gone fails the statement after
60 + 5 x 20 = 160 s (still inside the 350 s window, so a probe that got through keeps the flow), instead of the
two hours and more of Linux's defaults (7,200 + 9 x 75 s)."""

CONNECT_OPTIONS: dict[str, Any] = {
    "application_name": "glue-elt",
    "max_prepared_statements": 0,
    "tcp_keepalive": True,
    "tcp_keepalive_idle": KEEPALIVE_IDLE_SECONDS,
    "tcp_keepalive_interval": KEEPALIVE_INTERVAL_SECONDS,
    "tcp_keepalive_count": KEEPALIVE_COUNT,
}
"""``max_prepared_statements=0``: unnamed statements, none kept on the server. The driver's default (1000 named ones)
pays off for repeated texts, but the steps' texts are one-shot (each names its table and, tagged, its row); it
costs a Close round trip for each statement past the 1000th, and one per kept statement at every ROLLBACK, CREATE,
ALTER and DROP (redshift_connector 2.2 ``handle_COMMAND_COMPLETE``); see docs/redshift-compatibility.md.
``tcp_keepalive*`` (redshift_connector 2.1.8 on): the socket's ``SO_KEEPALIVE``, ``TCP_KEEPIDLE``,
``TCP_KEEPINTVL`` and ``TCP_KEEPCNT``, so a long statement's silent connection outlives a NAT gateway's idle timeout."""


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
