"""What the steps assume of boto3's service models (botocore's, as installed): the operations and fields they send
and read. When an upgrade of boto3 changes one of these, this file fails before a step does.

Only the models are read (botocore's loader, no network). docs/redshift-compatibility.md says why each field matters.
"""

from __future__ import annotations

import botocore.session
import pytest

SESSION = botocore.session.get_session()


def members(service: str, operation: str, *, output: bool = False) -> set[str]:
    model = SESSION.get_service_model(service).operation_model(operation)
    shape = model.output_shape if output else model.input_shape
    assert shape is not None, f"{service} {operation} has no {'output' if output else 'input'}"
    return set(shape.members)


def test_a_batch_is_sent_with_an_idempotency_token_to_a_cluster_or_a_workgroup() -> None:
    sent = members("redshift-data", "BatchExecuteStatement")
    assert {"Sqls", "ClientToken", "ClusterIdentifier", "WorkgroupName", "SecretArn", "DbUser", "Database"} <= sent
    assert "StatementName" in sent


def test_statements_are_listed_by_name_prefix_status_and_role() -> None:
    """A token refused for other statements: its batch is found by name (glue_elt.redshift.data_api.earlier)."""
    assert {"StatementName", "Status", "RoleLevel", "MaxResults", "NextToken"} <= members(
        "redshift-data", "ListStatements"
    )
    model = SESSION.get_service_model("redshift-data").operation_model("ListStatements")
    assert "ALL" in set(model.input_shape.members["Status"].enum)
    listed = model.output_shape.members["Statements"].member
    assert {"Id", "StatementName", "Status", "CreatedAt", "IsBatchStatement"} <= set(listed.members)
    name = SESSION.get_service_model("redshift-data").operation_model("BatchExecuteStatement")
    assert name.input_shape.members["StatementName"].metadata.get("max", 500) >= 73  # glue-elt- and 64 characters


def test_a_statement_takes_named_parameters_and_a_token() -> None:
    assert {"Sql", "Parameters", "ClientToken", "Database"} <= members("redshift-data", "ExecuteStatement")


def test_a_described_statement_says_when_it_was_created_and_how_each_part_ended() -> None:
    """``CreatedAt`` tells an earlier process's batch from this one's; a failed batch's error may be only in its
    sub-statements (glue_elt.redshift.data_api)."""
    described = members("redshift-data", "DescribeStatement", output=True)
    assert {"Id", "Status", "Error", "CreatedAt", "SubStatements", "HasResultSet", "ResultRows"} <= described
    model = SESSION.get_service_model("redshift-data").operation_model("DescribeStatement")
    part = model.output_shape.members["SubStatements"].member
    assert {"Id", "Status", "Error", "ResultRows", "CreatedAt"} <= set(part.members)
    statuses = set(model.output_shape.members["Status"].enum)
    assert {"SUBMITTED", "PICKED", "STARTED", "FINISHED", "FAILED", "ABORTED"} <= statuses


def test_results_page_with_a_token() -> None:
    assert {"Id", "NextToken"} <= members("redshift-data", "GetStatementResult")
    assert {"Records", "NextToken", "ColumnMetadata"} <= members("redshift-data", "GetStatementResult", output=True)


@pytest.mark.parametrize(
    ("service", "operation", "fields"),
    [
        (
            "redshift",
            "GetClusterCredentials",
            {"DbUser", "DbName", "ClusterIdentifier", "DurationSeconds", "AutoCreate", "DbGroups"},
        ),
        ("redshift", "GetClusterCredentialsWithIAM", {"DbName", "ClusterIdentifier", "DurationSeconds"}),
        ("redshift-serverless", "GetCredentials", {"workgroupName", "dbName", "durationSeconds"}),
        ("redshift", "DescribeClusters", {"ClusterIdentifier"}),
        ("redshift-serverless", "GetWorkgroup", {"workgroupName"}),
    ],
)
def test_the_credential_and_endpoint_calls_take_what_the_steps_send(
    service: str, operation: str, fields: set[str]
) -> None:
    assert fields <= members(service, operation)


@pytest.mark.parametrize(
    ("service", "operation", "fields"),
    [
        ("redshift", "GetClusterCredentials", {"DbUser", "DbPassword", "Expiration"}),
        ("redshift", "GetClusterCredentialsWithIAM", {"DbUser", "DbPassword", "Expiration", "NextRefreshTime"}),
        ("redshift-serverless", "GetCredentials", {"dbUser", "dbPassword", "expiration", "nextRefreshTime"}),
    ],
)
def test_temporary_credentials_come_with_their_expiry(service: str, operation: str, fields: set[str]) -> None:
    assert fields <= members(service, operation, output=True)
