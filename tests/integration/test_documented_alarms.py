"""Every ``aws cloudwatch put-metric-alarm`` the README and the docs show, held against what the steps publish: the
alarm is created as written (moto's CloudWatch checks it against the API's model), a run of the step it names that
fails a row publishes the metric it watches under exactly its dimensions, and the alarm's own statistic over its own
period crosses its threshold; a run that fails nothing does not.

moto does not evaluate alarms, so the test reads the datapoints the alarm would read (GetMetricStatistics with the
alarm's namespace, metric, dimensions, statistic and period) and applies its comparison."""

from __future__ import annotations

import operator
import re
import shlex
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from tests.conftest import Db, run_step
from tests.integration.test_metrics import prepare
from tests.test_readme import MARKDOWN, name, shell_commands

pytestmark = pytest.mark.integration

PutConfig = Callable[[str, str], str]
COMPARISONS = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
NUMBERS = {"Period": int, "EvaluationPeriods": int, "Threshold": float}


def shorthand(value: str) -> dict[str, str]:
    """The CLI's shorthand ``Name=Step,Value=migrate`` as ``{"Name": "Step", "Value": "migrate"}``."""
    return dict(pair.split("=", 1) for pair in value.split(","))


def put_metric_alarm_request(words: list[str]) -> dict[str, Any]:
    """The ``PutMetricAlarm`` request a shown ``aws cloudwatch put-metric-alarm`` command sends: each
    ``--kebab-case`` option as its ``PascalCase`` member, dimensions and actions as lists."""
    request: dict[str, Any] = {}
    key = ""
    for word in words[3:]:
        if word.startswith("--"):
            key = "".join(part.capitalize() for part in word[2:].split("-"))
            request[key] = [] if key in {"Dimensions", "AlarmActions"} else None
        elif isinstance(request[key], list):
            request[key].append(shorthand(word) if key == "Dimensions" else word)
        else:
            request[key] = NUMBERS.get(key, str)(word)
    return request


def documented_alarms() -> list[tuple[str, dict[str, Any]]]:
    return [
        (name(path), put_metric_alarm_request(words))
        for path in MARKDOWN
        for words in shell_commands(path)
        if words[:3] == ["aws", "cloudwatch", "put-metric-alarm"]
    ]


def test_the_readme_and_the_operating_page_show_an_alarm() -> None:
    shown = {page for page, _ in documented_alarms()}
    assert {"README.md", "docs/operating.md"} <= shown
    assert put_metric_alarm_request(shlex.split("aws cloudwatch put-metric-alarm --period 60 --dimensions Name=A,Value=b")) == {
        "Period": 60, "Dimensions": [{"Name": "A", "Value": "b"}]
    }  # fmt: skip


def breaches(alarm: dict[str, Any]) -> bool:
    """Whether the alarm's statistic over its period, for the data of the last ten minutes, crosses its threshold."""
    now = datetime.now(timezone.utc)
    points = boto3.client("cloudwatch").get_metric_statistics(
        Namespace=alarm["Namespace"],
        MetricName=alarm["MetricName"],
        Dimensions=alarm["Dimensions"],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=10),
        Period=alarm["Period"],
        Statistics=[alarm["Statistic"]],
    )["Datapoints"]
    compare = COMPARISONS[alarm["ComparisonOperator"]]
    return any(compare(point[alarm["Statistic"]], alarm["Threshold"]) for point in points)


@pytest.mark.parametrize("page, alarm", documented_alarms(), ids=lambda value: value if isinstance(value, str) else "")
def test_a_documented_alarm_fires_on_a_failed_row_and_not_on_a_clean_run(
    page: str, alarm: dict[str, Any], db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    dims = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert set(dims) == {"Step", "JobName"}, f"{page}: an alarm names both dimensions every datum carries"
    assert dims["Step"] == "migrate", f"{page}: shown for the migration step"
    cloudwatch = boto3.client("cloudwatch")
    unique = re.sub(r"[^A-Za-z0-9]", "-", f"{schemas[1]}-{page}")
    alarm = {**alarm, "AlarmName": f"{alarm['AlarmName']}-{unique}", "Namespace": f"{alarm['Namespace']}/{unique}"}
    cloudwatch.put_metric_alarm(**alarm)
    assert [a["MetricName"] for a in cloudwatch.describe_alarms(AlarmNames=[alarm["AlarmName"]])["MetricAlarms"]] == [
        alarm["MetricName"]
    ]

    clean = prepare(db, schemas, etl_secret, put_config, bad=False)
    args = {"JOB_NAME": dims["JobName"], "metrics_namespace": alarm["Namespace"]}
    assert run_step({"config_path": clean, "run_id": f"clean-{unique}", **args}).succeeded == 1
    assert not breaches(alarm)

    failing = prepare(db, schemas, etl_secret, put_config, bad=True, table="u")
    result = run_step({"config_path": failing, "run_id": f"failing-{unique}", "fail_on_error": "false", **args})
    assert result.failed == 1
    assert breaches(alarm)
