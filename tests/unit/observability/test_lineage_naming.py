"""Dataset and job names by the OpenLineage naming spec (spec/Naming.md, "Redshift")."""

from __future__ import annotations

import pytest

from glue_elt.observability.lineage_naming import (
    check_namespace,
    dataset_name,
    job_name,
    redshift_namespace,
    spec_namespace,
)
from glue_elt.redshift.auth.spec import ConnectionSpec


@pytest.mark.parametrize(
    ("host", "port", "identifier", "region", "namespace"),
    [
        # the spec's own example host: cluster identifier and region from the endpoint
        ("examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com", 5439, None, None,
         "redshift://examplecluster.us-west-2:5439"),
        # the host's region wins over the job's; upper case folded
        ("ExampleCluster.abc123xyz789.eu-central-1.redshift.amazonaws.com", 5440, None, "us-east-1",
         "redshift://examplecluster.eu-central-1:5440"),
        # Serverless endpoint: workgroup.account.region
        ("wg1.123456789012.ap-southeast-2.redshift-serverless.amazonaws.com", 5439, None, None,
         "redshift://wg1.ap-southeast-2:5439"),
        # China regions
        ("c1.abc.cn-north-1.redshift.amazonaws.com.cn", 5439, None, None, "redshift://c1.cn-north-1:5439"),
        # the secret's cluster identifier with the job's region (no host: IAM / Data API secrets)
        (None, 5439, "analytics", "us-east-1", "redshift://analytics.us-east-1:5439"),
        # a local or proxied host plus a cluster identifier: identifier and the job's region
        ("127.0.0.1", 6432, "glue-elt-local", "us-east-1", "redshift://glue-elt-local.us-east-1:6432"),
        # neither an AWS host nor an identifier: the host itself
        ("127.0.0.1", 6432, None, "us-east-1", "redshift://127.0.0.1:6432"),
        ("vpce-1.redshift.internal.example", 5439, None, None, "redshift://vpce-1.redshift.internal.example:5439"),
        # an identifier without any region: the host, else the identifier alone
        ("db.internal", 5439, "c2", None, "redshift://db.internal:5439"),
        (None, 5439, "c2", None, "redshift://c2:5439"),
    ],
)  # fmt: skip
def test_redshift_namespace(
    host: str | None, port: int, identifier: str | None, region: str | None, namespace: str
) -> None:
    assert redshift_namespace(host, port, identifier, region) == namespace


def test_a_namespace_needs_a_host_or_an_identifier() -> None:
    with pytest.raises(ValueError, match="needs a host or a cluster identifier"):
        redshift_namespace(None, 5439, None, "us-east-1")


def test_spec_namespace_uses_the_secret() -> None:
    host = ConnectionSpec("s", "dev", host="prod.x1.us-east-2.redshift.amazonaws.com", port=5439)
    assert spec_namespace(host, "eu-west-1") == "redshift://prod.us-east-2:5439"
    cluster = ConnectionSpec("s", "dev", cluster_identifier="prod")
    assert spec_namespace(cluster, "eu-west-1") == "redshift://prod.eu-west-1:5439"
    workgroup = ConnectionSpec("s", "dev", workgroup_name="wg")
    assert spec_namespace(workgroup, "eu-west-1") == "redshift://wg.eu-west-1:5439"


def test_dataset_and_job_names() -> None:
    assert dataset_name("shared_db", "sales", "orders") == "shared_db.sales.orders"
    assert dataset_name("dev", "", "orders") == "dev.public.orders"  # unqualified: Redshift's default search_path
    assert job_name("redshift_sql", "b/sql/x.sql") == "redshift_sql.b/sql/x.sql"


@pytest.mark.parametrize("text", ["redshift://producer.us-east-1:5439", "postgres://db:5432", " redshift://a:1 "])
def test_check_namespace_accepts(text: str) -> None:
    assert check_namespace(text) == text.strip()


@pytest.mark.parametrize("text", ["producer.us-east-1:5439", "redshift://", "redshift://a:1/db", "Red shift://a"])
def test_check_namespace_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not a dataset namespace"):
        check_namespace(text)
