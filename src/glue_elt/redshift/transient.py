"""Redshift's message texts that both backends read: those that mark a failure worth another attempt, and those of a
statement the statement timeout or a WLM query monitoring rule stopped. The driver's error translation
(``glue_elt.redshift.driver.errors``, beside the SQLSTATE it also has) and the Data API's
(``glue_elt.redshift.data_api.errors``, which has the text alone) read them; each of those modules decides, this one
only holds the words they share."""

from __future__ import annotations

TRANSIENT_MARKERS = ("serializable isolation violation", "error: 1023", "connection reset", "broken pipe")
CANCEL_TEXTS = ("canceled on user's request", "cancelled on user's request", "statement timeout")
"""How a statement stopped by ``statement_timeout`` reads: Redshift's words ("Query (150) canceled on user's request",
dg/r_statement_timeout.html; "Query (4777555) cancelled on user's request", SQLSTATE 57014, from a cluster:
awslabs/amazon-redshift-utils#174), then PostgreSQL's ("canceling statement due to statement timeout")."""
WLM_ABORT_TEXTS = ("by wlm abort action of query monitoring rule",)
"""How a statement a WLM query monitoring rule aborted reads: ``Query (500029) cancelled by WLM abort action of Query
Monitoring Rule "testrule".`` (AWS Knowledge Center, "Why was my Amazon Redshift query aborted?"; its SQLSTATE is
not published). Read before ``CANCEL_TEXTS``: the rule, not the statement timeout, stopped such a statement."""
