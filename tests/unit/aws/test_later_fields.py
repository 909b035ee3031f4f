"""A field the service takes but the client's botocore model lacks (``ExecutionMode`` before botocore 1.43, the line
Python 3.9 gets) is moved past botocore's parameter check into the request's body; with a model that knows it,
nothing changes. The request a real client would send is caught at ``before-send``: nothing leaves the process."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.awsrequest

from glue_elt.aws.later_fields import put_back, send_later_fields, take_out


class SentError(Exception):
    """Raised with the request's body instead of sending it."""


def body_sent(client: Any, **request: Any) -> dict[str, Any]:
    def catch(request: botocore.awsrequest.AWSPreparedRequest, **_: Any) -> None:
        raise SentError(request.body)

    client.meta.events.register("before-send", catch)
    try:
        client.batch_execute_statement(**request)
    except SentError as sent:
        return dict(json.loads(sent.args[0]))
    raise AssertionError("nothing was sent")


def test_a_batch_in_auto_commit_mode_is_sent_with_its_mode_whatever_botocore_knows() -> None:
    client = boto3.client("redshift-data", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    send_later_fields(send_later_fields(client))  # set up twice: registered once
    body = body_sent(
        client, Sqls=["SET query_group TO 'etl'", "SELECT 1"], Database="dev", ClusterIdentifier="c",
        ExecutionMode="AUTO_COMMIT",
    )  # fmt: skip
    assert body["ExecutionMode"] == "AUTO_COMMIT" and body["Sqls"][1] == "SELECT 1"


def test_an_old_model_s_missing_field_is_taken_out_and_put_back_into_the_body() -> None:
    service = SimpleNamespace(service_id=SimpleNamespace(hyphenize=lambda: "redshift-data"))
    old = SimpleNamespace(
        name="BatchExecuteStatement", service_model=service, input_shape=SimpleNamespace(members={"Sqls": None})
    )
    params: dict[str, Any] = {"Sqls": ["SELECT 1"], "ExecutionMode": "AUTO_COMMIT"}
    context: dict[str, Any] = {}
    take_out(params, old, context)
    assert params == {"Sqls": ["SELECT 1"]}  # what botocore's check then sees
    request = {"body": json.dumps(params).encode()}
    put_back(request, context)
    assert json.loads(request["body"]) == {"Sqls": ["SELECT 1"], "ExecutionMode": "AUTO_COMMIT"}
