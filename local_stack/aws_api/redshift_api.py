"""``redshift`` (Query protocol: GetClusterCredentials, GetClusterCredentialsWithIAM, DescribeClusters) and
``redshift-serverless`` (JSON 1.1: GetCredentials, GetWorkgroup) for the stack's one cluster and one workgroup.

Each answers as botocore's models describe (``redshift`` 2012-12-01, ``redshift-serverless`` 2021-04-21): an unknown
cluster is ``ClusterNotFound`` (HTTP 404, ``ClusterNotFoundFault``), an unknown workgroup
``ResourceNotFoundException``; ``DurationSeconds`` outside 900-3600 is ``InvalidParameterValue`` /
``ValidationException``. Every other ``redshift`` action is moto's business and is answered ``InvalidAction`` here
(nothing in this repository uses moto's ``redshift``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from local_stack.aws_api.credentials import CredentialBroker, Login
from local_stack.aws_api.protocol import ApiError, Caller, epoch, query_bool, query_int, query_list, validation
from local_stack.endpoints import LOCAL_ACCOUNT, LOCAL_CLUSTER_ID, LOCAL_WORKGROUP, StackEndpoints

MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 900, 3600, 900
_DB_USER = re.compile(r"[A-Za-z][A-Za-z0-9_+.@-]{0,63}")
"""AWS's documented DbUser rule: 1 to 64 letters, digits, ``_ + . @ -``, starting with a letter."""


class RedshiftApi:
    """The credential and discovery operations."""

    def __init__(self, endpoints: StackEndpoints, broker: CredentialBroker) -> None:
        self.ep, self.broker = endpoints, broker

    def get_cluster_credentials(self, params: Mapping[str, str], caller: Caller) -> dict[str, object]:
        """``redshift:GetClusterCredentials``: ``IAM:<DbUser>`` (``IAMA:`` with AutoCreate) and a password."""
        self._cluster(params.get("ClusterIdentifier"))
        db_user = params.get("DbUser", "")
        if not _DB_USER.fullmatch(db_user) or db_user.lower() == "public":
            raise ApiError("InvalidParameterValue", f"DbUser {db_user!r} is not a valid database user name")
        login = self.broker.cluster_credentials(
            db_user,
            params.get("DbName"),
            _seconds(query_int(params, "DurationSeconds", DEFAULT_SECONDS), "InvalidParameterValue"),
            auto_create=query_bool(params, "AutoCreate"),
            groups=query_list(params, "DbGroups"),
        )
        return {"DbUser": login.user, "DbPassword": login.password, "Expiration": login.expiration}

    def get_cluster_credentials_with_iam(self, params: Mapping[str, str], caller: Caller) -> dict[str, object]:
        """``redshift:GetClusterCredentialsWithIAM``: the caller's own database user and a password."""
        self._cluster(params.get("ClusterIdentifier"))
        seconds = _seconds(query_int(params, "DurationSeconds", DEFAULT_SECONDS), "InvalidParameterValue")
        login = self.broker.iam_credentials(self.broker.identity(caller), params.get("DbName"), seconds)
        return {
            "DbUser": login.user,
            "DbPassword": login.password,
            "Expiration": login.expiration,
            "NextRefreshTime": login.expiration,
        }

    def describe_clusters(self, params: Mapping[str, str], caller: Caller) -> dict[str, object]:
        """``redshift:DescribeClusters``: the one local cluster (its endpoint is the front door)."""
        identifier = params.get("ClusterIdentifier")
        if identifier is not None:
            self._cluster(identifier)
        ep = self.ep
        cluster = {
            "ClusterIdentifier": LOCAL_CLUSTER_ID,
            "NodeType": "ra3.xlplus",
            "ClusterStatus": "available",
            "ClusterAvailabilityStatus": "Available",
            "MasterUsername": ep.admin_user,
            "DBName": ep.database,
            "Endpoint": {"Address": ep.host, "Port": ep.front_door_port},
            "NumberOfNodes": 1,
            "PubliclyAccessible": False,
            "Encrypted": False,
            "ClusterNamespaceArn": f"arn:aws:redshift:{caller.region}:{LOCAL_ACCOUNT}:namespace:{LOCAL_CLUSTER_ID}",
        }
        return {"Clusters": [cluster]}

    def get_credentials(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """``redshift-serverless:GetCredentials``: the caller's own database user and a password."""
        self._workgroup(request.get("workgroupName"), request.get("customDomainName"))
        seconds = _seconds(request.get("durationSeconds", DEFAULT_SECONDS), "ValidationException")
        login = self.broker.iam_credentials(self.broker.identity(caller), request.get("dbName"), seconds)
        return _serverless(login)

    def get_workgroup(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """``redshift-serverless:GetWorkgroup``: the one local workgroup (its endpoint is the front door)."""
        self._workgroup(request.get("workgroupName"), None)
        ep = self.ep
        arn = f"arn:aws:redshift-serverless:{caller.region}:{LOCAL_ACCOUNT}:workgroup/{LOCAL_WORKGROUP}"
        return {
            "workgroup": {
                "workgroupName": LOCAL_WORKGROUP,
                "workgroupArn": arn,
                "workgroupId": LOCAL_WORKGROUP,
                "namespaceName": LOCAL_WORKGROUP,
                "status": "AVAILABLE",
                "baseCapacity": 8,
                "port": ep.front_door_port,
                "publiclyAccessible": False,
                "endpoint": {"address": ep.host, "port": ep.front_door_port},
            }
        }

    def _cluster(self, identifier: str | None) -> None:
        if identifier != LOCAL_CLUSTER_ID:
            raise ApiError("ClusterNotFound", f"Cluster {identifier} not found.", status=404)

    def _workgroup(self, name: object, custom_domain: object) -> None:
        if name is None and custom_domain is None:
            raise validation("workgroupName or customDomainName must be given")
        if name != LOCAL_WORKGROUP:
            shown = name if name is not None else custom_domain
            raise ApiError("ResourceNotFoundException", f"Workgroup {shown} not found.", resourceName=str(shown))


def _seconds(value: object, code: str) -> int:
    if not isinstance(value, int) or not MIN_SECONDS <= value <= MAX_SECONDS:
        raise ApiError(code, f"DurationSeconds must be between {MIN_SECONDS} and {MAX_SECONDS}")
    return value


def _serverless(login: Login) -> dict[str, Any]:
    return {
        "dbUser": login.user,
        "dbPassword": login.password,
        "expiration": epoch(login.expiration),
        "nextRefreshTime": epoch(login.expiration),
    }
