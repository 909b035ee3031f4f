"""The local Data API's answer-shape fault and request meter, through real boto3 (``local_stack.aws_api``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local_stack import LocalStack
from local_stack.aws_api.process import request_counts, set_faults
from tests.boundary.test_local_redshift_api import AS_ETL, data_client, wait

pytestmark = pytest.mark.integration


@pytest.fixture
def url(stack: LocalStack) -> Iterator[str]:
    yield stack.endpoints.redshift_api_url
    set_faults(stack.endpoints.redshift_api_url, reset=True)


def test_omit_batch_error_leaves_the_error_in_the_failed_sub_statement_only(url: str) -> None:
    client = data_client()
    set_faults(url, omit_batch_error=True)
    failed = wait(client, client.batch_execute_statement(Sqls=["select 1", "select 1 / 0"], **AS_ETL)["Id"])
    assert failed["Status"] == "FAILED" and "Error" not in failed
    assert [part.get("Error") for part in failed["SubStatements"]] == [None, "ERROR: division by zero"]
    single = wait(client, client.execute_statement(Sql="select 1 / 0", **AS_ETL)["Id"])
    assert single["Error"] == "ERROR: division by zero"  # not a batch: its only error stays
    assert set_faults(url, reset=True)["omit_batch_error"] is False
    again = wait(client, client.batch_execute_statement(Sqls=["select 1 / 0"], **AS_ETL)["Id"])
    assert again["Error"] == "ERROR: division by zero"


def test_the_meter_counts_calls_by_operation_and_busiest_second(url: str) -> None:
    client = data_client()
    assert request_counts(url, reset=True)["total"] == {}
    statement_id = client.execute_statement(Sql="select 1", **AS_ETL)["Id"]
    for _ in range(3):
        client.describe_statement(Id=statement_id)
    counted = request_counts(url)
    assert counted["total"] == {"ExecuteStatement": 1, "DescribeStatement": 3}
    assert 1 <= counted["peak_per_second"]["DescribeStatement"] <= 3
    assert 2 <= counted["peak_all_per_second"] <= 4
