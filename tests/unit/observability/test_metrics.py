"""The metrics of ``--metrics_namespace`` without a server: the datums built from a run's figures, the client's short
timeouts, and the publisher's one warning on any failure (botocore's ``Stubber`` answers as CloudWatch would)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError, NoCredentialsError
from botocore.stub import Stubber

from glue_elt.aws.clients import AwsClients
from glue_elt.observability import metrics
from glue_elt.observability.metrics import SECONDS, Figure, dimensions, metric_data, publish

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
DIMS = {"Step": "migrate", "JobName": "nightly"}


def client() -> Any:
    session = boto3.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name="eu-west-1")
    return metrics.cloudwatch_client(AwsClients(session))


def test_every_datum_carries_both_dimensions_its_unit_and_the_run_timestamp() -> None:
    data = metric_data([Figure("RowsFailed", 2), Figure("DurationSeconds", 1.5, SECONDS)], DIMS, NOW)
    dims = [{"Name": "Step", "Value": "migrate"}, {"Name": "JobName", "Value": "nightly"}]
    assert data == [
        {"MetricName": "RowsFailed", "Dimensions": dims, "Timestamp": NOW, "Value": 2.0, "Unit": "Count"},
        {"MetricName": "DurationSeconds", "Dimensions": dims, "Timestamp": NOW, "Value": 1.5, "Unit": "Seconds"},
    ]
    assert data[0]["Dimensions"] is not data[1]["Dimensions"]
    assert metric_data([], DIMS, NOW) == []


def test_the_job_name_is_unnamed_without_glue_and_values_fit_cloudwatch() -> None:
    assert dimensions("sql", None) == {"Step": "sql", "JobName": "unnamed"}
    assert dimensions("sql", "  ") == {"Step": "sql", "JobName": "unnamed"}
    assert dimensions("sql", " nightly ") == {"Step": "sql", "JobName": "nightly"}
    assert len(dimensions("sql", "j" * 2000)["JobName"]) == 1024  # a dimension value's limit


def test_the_data_are_valid_put_metric_data_input() -> None:
    cloudwatch = client()
    data = metric_data([Figure("RowsSucceeded", 3), Figure("DurationSeconds", 0.25, SECONDS)], DIMS, NOW)
    with Stubber(cloudwatch) as stub:  # the Stubber checks the request against botocore's model of the API
        stub.add_response("put_metric_data", {}, {"Namespace": "glue-elt", "MetricData": data})
        assert publish("glue-elt", data, cloudwatch)
        stub.assert_no_pending_responses()


def test_the_client_gives_up_in_seconds() -> None:
    config = client().meta.config
    assert (config.connect_timeout, config.read_timeout) == (2, 5)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}


@pytest.mark.parametrize(("code", "status"), [("AccessDenied", 403), ("Throttling", 400), ("InternalFailure", 500)])
def test_a_refused_call_is_one_warning_with_the_namespace_and_the_code(
    code: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    cloudwatch = client()
    data = metric_data([Figure("RowsFailed", 1)], DIMS, NOW)
    caplog.set_level(logging.INFO, logger="glue_elt")
    with Stubber(cloudwatch) as stub:
        stub.add_client_error("put_metric_data", code, "User: arn:aws:iam::1:user/x is not authorized", status)
        assert not publish("glue-elt", data, cloudwatch)
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage() == (
        f"metrics not published to CloudWatch namespace 'glue-elt': {code} (the run's outcome is unchanged)"
    )
    assert "not authorized" not in caplog.text  # the code, never AWS's message


class Failing:
    """A client whose call fails as botocore fails when no endpoint answers."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def put_metric_data(self, **_: Any) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), "EndpointConnectionError"),
        (NoCredentialsError(), "NoCredentialsError"),
        (RuntimeError("boom"), "RuntimeError"),
    ],
)
def test_any_other_failure_is_one_warning_too(error: Exception, code: str, caplog: pytest.LogCaptureFixture) -> None:
    assert not publish("ns", metric_data([Figure("RowsFailed", 1)], DIMS, NOW), Failing(error))
    (warning,) = caplog.records
    assert warning.levelno == logging.WARNING and f"namespace 'ns': {code} " in warning.getMessage()


def test_nothing_to_publish_makes_no_call() -> None:
    assert not publish("ns", [], Failing(AssertionError("called")))
