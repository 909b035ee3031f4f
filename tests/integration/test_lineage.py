"""OpenLineage run events of both steps, posted by the official client to a real HTTP receiver on 127.0.0.1: a
START and a COMPLETE or FAIL per row loaded (per script), names by the naming spec, the facets, and a dead endpoint
that costs the run one WARNING and nothing else."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from glue_elt import RowStatus
from glue_elt.core.redaction import RedactingFilter
from glue_elt.errors import ExecutionError
from glue_elt.observability import lineage
from local_stack import StackEndpoints
from local_stack.endpoints import LOCAL_CLUSTER_ID, LOCAL_REGION
from tests.conftest import BUCKET, Db, read_json, run_step
from tests.integration.lineage_receiver import (  # noqa: F401 (fixtures)
    Receiver,
    closed_port_fixture,
    openlineage_environment_fixture,
    receiver_fixture,
)
from tests.integration.test_cancellation import active_load
from tests.integration.test_redshift_sql import run_sql
from tests.integration.test_session_settings import slow_target

pytest.importorskip("openlineage.client")

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type#merge_keys#watermark_column"
PRODUCER_NAMESPACE = "redshift://producer.us-east-1:5439"
PutConfig = Callable[[str, str], str]


def seed(db: Db, source: str, target: str) -> None:
    """10 orders; a customers table whose merge key 5 occurs twice (its upsert fails in the load transaction)."""
    db.admin(
        f"CREATE TABLE {source}.orders (id int NOT NULL, amount numeric(10,2), note varchar(20))",
        f"INSERT INTO {source}.orders SELECT g, g * 1.5, 'n' || g FROM generate_series(1, 10) g",
        f"CREATE TABLE {source}.customers (id int, name text)",
        f"INSERT INTO {source}.customers VALUES (1, 'x'), (5, 'first'), (5, 'second')",
    )
    db.as_etl(
        f"CREATE TABLE {target}.orders (id int NOT NULL, amount numeric(10,2), note varchar(20))",
        f"CREATE TABLE {target}.customers (id int, name text)",
    )


def lineage_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and r.name == lineage.__name__]


def states(events: list[dict[str, Any]]) -> list[str]:
    return [event["eventType"] for event in events]


def test_each_loaded_row_is_a_run_with_start_and_complete_or_fail(
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    endpoints: StackEndpoints,
    put_config: PutConfig,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, target = schemas
    seed(db, source, target)
    lines = [
        f"shared_db.{source}.orders##id > 4#{target}.orders#{etl_secret}#append##",
        f"shared_db.{source}.customers###{target}.customers#{etl_secret}#upsert#id#",  # fails at load
        f"shared_db.{source}.nope###{target}.orders#{etl_secret}#append##",  # refused at the pre-flight
        f"shared_db.{source}.orders###{target}.orders#{etl_secret}#bogus##",  # refused as invalid
    ]
    config = put_config(f"{target}/lineage.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    result = run_step(
        {
            "config_path": config,
            "openlineage_url": receiver.url,
            "source_namespace": PRODUCER_NAMESPACE,
            "JOB_NAME": "nightly-migration",
            "JOB_RUN_ID": f"jr_{target}",
            "max_parallel": 1,
        }
    )
    assert [o.status for o in result.outcomes] == [RowStatus.SUCCEEDED] + [RowStatus.FAILED] * 3

    assert set(receiver.paths) == {"/api/v1/lineage"}
    runs = list(receiver.runs().values())  # the refused rows' runs are sent before the loads begin
    assert [states(events) for events in runs] == [["START", "FAIL"]] * 2 + [["START", "COMPLETE"], ["START", "FAIL"]]
    (_, missing), (_, invalid), (start, complete), (_, fail) = runs
    target_namespace = f"redshift://127.0.0.1:{endpoints.front_door_port}"  # a host that names no AWS cluster
    assert start["job"]["namespace"] == "glue-elt"
    assert start["job"]["name"] == f"redshift_cross_account_migration.shared_db.{target}.orders"
    assert fail["job"]["name"] == f"redshift_cross_account_migration.shared_db.{target}.customers"
    for event in (start, complete):
        (read,), (written,) = event["inputs"], event["outputs"]
        assert (read["namespace"], read["name"]) == (PRODUCER_NAMESPACE, f"shared_db.{source}.orders")
        assert (written["namespace"], written["name"]) == (target_namespace, f"shared_db.{target}.orders")
        columns = [(f["name"], f["type"]) for f in written["facets"]["schema"]["fields"]]
        assert [name for name, _ in columns] == ["id", "amount", "note"]
        assert "integer" in columns[0][1] and "numeric" in columns[1][1] and "varying" in columns[2][1]
        assert [f["name"] for f in read["facets"]["schema"]["fields"]] == ["id", "amount", "note"]
        query = event["job"]["facets"]["sql"]["query"]
        assert query.startswith(f'INSERT INTO "{target}"."orders"') or f"INSERT INTO {target}.orders" in query
        assert "WHERE (id > 4)" in query
    assert "outputStatistics" not in start["outputs"][0]["outputFacets"]
    assert (
        complete["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] == 6 == result.outcomes[0].rows_affected
    )
    assert "duplicate merge keys" in fail["run"]["facets"]["errorMessage"]["message"]
    assert "outputStatistics" not in fail["outputs"][0]["outputFacets"]
    target_job = f"redshift_cross_account_migration.shared_db.{target}.orders"
    for refused, source_table, error in (
        (missing, "nope", f"pre-flight check failed: source table shared_db.{source}.nope does not exist"),
        (invalid, "orders", "load_type 'bogus'"),
    ):  # a refused row is a failed run of its target's job, with its tables and the refusal as the error
        assert refused["job"]["name"] == target_job
        assert [(d["namespace"], d["name"]) for d in refused["inputs"]] == [
            (PRODUCER_NAMESPACE, f"shared_db.{source}.{source_table}")
        ]
        assert [(d["namespace"], d["name"]) for d in refused["outputs"]] == [
            (target_namespace, f"shared_db.{target}.orders")
        ]
        assert error in refused["run"]["facets"]["errorMessage"]["message"]
    parents = {event["run"]["facets"]["parent"]["run"]["runId"] for events in runs for event in events}
    assert len(parents) == 1 and start["run"]["facets"]["parent"]["job"]["name"] == "nightly-migration"
    assert lineage_warnings(caplog) == []


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_named_cluster_and_a_rerun_that_skips(
    executor: str,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    endpoints: StackEndpoints,
    put_config: PutConfig,
    receiver: Receiver,
) -> None:
    source, target = schemas
    seed(db, source, target)
    config = put_config(
        f"{target}/one.csv", f"{HEADER}\nshared_db.{source}.orders###{target}.orders#{cluster_secret}#append##\n"
    )
    args = {
        "config_path": config,
        "openlineage_url": f"{receiver.url}/api/v1/lineage",
        "JOB_RUN_ID": f"jr_{target}",
        "executor": executor,
    }
    first, again = run_step(args), run_step(args)
    assert (first.outcomes[0].status, again.outcomes[0].status) == (RowStatus.SUCCEEDED, RowStatus.SKIPPED)
    namespace = (
        f"redshift://{LOCAL_CLUSTER_ID}.{LOCAL_REGION}:{endpoints.front_door_port}"  # the same for both executors
    )
    loaded, skipped = receiver.runs().values()
    for event in (*loaded, *skipped):
        assert {d["namespace"] for d in (*event["inputs"], *event["outputs"])} == {namespace}  # source: the target's
        assert "parent" not in event["run"]["facets"]  # no --JOB_NAME: no Glue job run to name
    assert states(loaded) == states(skipped) == ["START", "COMPLETE"]
    assert loaded[1]["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] == 10
    assert "outputStatistics" not in skipped[1]["outputs"][0]["outputFacets"]  # nothing inserted by this attempt


def test_a_dry_run_sends_nothing(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, receiver: Receiver
) -> None:
    source, target = schemas
    seed(db, source, target)
    config = put_config(
        f"{target}/dry.csv", f"{HEADER}\nshared_db.{source}.orders###{target}.orders#{etl_secret}#append##\n"
    )
    result = run_step({"config_path": config, "openlineage_url": receiver.url, "dry_run": "true"})
    assert result.valid == 1 and receiver.events == []


def test_a_dead_endpoint_costs_one_warning_and_the_run_succeeds(
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: PutConfig,
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, target = schemas
    seed(db, source, target)
    lines = [
        f"shared_db.{source}.orders##id <= 5#{target}.orders#{etl_secret}#append##",
        f"shared_db.{source}.orders##id > 5#{target}.orders#{etl_secret}#append##",
    ]
    config = put_config(f"{target}/dead.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    with caplog.at_level(logging.INFO):
        result = run_step({"config_path": config, "openlineage_url": f"http://127.0.0.1:{closed_port}"})
    assert result.ok and result.succeeded == 2 and db.count(f"{target}.orders") == 10
    (warning,) = lineage_warnings(caplog)
    assert "the run goes on" in warning
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("urllib3")]


@pytest.mark.parametrize("reached_by", ["host", "cluster"])
def test_the_sql_step_is_one_run_per_script_configured_the_clients_way(
    reached_by: str,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    cluster_secret: str,
    endpoints: StackEndpoints,
    put_config: PutConfig,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A secret with a host names the dataset namespace by it; one with a cluster identifier by the cluster (the
    SQL step runs on the driver alone)."""
    source, target = schemas
    seed(db, source, target)
    text = (
        f"CREATE TABLE {target}.big (id int, amount numeric(10,2));\n"
        f"INSERT INTO {target}.big SELECT id, amount FROM shared_db.{source}.orders WHERE amount > 6;\n"
        f"DELETE FROM {target}.orders USING {target}.big b WHERE b.id = orders.id;\n"
    )
    uri = put_config(f"sql/{target}/lineage.sql", text)
    monkeypatch.setenv("OPENLINEAGE_URL", receiver.url)  # the client's own configuration, no --openlineage_url
    monkeypatch.setenv("OPENLINEAGE_NAMESPACE", "etl")
    secret = etl_secret if reached_by == "host" else cluster_secret
    result = run_sql({"sql_path": uri, "secret_name": secret, "JOB_RUN_ID": f"sql-{target}"})
    assert result.status == "committed"

    ((start, complete),) = receiver.runs().values()
    assert states([start, complete]) == ["START", "COMPLETE"]
    assert start["job"] == start["job"] | {"namespace": "etl", "name": f"redshift_sql.{uri.removeprefix('s3://')}"}
    assert start["job"]["facets"]["sql"]["query"] == text  # each statement as it ran, secrets masked
    host = "127.0.0.1" if reached_by == "host" else f"{LOCAL_CLUSTER_ID}.{LOCAL_REGION}"
    namespace = f"redshift://{host}:{endpoints.front_door_port}"
    assert [(d["namespace"], d["name"]) for d in complete["inputs"]] == [
        (namespace, f"shared_db.{source}.orders"),
        (namespace, f"shared_db.{target}.big"),
    ]
    assert [d["name"] for d in complete["outputs"]] == [f"shared_db.{target}.big", f"shared_db.{target}.orders"]
    big, orders = complete["outputs"]
    assert big["outputFacets"]["outputStatistics"]["rowCount"] == 6  # amounts 7.5 to 15
    assert "outputStatistics" not in orders["outputFacets"]  # a DELETE writes no rows


