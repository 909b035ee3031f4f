"""Redshift's transient-error facts, shared by both backends (the driver's error translation,
``glue_elt.redshift.driver.errors``, and the Data API's, ``glue_elt.redshift.data_api.wire``): the SQLSTATEs and
message texts worth another attempt, and Redshift's number for a serializable isolation violation."""

from __future__ import annotations

TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization failure (Redshift: error 1023, serializable isolation violation)
        "40P01",  # deadlock detected
        "57P01",  # admin shutdown (backend terminated)
        "57P02",  # crash shutdown
        "57P03",  # cannot connect now (server starting)
        "53300",  # too many connections
        "08000",
        "08001",
        "08003",
        "08004",
        "08006",
    }
)
NOT_TRANSIENT_SQLSTATES = frozenset({"08P01"})  # protocol violation (PgBouncer reports failed logins so)
TRANSIENT_MARKERS = ("serializable isolation violation", "error: 1023", "connection reset", "broken pipe")
REDSHIFT_SERIALIZABLE_VIOLATION = "1023"
"""Redshift's error number for a serializable isolation violation: sent as SQLSTATE XX000 with ``M`` = ``1023``
and the text in the detail field ``D`` (seen from a real cluster, aws/aws-sdk-pandas#665)."""
