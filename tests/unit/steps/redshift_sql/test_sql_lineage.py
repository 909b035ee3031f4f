"""The SQL step's lineage run: inputs and outputs from the statements, rows from the INSERTs that ran."""

from __future__ import annotations

from glue_elt.steps.redshift_sql.lineage import script_run, with_rows
from glue_elt.steps.redshift_sql.outcomes import Outcome, Status
from glue_elt.steps.redshift_sql.script import split_script

TEXT = """CREATE TEMP TABLE #new AS SELECT * FROM shared_db.sales.orders WHERE id > 5;
INSERT INTO marts.orders SELECT * FROM #new;
INSERT INTO marts.orders SELECT * FROM orders;
UPDATE marts.stats SET n = (SELECT count(*) FROM marts.orders);
"""
NAMESPACE = "redshift://c.us-east-1:5439"


def test_inputs_outputs_and_rows() -> None:
    statements = split_script(TEXT, "s3://b/sql/marts.sql").statements
    run = script_run(statements, "s3://b/sql/marts.sql", NAMESPACE, "dev")
    assert run.job == "redshift_sql.b/sql/marts.sql" and run.sql == TEXT
    assert [d.name for d in run.inputs] == ["shared_db.sales.orders", "dev.public.orders", "dev.marts.orders"]
    assert [d.name for d in run.outputs] == ["dev.marts.orders", "dev.marts.stats"]  # #new: temporary, left out
    assert {d.namespace for d in (*run.inputs, *run.outputs)} == {NAMESPACE}
    outcomes = [
        Outcome(statements[0], Status.SUCCEEDED, 9),
        Outcome(statements[1], Status.SUCCEEDED, 4),
        Outcome(statements[2], Status.SUCCEEDED, 3),
        Outcome(statements[3], Status.SUCCEEDED, 1),
    ]
    counted = with_rows(run, outcomes, "dev")
    assert [(d.name, d.row_count) for d in counted.outputs] == [("dev.marts.orders", 7), ("dev.marts.stats", None)]
    skipped = with_rows(run, [Outcome(s, Status.SKIPPED) for s in statements], "dev")
    assert [d.row_count for d in skipped.outputs] == [None, None]


def test_the_sql_facet_masks_secret_literals() -> None:
    text = (
        "-- nightly\nCOPY marts.orders FROM 's3://b/o/' CREDENTIALS 'aws_access_key_id=AKIAX;aws_secret_access_key=s3cr3t';\n"
        "CREATE USER loader PASSWORD 'Hunter2hunter2';\n"
        "UNLOAD ('select 1') TO 's3://b/u/' ACCESS_KEY_ID 'AKIAX' SECRET_ACCESS_KEY 's3cr3t' SESSION_TOKEN 'tok3n';\n"
    )
    run = script_run(split_script(text, "s3://b/sql/copy.sql").statements, "s3://b/sql/copy.sql", NAMESPACE, "dev")
    assert run.sql == (
        "COPY marts.orders FROM 's3://b/o/' CREDENTIALS '***';\nCREATE USER loader PASSWORD '***';\n"
        "UNLOAD ('select 1') TO 's3://b/u/' ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***';\n"
    )
