"""Redshift's message texts that both backends read: those that mark a failure worth another attempt, and those of a
statement the statement timeout stopped. The driver's error translation (``glue_elt.redshift.driver.errors``, beside
the SQLSTATE it also has) and the Data API's (``glue_elt.redshift.data_api.errors``, which has the text alone) read
them; each of those modules decides, this one only holds the words they share."""

from __future__ import annotations

TRANSIENT_MARKERS = ("serializable isolation violation", "error: 1023", "connection reset", "broken pipe")
CANCEL_TEXTS = ("canceled on user's request", "cancelled on user's request", "statement timeout")
"""How a statement stopped by ``statement_timeout`` reads: Redshift's words ("Query (150) canceled on user's request",
dg/r_statement_timeout.html), then PostgreSQL's ("canceling statement due to statement timeout")."""
