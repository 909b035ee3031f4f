"""Each step's figures for ``--metrics_namespace`` and ``GlueELTStep.publish_metrics`` without a server: what is sent
(names, units, dimensions), that nothing is sent without the option or for a dry run, and that a bad namespace stops
the run before anything runs."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from glue_elt.errors import ConfigError
from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow
from glue_elt.steps.redshift_cross_account_migration.results import MigrationResult, RowOutcome, RowStatus
from glue_elt.steps.redshift_cross_account_migration.settings import read_settings as migration_settings
from glue_elt.steps.redshift_cross_account_migration.step import RedshiftCrossAccountDataMigration
from glue_elt.steps.redshift_sql.outcomes import Outcome, Status
from glue_elt.steps.redshift_sql.script import split_script
from glue_elt.steps.redshift_sql.settings import read_settings as sql_settings
from glue_elt.steps.redshift_sql.step import RedshiftSqlStep, SqlResult

CONFIG = {"config_path": "s3://b/k.csv"}
ROW = MigrationRow("shared_db.s.t", "a.t", "secret")


class Recorder:
    """A CloudWatch client that keeps every PutMetricData request."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def put_metric_data(self, **request: Any) -> None:
        self.calls.append(request)


def outcome(status: RowStatus, rows: int | None, chunks: tuple[int, int, int] | None = None) -> RowOutcome:
    """A row's outcome; ``chunks``: committed by the run id, planned, and committed by this process."""
    if chunks is None:
        return RowOutcome(ROW, status, rows, 0.1)
    return RowOutcome(ROW, status, rows, 0.1, chunks=chunks[:2], chunks_loaded=chunks[2])


def migration(dry_run: bool = False) -> MigrationResult:
    outcomes = (
        outcome(RowStatus.SUCCEEDED, 10),
        outcome(RowStatus.SUCCEEDED, 5, chunks=(4, 4, 3)),  # resumed: one chunk was committed before
        outcome(RowStatus.SKIPPED, 7, chunks=(2, 2, 0)),
        outcome(RowStatus.FAILED, None, chunks=(2, 5, 2)),  # its third chunk failed
    )
    return MigrationResult("r1", outcomes, dry_run=dry_run)


def sent(recorder: Recorder) -> dict[str, tuple[float, str]]:
    (call,) = recorder.calls
    return {datum["MetricName"]: (datum["Value"], datum["Unit"]) for datum in call["MetricData"]}


def test_the_migration_figures() -> None:
    recorder = Recorder()
    step = RedshiftCrossAccountDataMigration(
        {**CONFIG, "metrics_namespace": "glue-elt", "JOB_NAME": "nightly"}, cloudwatch=recorder
    )
    assert step.publish_metrics(migration(), 12.5)
    assert sent(recorder) == {
        "RowsSucceeded": (2.0, "Count"),
        "RowsFailed": (1.0, "Count"),
        "RowsSkipped": (1.0, "Count"),
        "RowsInserted": (15.0, "Count"),  # the rows that succeeded now; the skipped row's 7 were inserted before
        "ChunksCommitted": (5.0, "Count"),  # by this run: 3 of the resumed row's, the failed row's 2
        "RowsChunked": (1.0, "Count"),  # succeeded now, in chunks
        "RunsFailed": (1.0, "Count"),
        "DurationSeconds": (12.5, "Seconds"),
    }
    (call,) = recorder.calls
    assert call["Namespace"] == "glue-elt"
    for datum in call["MetricData"]:
        assert datum["Dimensions"] == [{"Name": "Step", "Value": "migrate"}, {"Name": "JobName", "Value": "nightly"}]


