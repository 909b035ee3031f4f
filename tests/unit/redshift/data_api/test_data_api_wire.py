"""The Data API's request fields, parameters, result records and batch positions (its errors: ``test_data_api_errors.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from glue_elt.errors import SecretError
from glue_elt.redshift.auth.spec import ConnectionSpec
from glue_elt.redshift.data_api.wire import (
    data_api_target,
    failed_part,
    named_parameters,
    placeholders,
    records,
    result_rows,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            ConnectionSpec("s", "dev", user="etl", password="pw", cluster_identifier="c1", secret_arn="arn:s"),
            {"Database": "dev", "ClusterIdentifier": "c1", "SecretArn": "arn:s"},
        ),
        (
            ConnectionSpec("s", "dev", user="etl", cluster_identifier="c1"),
            {"Database": "dev", "ClusterIdentifier": "c1", "DbUser": "etl"},
        ),
        (ConnectionSpec("s", "dev", cluster_identifier="c1"), {"Database": "dev", "ClusterIdentifier": "c1"}),
        (ConnectionSpec("s", "dev", workgroup_name="wg"), {"Database": "dev", "WorkgroupName": "wg"}),
        (
            ConnectionSpec("s", "dev", user="u", password="pw", workgroup_name="wg", secret_arn="arn:s"),
            {"Database": "dev", "WorkgroupName": "wg", "SecretArn": "arn:s"},
        ),
    ],
    ids=["secret-arn", "db-user", "cluster-iam", "serverless-iam", "serverless-secret"],
)
def test_target_fields_for_each_kind_of_secret(spec: ConnectionSpec, expected: dict[str, str]) -> None:
    assert data_api_target(spec) == expected


def test_targets_the_data_api_cannot_reach() -> None:
    with pytest.raises(SecretError, match="names no cluster_identifier or workgroup_name"):
        data_api_target(ConnectionSpec("s", "dev", host="h", user="u", password="pw"))
    with pytest.raises(SecretError, match="auto_create or db_groups"):
        data_api_target(ConnectionSpec("s", "dev", user="u", cluster_identifier="c1", auto_create=True))


def test_named_parameters() -> None:
    sql, params = named_parameters("SELECT x FROM t WHERE a = %s AND b = %s", ["r1", datetime(2026, 1, 2, 3, 4, 5)])
    assert sql == "SELECT x FROM t WHERE a = :p1 AND b = :p2"
    assert params == [{"name": "p1", "value": "r1"}, {"name": "p2", "value": "2026-01-02 03:04:05"}]
    assert named_parameters("SELECT '%s'", None) == ("SELECT '%s'", [])  # no parameters: the text is left alone
    with pytest.raises(ValueError, match="NULL or empty"):
        named_parameters("SELECT %s", [""])
    with pytest.raises(ValueError, match="placeholder"):
        named_parameters("SELECT %s", [1, 2])


def test_records() -> None:
    page = {
        "Records": [
            [{"longValue": 3}, {"stringValue": "12.50"}, {"booleanValue": True}, {"isNull": True}, {"doubleValue": 1.5}]
        ]
    }
    assert records(page) == [(3, "12.50", True, None, 1.5)]
    assert records({}) == []


def test_result_rows_are_read_page_by_page() -> None:
    pages = {
        None: {"Records": [[{"longValue": 1}]], "NextToken": "t1"},
        "t1": {"Records": [[{"longValue": 2}], [{"longValue": 3}]], "NextToken": "t2"},
        "t2": {"Records": []},
    }
    asked: list[dict[str, Any]] = []

    def get_result(request: dict[str, Any]) -> dict[str, Any]:
        asked.append(request)
        return pages[request.get("NextToken")]

    assert result_rows(get_result, "s1") == [(1,), (2,), (3,)]
    assert asked == [{"Id": "s1"}, {"Id": "s1", "NextToken": "t1"}, {"Id": "s1", "NextToken": "t2"}]


def test_failed_part() -> None:
    parts = {"SubStatements": [{"Status": "FINISHED"}, {"Status": "FAILED"}, {"Status": "ABORTED"}]}
    assert failed_part(parts) == 1
    rolled_back = {"SubStatements": [{"Status": "ABORTED"}, {"Status": "FAILED"}, {"Status": "ABORTED"}]}
    assert failed_part(rolled_back) == 1
    assert failed_part({"SubStatements": [{"Status": "FINISHED"}, {"Status": "ABORTED"}]}) == 1
    assert failed_part({"SubStatements": [{"Status": "FINISHED"}]}) is None


def test_a_placeholder_inside_a_quoted_name_a_literal_or_a_comment_is_text() -> None:
    sql = (
        '/* glue-elt migrate run="a%s" */ SELECT n FROM ops."run%state" WHERE a = %s '
        "AND b = 'x%s''%s' AND c = 'd\\'%s' -- %s\n AND e = %s"
    )
    text, params = named_parameters(sql, ["1", "2"])
    assert text == (
        '/* glue-elt migrate run="a%s" */ SELECT n FROM ops."run%state" WHERE a = :p1 '
        "AND b = 'x%s''%s' AND c = 'd\\'%s' -- %s\n AND e = :p2"
    )
    assert [p["value"] for p in params] == ["1", "2"]
    assert placeholders('SELECT "a""%s" , %s') == [17]
