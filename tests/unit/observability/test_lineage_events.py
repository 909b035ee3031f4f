"""run_event: the SQL facet goes through mask_sql, so no credential literal leaves in an event, whichever statement
carries it and whoever built the run's SQL."""

from __future__ import annotations

import json

import pytest

from glue_elt.observability.lineage import Emission, LineageRun, new_run_id
from glue_elt.observability.lineage_events import run_event

KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLINEAGEKEY"


def test_the_sql_facet_masks_credential_literals_of_any_statement() -> None:
    pytest.importorskip("openlineage.client")
    from openlineage.client.serde import Serde

    sql = (
        f"UNLOAD ('select 1') TO 's3://b/u/' ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY '{KEY}';\n"
        f"COPY t FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=AKIAEXAMPLE;aws_secret_access_key={KEY}';\n"
    )
    run = LineageRun("redshift_sql.b/k.sql", new_run_id(), (), (), sql)
    event = json.loads(Serde.to_json(run_event(Emission("START", "2026-12-08T00:00:00Z", run), "ns", None)))
    assert event["job"]["facets"]["sql"]["query"] == (
        "UNLOAD ('select 1') TO 's3://b/u/' ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***';\n"
        "COPY t FROM 's3://b/k' CREDENTIALS '***';\n"
    )
    assert KEY not in json.dumps(event)
