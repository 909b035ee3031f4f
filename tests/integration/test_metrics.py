"""``--metrics_namespace`` on the local stack: both steps publish their figures to CloudWatch (the stack's moto
server, read back with ListMetrics and GetMetricStatistics on the documented dimensions), a dry run publishes
nothing, the option adds no SQL, and a CloudWatch that cannot be reached costs one warning and nothing else.

moto 5.2 in server mode keeps what PutMetricData sends and answers both reads from it; unlike CloudWatch, its
GetMetricStatistics also matches a datum whose dimensions are a superset of those asked for, so every read here names
both dimensions and ListMetrics checks the exact set."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from glue_elt import RedshiftCrossAccountDataMigration, RedshiftSqlStep
from glue_elt.errors import ExecutionError
from glue_elt.steps.base import GlueELTStep
from local_stack import LocalStack
from tests.conftest import Db, run_step

pytestmark = pytest.mark.integration

PutConfig = Callable[[str, str], str]
HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"


def figures(namespace: str, step: str, job: str) -> dict[str, float]:
    """Every metric of ``namespace`` with exactly the dimensions Step and JobName, and the sum of its data."""
    cloudwatch = boto3.client("cloudwatch")
    dims = [{"Name": "Step", "Value": step}, {"Name": "JobName", "Value": job}]
    listed = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    assert all(sorted(m["Dimensions"], key=str) == sorted(dims, key=str) for m in listed), listed
    now = datetime.now(timezone.utc)
    found = {}
    for metric in listed:
        points = cloudwatch.get_metric_statistics(
            Namespace=namespace,
            MetricName=metric["MetricName"],
            Dimensions=dims,
            StartTime=now - timedelta(minutes=10),
            EndTime=now + timedelta(minutes=10),
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        found[metric["MetricName"]] = sum(point["Sum"] for point in points)
    return found


def prepare(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, *, bad: bool, table: str = "t"
) -> str:
    """A config file of one good row (3 rows into ``table``) and, when ``bad``, a row whose source is missing."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.{table} (id int)", f"INSERT INTO {source}.{table} VALUES (1), (2), (3)")
    db.as_etl(f"CREATE TABLE {target}.{table} (id int)")
    lines = [f"shared_db.{source}.{table}###{target}.{table}#{etl_secret}#append"]
    if bad:
        lines.append(f"shared_db.{source}.missing###{target}.missing#{etl_secret}#append")
    return put_config(f"{target}/metrics-{table}.csv", HEADER + "\n" + "\n".join(lines) + "\n")


