"""One executor's Data API calls: counted by operation (busy answers waited out included), a failure raised as
glue-elt's error, a secret's target fields worked out once."""

from __future__ import annotations

from typing import Any, cast

import pytest

from glue_elt.errors import ExecutionError, UnreachableError
from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.data_api.calls import DataApiCalls
from glue_elt.redshift.data_api.errors import RefusedRequestError
from glue_elt.redshift.data_api.pace import Pacer
from tests.unit.redshift.data_api.test_data_api import ScriptedClient, Secrets, throttled
from tests.unit.redshift.data_api.test_data_api_errors import error


class CountingSecrets(Secrets):
    def __init__(self, client: ScriptedClient) -> None:
        super().__init__(client)
        self.specs = 0

    def spec(self, secret_name: str) -> Any:
        self.specs += 1
        return super().spec(secret_name)


def calls_for(client: ScriptedClient, busy_seconds: float = 300.0) -> tuple[DataApiCalls, CountingSecrets]:
    secrets = CountingSecrets(client)
    return DataApiCalls(cast(SecretStore, secrets), Pacer({}, busy_seconds=busy_seconds, sleep=lambda _: None)), secrets


def test_each_call_sent_is_counted_by_operation() -> None:
    client = ScriptedClient(describe_statement=[throttled("DescribeStatement"), {"Id": "a", "Status": "FINISHED"}])
    api, _ = calls_for(client)
    assert api.call("DescribeStatement", {"Id": "a"}) == {"Id": "a", "Status": "FINISHED"}
    assert api.counts == {"DescribeStatement": 2}


@pytest.mark.parametrize(
    ("raised", "kind", "transient"),
    [
        (error("ValidationException"), RefusedRequestError, False),
        (error("DatabaseConnectionException"), UnreachableError, True),
        (error("AccessDeniedException"), ExecutionError, False),
    ],
)
def test_a_failure_is_raised_as_glue_elts_error(raised: Exception, kind: type[Exception], transient: bool) -> None:
    api, _ = calls_for(ScriptedClient(execute_statement=[raised]))
    with pytest.raises(ExecutionError) as failed:
        api.call("ExecuteStatement", {"Sql": "SELECT 1"})
    assert type(failed.value) is kind and failed.value.transient is transient
    assert failed.value.__cause__ is None and failed.value.__suppress_context__


def test_a_busy_service_past_the_wait_is_one_transient_error() -> None:
    api, _ = calls_for(ScriptedClient(describe_statement=[throttled("DescribeStatement")] * 50), busy_seconds=0.0)
    with pytest.raises(ExecutionError, match=r"busy for 0 s") as failed:
        api.call("DescribeStatement", {"Id": "a"})
    assert failed.value.transient


def test_a_secrets_target_is_worked_out_once() -> None:
    api, secrets = calls_for(ScriptedClient())
    assert api.target("s") == api.target("s") == {"Database": "dev", "ClusterIdentifier": "c1", "DbUser": "etl"}
    assert secrets.specs == 1