def test_a_failed_script_sends_fail(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, receiver: Receiver
) -> None:
    _, target = schemas
    text = f"CREATE TABLE {target}.t (id int);\nINSERT INTO {target}.t SELECT * FROM {target}.missing;\n"
    uri = put_config(f"sql/{target}/fails.sql", text)
    with pytest.raises(ExecutionError):
        run_sql({"sql_path": uri, "secret_name": etl_secret, "openlineage_url": receiver.url})
    ((start, fail),) = receiver.runs().values()
    assert states([start, fail]) == ["START", "FAIL"]
    assert "missing" in fail["run"]["facets"]["errorMessage"]["message"]
    assert [d["name"] for d in fail["outputs"]] == [f"shared_db.{target}.t"]


def test_no_secret_of_the_script_is_sent(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, receiver: Receiver
) -> None:
    _, target = schemas
    secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
    text = (
        f"CREATE TABLE {target}.t (id int);\n"
        f"COPY {target}.t FROM 's3://b/t/' CREDENTIALS 'aws_access_key_id=AKIA;aws_secret_access_key={secret}';\n"
    )
    uri = put_config(f"sql/{target}/copy.sql", text)
    with pytest.raises(ExecutionError):  # the stand-in has no COPY from S3
        run_sql({"sql_path": uri, "secret_name": etl_secret, "openlineage_url": receiver.url})
    ((start, fail),) = receiver.runs().values()
    assert states([start, fail]) == ["START", "FAIL"]
    assert "CREDENTIALS '***'" in start["job"]["facets"]["sql"]["query"]
    assert secret not in json.dumps(receiver.events)


