"""EndpointLookup: the secret's own host, or the cluster's or workgroup's endpoint (asked once), with fake clients."""

from __future__ import annotations

from typing import Any, cast

import pytest

from glue_elt.aws.clients import AwsClients
from glue_elt.errors import UnreachableError
from glue_elt.redshift.auth.endpoints import EndpointLookup
from glue_elt.redshift.auth.spec import ConnectionSpec


class FakeApi:
    def __init__(self, cluster: dict[str, Any], workgroup: dict[str, Any]) -> None:
        self.cluster, self.workgroup = cluster, workgroup
        self.calls: list[str] = []

    def client(self, service: str) -> FakeApi:
        return self

    def describe_clusters(self, ClusterIdentifier: str) -> dict[str, Any]:  # noqa: N803 (boto3's name)
        self.calls.append(f"DescribeClusters {ClusterIdentifier}")
        return {"Clusters": [{"ClusterIdentifier": ClusterIdentifier, **self.cluster}]}

    def get_workgroup(self, workgroupName: str) -> dict[str, Any]:  # noqa: N803 (boto3's name)
        self.calls.append(f"GetWorkgroup {workgroupName}")
        return {"workgroup": {"workgroupName": workgroupName, **self.workgroup}}


AVAILABLE = FakeApi(
    {"ClusterStatus": "available", "Endpoint": {"Address": "c1.abc.eu-west-1.redshift.amazonaws.com", "Port": 5439}},
    {"status": "AVAILABLE", "port": 5440, "endpoint": {"address": "wg.1.eu-west-1.redshift-serverless.amazonaws.com"}},
)


def test_the_secrets_own_host_needs_no_call() -> None:
    api = FakeApi({}, {})
    spec = ConnectionSpec("s", "dev", host="h", port=5441, cluster_identifier="c1")
    assert EndpointLookup(cast(AwsClients, api)).address(spec) == ("h", 5441)
    assert api.calls == []


def test_each_cluster_and_workgroup_is_looked_up_once() -> None:
    api = FakeApi(AVAILABLE.cluster, AVAILABLE.workgroup)
    lookup = EndpointLookup(cast(AwsClients, api))
    for name in ("a", "b"):
        spec = ConnectionSpec(name, "dev", cluster_identifier="c1", user="u")
        assert lookup.address(spec) == ("c1.abc.eu-west-1.redshift.amazonaws.com", 5439)
    wg = ConnectionSpec("w", "dev", workgroup_name="wg")
    assert lookup.address(wg) == ("wg.1.eu-west-1.redshift-serverless.amazonaws.com", 5440)  # the workgroup's port
    assert lookup.address(wg)[0].startswith("wg.1.")
    assert api.calls == ["DescribeClusters c1", "GetWorkgroup wg"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            ConnectionSpec("s", "dev", cluster_identifier="c1"),
            "secret 's': cluster c1 has no endpoint now (status paused)",
        ),
        (
            ConnectionSpec("s", "dev", workgroup_name="w"),
            "secret 's': workgroup w has no endpoint now (status CREATING)",
        ),
    ],
)
def test_no_endpoint_yet_is_unreachable_and_not_remembered(spec: ConnectionSpec, message: str) -> None:
    api = FakeApi({"ClusterStatus": "paused"}, {"status": "CREATING"})
    lookup = EndpointLookup(cast(AwsClients, api))
    for _ in range(2):
        with pytest.raises(UnreachableError) as raised:
            lookup.address(spec)
        assert str(raised.value) == message
    assert len(api.calls) == 2