def sql_result(status: str, statuses: list[Status], *, dry_run: bool = False, error: str | None = None) -> SqlResult:
    statements = split_script("; ".join(f"SELECT {n}" for n in range(len(statuses))), "s").statements
    outcomes = tuple(Outcome(s, st, 3, 0.5) for s, st in zip(statements, statuses))
    return SqlResult("r1", "s3://b/k.sql", dry_run, False, status, outcomes, 2.0, error)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (sql_result("committed", [Status.SUCCEEDED] * 3), (3, 0, 0, 9, 0)),
        (sql_result("skipped", [Status.SKIPPED] * 2), (0, 0, 2, 0, 0)),
        (sql_result("failed", [Status.ROLLED_BACK, Status.FAILED], error="x"), (0, 1, 0, 0, 1)),
        (sql_result("failed", [Status.NOT_RUN] * 2, error="state table"), (0, 0, 0, 0, 1)),  # failed before any
        (sql_result("committed", [Status.SUCCEEDED], error="summary not written"), (1, 0, 0, 3, 1)),
    ],
)
def test_the_sql_figures(result: SqlResult, expected: tuple[int, ...]) -> None:
    recorder = Recorder()
    assert RedshiftSqlStep({"metrics_namespace": "ns"}, cloudwatch=recorder).publish_metrics(result, 2.0)
    names = ("StatementsSucceeded", "StatementsFailed", "StatementsSkipped", "RowsAffected", "RunsFailed")
    assert sent(recorder) == {
        **{name: (float(value), "Count") for name, value in zip(names, expected)},
        "DurationSeconds": (2.0, "Seconds"),
    }
    dims = recorder.calls[0]["MetricData"][0]["Dimensions"]
    assert dims == [{"Name": "Step", "Value": "sql"}, {"Name": "JobName", "Value": "unnamed"}]


def test_nothing_is_sent_without_the_option_or_for_a_dry_run(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    assert not RedshiftCrossAccountDataMigration(CONFIG, cloudwatch=recorder).publish_metrics(migration(), 1.0)
    assert not RedshiftSqlStep({}, cloudwatch=recorder).publish_metrics(
        sql_result("committed", [Status.SUCCEEDED]), 1.0
    )
    caplog.set_level(logging.INFO, logger="glue_elt")
    step = RedshiftCrossAccountDataMigration({**CONFIG, "metrics_namespace": "ns"}, cloudwatch=recorder)
    assert not step.publish_metrics(migration(dry_run=True), 1.0)
    sql = RedshiftSqlStep({"metrics_namespace": "ns"}, cloudwatch=recorder)
    assert not sql.publish_metrics(sql_result("checked", [Status.CHECKED], dry_run=True), 1.0)
    assert recorder.calls == []
    assert "no metrics published to CloudWatch namespace 'ns' (a dry run publishes none)" in caplog.text


@pytest.mark.parametrize("namespace", ["AWS/Glue", ":x", "n" * 256, "caf\u00e9", "tab\there"])
def test_a_namespace_cloudwatch_refuses_stops_the_run_before_anything_runs(namespace: str) -> None:
    sql = {"sql_path": "s3://b/k.sql", "secret_name": "s", "metrics_namespace": namespace}
    for read, given in ((migration_settings, {**CONFIG, "metrics_namespace": namespace}), (sql_settings, sql)):
        with pytest.raises(ConfigError, match="--metrics_namespace must be a CloudWatch namespace"):
            read(given.get)


def test_a_namespace_cloudwatch_takes_is_kept() -> None:
    given = {"sql_path": "s3://b/k.sql", "secret_name": "s", "metrics_namespace": " Team/ETL #1: glue-elt "}
    assert sql_settings(given.get).metrics_namespace == "Team/ETL #1: glue-elt"
    assert migration_settings({**CONFIG, "metrics_namespace": "glue-elt"}.get).metrics_namespace == "glue-elt"


class Broken(RedshiftSqlStep):
    def metric_figures(self, result: SqlResult, seconds: float) -> tuple[()]:
        raise ValueError("no figures")


def test_a_failure_before_the_call_is_one_warning_too(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    assert not Broken({"metrics_namespace": "ns"}, cloudwatch=recorder).publish_metrics(
        sql_result("failed", [Status.FAILED]), 1.0
    )
    (warning,) = caplog.records
    assert warning.levelno == logging.WARNING and recorder.calls == []
    assert warning.getMessage() == (
        "metrics not published to CloudWatch namespace 'ns': ValueError: no figures (the run's outcome is unchanged)"
    )