def test_keys_in_an_unload_reach_no_log_summary_error_or_lineage_event(
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: PutConfig,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """sqlglot folds the text after UNLOAD into one token; its keys are masked all the same. The stand-in cannot run
    UNLOAD, so the statement fails and its label is shown everywhere a failure is: log, error, summary, FAIL event."""
    _, target = schemas
    keys = ("AKIAUNLOADINTEGRATION", "uNl0adSecretKey/EXAMPLE+integration", "FwoGZXIvYXdzUnloadSessionToken")
    text = (
        f"CREATE TABLE {target}.t (id int);\n"
        f"UNLOAD ('select 1') TO 's3://b/u/' SECRET_ACCESS_KEY '{keys[1]}'\n"
        f"ACCESS_KEY_ID '{keys[0]}' SESSION_TOKEN '{keys[2]}';\n"
    )
    failed = run_failing_script(target, "unload", text, etl_secret, put_config, receiver, caplog)
    label = "statement 2 (line 2: UNLOAD ('select 1') TO 's3://b/u/' SECRET_ACCESS_KEY '***' …)"
    failed.shows(
        label, label.partition(": ")[2][:-1], "SECRET_ACCESS_KEY '***'\nACCESS_KEY_ID '***' SESSION_TOKEN '***'"
    )
    failed.hides(keys, caplog.text)


PASSWORD_FORMS = {
    "dollar": ("$$Dollar'Secret1$$", ["Dollar'Secret1"]),
    "tagged": ("$pw$Tagged$$Secret2$pw$", ["Tagged$$Secret2"]),
    "escape": ("E'Escaped\\'Secret3'", ["Escaped\\'Secret3", "Escaped'Secret3"]),
    "unicode": ("U&'Unicode\\0053ecret4'", ["Unicode\\0053ecret4", "UnicodeSecret4"]),
    "continued": ("'Continued'\n  'Secret5'", ["Secret5"]),
}


@pytest.mark.parametrize("form", PASSWORD_FORMS)
def test_a_password_in_any_literal_form_reaches_no_log_summary_error_or_lineage_event(
    form: str,
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: PutConfig,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``PASSWORD $$…$$``, ``$tag$…$tag$``, ``E'…'``, ``U&'…'`` and a literal continued on the next line are masked as
    ``'…'`` is. The ALTER USER fails (no such user), so its label is shown everywhere a failure is. (The SQL
    step runs through the driver only: its bookkeeping takes parameters, which a Data API transaction does not.)"""
    _, target = schemas
    literal, values = PASSWORD_FORMS[form]
    text = f"CREATE TABLE {target}.t (id int);\nALTER USER i31_nobody PASSWORD {literal};\n"
    failed = run_failing_script(target, f"password-{form}", text, etl_secret, put_config, receiver, caplog)
    first_line = "ALTER USER i31_nobody PASSWORD '***'"
    failed.shows(f"statement 2 (line 2: {first_line})", first_line, first_line)
    failed.hides(values, caplog.text)


@dataclass
class FailedScript:
    """What a SQL script whose second statement failed left: the error, the summary, the lineage events."""

    error: str
    summary: Any
    receiver: Receiver
    log: str

    def shows(self, label: str, first_line: str, in_sql_facet: str) -> None:
        """The failed statement is named by ``label`` in the error, the log and the FAIL event, its first line in the
        summary, and the SQL facet of the START event holds ``in_sql_facet``."""
        assert self.error.startswith(f"{label} failed: ")
        assert self.summary["statements"][1]["first_line"] == first_line
        ((start, fail),) = self.receiver.runs().values()
        assert in_sql_facet in start["job"]["facets"]["sql"]["query"]
        assert label in fail["run"]["facets"]["errorMessage"]["message"]
        assert f"statement 2/2 {label.removeprefix('statement 2 ')}: FAILED" in self.log

    def hides(self, secrets: Iterable[str], log: str) -> None:
        """None of ``secrets`` is in the log, the error, the summary or any lineage event."""
        for secret in secrets:
            assert secret not in log and secret not in self.error
            assert secret not in json.dumps(self.summary) and secret not in json.dumps(self.receiver.events)


def run_failing_script(
    target: str, name: str, text: str, secret: str, put_config: PutConfig, receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> FailedScript:  # fmt: skip
    """Run the SQL step on ``text`` (whose second statement fails on the stand-in) with lineage and a summary, its log
    filtered as the step's own logging filters it (GlueELTStep.start)."""
    uri = put_config(f"sql/{target}/{name}.sql", text)
    summary = f"s3://{BUCKET}/sql/{target}/{name}-summary.json"
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.DEBUG), pytest.raises(ExecutionError) as raised:
        run_sql(
            {"sql_path": uri, "secret_name": secret, "summary_output_path": summary, "openlineage_url": receiver.url}
        )
    return FailedScript(str(raised.value), read_json(summary), receiver, caplog.text)


def test_the_sql_dry_run_sends_nothing(
    schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, receiver: Receiver
) -> None:
    _, target = schemas
    uri = put_config(f"sql/{target}/dry.sql", f"CREATE TABLE {target}.t (id int);\n")
    result = run_sql({"sql_path": uri, "secret_name": etl_secret, "openlineage_url": receiver.url, "dry_run": "true"})
    assert result.dry_run and receiver.events == []


def test_a_stopped_run_sends_fail_for_the_row_it_ended_and_nothing_for_rows_never_started(
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: PutConfig,
    endpoints: StackEndpoints,
    receiver: Receiver,
) -> None:
    source, target = schemas
    tables = ("first", "slow", "last")
    for name in tables:
        db.admin(f"CREATE TABLE {source}.{name} (id int)", f"INSERT INTO {source}.{name} VALUES (1), (2)")
        db.as_etl(f"CREATE TABLE {target}.{name} (id int)")
    slow_target(db, f"{target}.slow", 120)
    lines = [f"shared_db.{source}.{name}###{target}.{name}#{etl_secret}#append##" for name in tables]
    uri = put_config(f"{target}/stop.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    command = [
        sys.executable, "-m", "glue_elt.steps.redshift_cross_account_migration", "--config_path", uri,
        "--max_parallel", "1", "--openlineage_url", receiver.url,
    ]  # fmt: skip
    with subprocess.Popen(command, env={**os.environ, **endpoints.aws_env()}, stderr=subprocess.PIPE, text=True) as run:
        try:
            active_load(db, f"{target}.slow")
            receiver.wait_for(3, timeout=30)  # first's START and COMPLETE, slow's START: the client is set up
            run.send_signal(signal.SIGTERM)
            code = run.wait(timeout=5)  # the lineage drain stays within the stop's bound
        finally:
            if run.poll() is None:
                run.kill()
        log = run.stderr.read() if run.stderr else ""
    assert code == 143, log
    receiver.wait_for(4)
    by_job = {events[0]["job"]["name"].rsplit(".", 1)[-1]: events for events in receiver.runs().values()}
    assert {name: states(events) for name, events in by_job.items()} == {
        "first": ["START", "COMPLETE"],
        "slow": ["START", "FAIL"],  # "last" never started: no run
    }, log
    assert by_job["slow"][1]["run"]["facets"]["errorMessage"]["message"] == "cancelled"
