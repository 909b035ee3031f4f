"""Redshift's message texts that mark a failure worth another attempt. Both backends read the server's text: the
driver's error translation (``glue_elt.redshift.driver.errors``, beside the SQLSTATE it also has) and the Data API's
(``glue_elt.redshift.data_api.errors``, which has the text alone). Each of those modules decides; this one only holds
the words they share."""

from __future__ import annotations

TRANSIENT_MARKERS = ("serializable isolation violation", "error: 1023", "connection reset", "broken pipe")
