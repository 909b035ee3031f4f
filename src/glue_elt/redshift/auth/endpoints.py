"""Where a named cluster or workgroup listens, for secrets that name one and give no ``host``.

A provisioned cluster's address is the ``Endpoint`` of ``redshift:DescribeClusters``, a Serverless workgroup's the
``endpoint`` of ``redshift-serverless:GetWorkgroup``. Each cluster or workgroup is looked up once per run, with the
clients of the identity that read the secret.
"""

from __future__ import annotations

import threading
from typing import Any

from glue_elt.aws.clients import AwsClients
from glue_elt.aws.errors import api_failure
from glue_elt.errors import UnreachableError
from glue_elt.redshift.auth.spec import ConnectionSpec

Address = tuple[str, int]


class EndpointLookup:
    """Host and port of each secret's target: the secret's own, or looked up (cached per cluster or workgroup)."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients
        self._found: dict[tuple[str, str], Address] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._lock = threading.Lock()

    def address(self, spec: ConnectionSpec) -> Address:
        """``(host, port)`` of ``spec``'s target; raises ``SecretError`` or ``UnreachableError`` when unknown."""
        if spec.host is not None:
            return spec.host, spec.port
        key = ("workgroup", spec.workgroup_name) if spec.workgroup_name else ("cluster", str(spec.cluster_identifier))
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one look-up per cluster or workgroup, even when threads open connections at once
            if key not in self._found:
                self._found[key] = self._look_up(spec)
            return self._found[key]

    def _look_up(self, spec: ConnectionSpec) -> Address:
        if spec.workgroup_name is not None:
            return self._workgroup(spec, spec.workgroup_name)
        return self._cluster(spec, str(spec.cluster_identifier))

    def _cluster(self, spec: ConnectionSpec, identifier: str) -> Address:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._clients.client("redshift").describe_clusters(ClusterIdentifier=identifier)
        except (BotoCoreError, ClientError) as error:
            needed = f"redshift:DescribeClusters on cluster:{identifier}"
            raise _failure(error, spec, "DescribeClusters", needed) from None
        clusters: list[dict[str, Any]] = answer.get("Clusters", [])
        endpoint = clusters[0].get("Endpoint") if clusters else None
        if not endpoint or not endpoint.get("Address"):
            status = clusters[0].get("ClusterStatus", "unknown") if clusters else "unknown"
            raise UnreachableError(
                f"secret {spec.secret_name!r}: cluster {identifier} has no endpoint now (status {status})"
            )
        return str(endpoint["Address"]), int(endpoint["Port"])

    def _workgroup(self, spec: ConnectionSpec, name: str) -> Address:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._clients.client("redshift-serverless").get_workgroup(workgroupName=name)
        except (BotoCoreError, ClientError) as error:
            raise _failure(error, spec, "GetWorkgroup", "redshift-serverless:GetWorkgroup on the workgroup") from None
        workgroup: dict[str, Any] = answer.get("workgroup", {})
        endpoint = workgroup.get("endpoint")
        if not endpoint or not endpoint.get("address"):
            status = workgroup.get("status", "unknown")
            raise UnreachableError(
                f"secret {spec.secret_name!r}: workgroup {name} has no endpoint now (status {status})"
            )
        return str(endpoint["address"]), int(endpoint.get("port") or workgroup["port"])


def _failure(error: Exception, spec: ConnectionSpec, action: str, permission: str) -> Exception:
    what = f"secret {spec.secret_name!r}: {action} for {spec.endpoint_name} failed"
    return api_failure(error, what, f"{permission} (or 'host' and 'port' in the secret)")