def test_the_migration_step_publishes_its_figures_with_glue_style_arguments(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    config = prepare(db, schemas, etl_secret, put_config, bad=True)
    namespace, job = f"glue-elt-it/{schemas[1]}", f"job-{schemas[1]}"
    argv = ["script.py", "--JOB_ID", "j_1", "--JOB_RUN_ID", f"jr-{schemas[1]}", "--JOB_NAME", job]
    step = RedshiftCrossAccountDataMigration([*argv, "--config_path", config, "--metrics_namespace", namespace])
    try:
        result = step.run()
    finally:
        step.close()
    assert (result.succeeded, result.failed) == (1, 1)
    found = figures(namespace, "migrate", job)
    assert found.pop("DurationSeconds") > 0
    assert found == {"RowsSucceeded": 1, "RowsFailed": 1, "RowsSkipped": 0, "RowsInserted": 3, "ChunksCommitted": 0,
                     "RowsChunked": 0, "RunsFailed": 1}  # fmt: skip

    rerun = run_step(
        {
            "config_path": config,
            "JOB_RUN_ID": f"jr-{schemas[1]}",
            "JOB_NAME": job,
            "metrics_namespace": f"{namespace}-2",
        }
    )
    assert rerun.skipped == 1  # the same job's run id
    again = figures(f"{namespace}-2", "migrate", job)
    assert (again["RowsSkipped"], again["RowsInserted"], again["RowsSucceeded"]) == (1, 0, 0)


def test_a_chunked_load_publishes_the_chunks_this_run_committed(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """A row whose third chunk fails, then its re-run: each run counts the chunks it committed itself."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.c (id int)", f"INSERT INTO {source}.c SELECT g FROM generate_series(1, 40) g")
    db.as_etl(
        f"CREATE TABLE {target}.c (id int)",
        f"""CREATE FUNCTION {target}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.id > 10 THEN RAISE EXCEPTION 'no id above 10 yet'; END IF; RETURN NEW; END $$""",
        f"CREATE TRIGGER refuse BEFORE INSERT ON {target}.c FOR EACH ROW EXECUTE FUNCTION {target}.refuse()",
    )
    header = HEADER + "#merge_keys#watermark_column#target_columns#chunk_column"
    config = put_config(
        f"{target}/chunked.csv", f"{header}\nshared_db.{source}.c###{target}.c#{etl_secret}#append####id\n"
    )
    namespace, job = f"glue-elt-it/{target}-chunks", "chunked"
    run = {"config_path": config, "chunk_rows": "10", "run_id": f"c-{target}", "JOB_NAME": job, "max_retries": 0}
    (first,) = run_step({**run, "metrics_namespace": namespace}).outcomes
    assert first.chunks == (2, 5), first.error  # the NULL chunk and ids 1..10; 11..20 refused
    found = figures(namespace, "migrate", job)
    assert (found["ChunksCommitted"], found["RowsChunked"], found["RowsFailed"]) == (2, 0, 1)

    db.as_etl(f"DROP TRIGGER refuse ON {target}.c")
    (second,) = run_step({**run, "metrics_namespace": f"{namespace}-2"}).outcomes
    assert (second.rows_affected, second.chunks) == (40, (5, 5)), second.error
    again = figures(f"{namespace}-2", "migrate", job)
    assert (again["ChunksCommitted"], again["RowsChunked"], again["RowsInserted"]) == (3, 1, 40)


def test_a_dry_run_publishes_nothing(db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig) -> None:
    config = prepare(db, schemas, etl_secret, put_config, bad=False)
    namespace = f"glue-elt-it/{schemas[1]}-dry"
    assert run_step({"config_path": config, "dry_run": "true", "metrics_namespace": namespace}).valid == 1
    assert boto3.client("cloudwatch").list_metrics(Namespace=namespace)["Metrics"] == []


def run_sql(args: dict[str, object]) -> Any:
    step = RedshiftSqlStep(args)
    try:
        return step.run()
    finally:
        step.close()


def test_the_sql_step_publishes_its_figures_when_it_commits_and_when_it_fails(
    schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    target = schemas[1]
    text = f"CREATE TABLE {target}.m (id int);\nINSERT INTO {target}.m SELECT g FROM generate_series(1, 4) g;\n"
    good = put_config(f"sql/{target}/m.sql", text + f"UPDATE {target}.m SET id = id + 1 WHERE id > 2")
    namespace = f"glue-elt-it/{target}-sql"
    args = {"secret_name": etl_secret, "JOB_NAME": "marts", "metrics_namespace": namespace}
    assert run_sql({**args, "sql_path": good}).status == "committed"
    found = figures(namespace, "sql", "marts")
    assert found.pop("DurationSeconds") > 0
    assert found == {
        "StatementsSucceeded": 3, "StatementsFailed": 0, "StatementsSkipped": 0, "RowsAffected": 6, "RunsFailed": 0
    }  # fmt: skip

    bad = put_config(f"sql/{target}/bad.sql", f"INSERT INTO {target}.m VALUES (1);\nSELECT 1 / 0")
    with pytest.raises(ExecutionError):  # the run fails as before; its figures were published first
        run_sql({**args, "sql_path": bad, "metrics_namespace": f"{namespace}-bad"})
    failed = figures(f"{namespace}-bad", "sql", "marts")
    assert (failed["StatementsSucceeded"], failed["StatementsFailed"], failed["RunsFailed"]) == (0, 1, 1)


def test_the_option_adds_no_sql(
    stack: LocalStack, db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.n (id int)")
    uri = put_config(f"sql/{target}/n.sql", f"INSERT INTO {target}.n VALUES (1)")
    sent = {}
    for run, extra in (("plain", {}), ("metrics", {"metrics_namespace": f"glue-elt-it/{target}-n"})):
        with stack.statement_log() as sent[run]:
            run_sql({"sql_path": uri, "secret_name": etl_secret, "JOB_RUN_ID": f"{run}-{target}", **extra})
    plain, measured = ([t.replace(f"{run}-{target}", "RUN") for t in sent[run].texts()] for run in sent)
    assert plain and measured == plain


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("kind", ["migrate", "sql"])
def test_an_unreachable_cloudwatch_is_one_warning_and_the_run_still_exits_0(
    kind: str,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: PutConfig,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    target = schemas[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", f"http://127.0.0.1:{closed_port()}")
    step: GlueELTStep[Any]
    if kind == "migrate":
        step = RedshiftCrossAccountDataMigration(
            {"config_path": prepare(db, schemas, etl_secret, put_config, bad=False), "metrics_namespace": "glue-elt"}
        )
    else:
        uri = put_config(f"sql/{target}/dead.sql", f"CREATE TABLE {target}.d (id int)")
        step = RedshiftSqlStep({"sql_path": uri, "secret_name": etl_secret, "metrics_namespace": "glue-elt"})
    started = time.monotonic()
    step.start()  # exits (SystemExit) only on a non-zero status
    print(f"{kind}: the run with an unreachable CloudWatch took {time.monotonic() - started:.1f} s")
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        "metrics not published to CloudWatch namespace 'glue-elt': EndpointConnectionError (the run's outcome is "
        "unchanged)"
    ]
