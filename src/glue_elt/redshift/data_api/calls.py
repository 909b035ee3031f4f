"""One Data API executor's calls of the service: each sent in its turn under the quotas (``pace``), counted by
operation, and a failure turned into glue-elt's error (``errors.translated``, the one place that decides what a
Data API error is); and each secret's target fields, worked out once (``wire.data_api_target``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.data_api.errors import translated
from glue_elt.redshift.data_api.pace import Pacer
from glue_elt.redshift.data_api.wire import data_api_target, snake_case


class DataApiCalls:
    """``call`` an operation of the ``redshift-data`` client of ``secrets``' identity, paced by ``pacer``;
    ``counts`` the calls sent by operation (waits of the pacer included); ``target`` a secret's request fields."""

    def __init__(self, secrets: SecretStore, pacer: Pacer) -> None:
        self._secrets = secrets
        self._pacer = pacer
        self.counts: Counter[str] = Counter()
        self._targets: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def target(self, secret_name: str) -> dict[str, str]:
        """The fields that name ``secret_name``'s cluster or workgroup and who runs the SQL (cached)."""
        with self._lock:
            known = self._targets.get(secret_name)
        if known is None:
            known = data_api_target(self._secrets.spec(secret_name))
            with self._lock:
                self._targets[secret_name] = known
        return known

    def call(self, operation: str, request: dict[str, Any]) -> Mapping[str, Any]:
        """The answer of ``operation`` (``DescribeStatement``, ...) to ``request``; raises glue-elt's error."""
        client = self._secrets.clients.client("redshift-data")
        method = getattr(client, snake_case(operation))

        def send(sent: dict[str, Any]) -> Mapping[str, Any]:
            with self._lock:
                self.counts[operation] += 1
            answer: Mapping[str, Any] = method(**sent)
            return answer

        try:
            answer = self._pacer.send(operation, request, send)
        except Exception as error:
            failure = translated(operation, error, self._pacer.busy_seconds)
            if failure is error:
                raise
            raise failure from None
        return answer
