"""A Secrets Manager call that fails once (a real proxy in front of the moto server drops it, or answers HTTP 500) is
not remembered for the run: the next read of the secret asks again and its rows load. A permanent failure (no such
secret) is read once and fails every row of the secret alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from glue_elt import RowStatus
from glue_elt.errors import SecretError, UnreachableError
from glue_elt.redshift.auth.secrets import SecretStore
from local_stack import StackEndpoints
from tests.conftest import Db, make_secret, run_step
from tests.integration.faulty_proxy import FaultyProxy, faulty_proxy
from tests.integration.test_reliability import HEADER, PutConfig, seed

_names = iter(range(1, 10_000))


@pytest.fixture(params=["close", "500"])
def proxy(
    request: pytest.FixtureRequest, endpoints: StackEndpoints, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FaultyProxy]:
    """Secrets Manager behind a proxy that drops a request (``close``) or answers it with HTTP 500; one attempt per
    boto3 call, so one failed request is one failed call."""
    with faulty_proxy(endpoints.moto_url, mode=str(request.param)) as found:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", found.url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        yield found


def test_a_failed_read_is_not_kept_and_the_next_read_succeeds(proxy: FaultyProxy, endpoints: StackEndpoints) -> None:
    name = make_secret(endpoints, f"blip/store-{proxy.mode}-{next(_names)}")
    store = SecretStore()
    proxy.fail_next["GetSecretValue"] = 1
    with pytest.raises(UnreachableError, match=f"secret '{name}' could not be read"):
        store.get(name)
    assert store.get(name).user == endpoints.etl_user
    assert store.get(name).user == endpoints.etl_user  # kept once read
    assert proxy.seen["GetSecretValue"] == 2 and proxy.failed["GetSecretValue"] == 1


def test_a_missing_secret_is_asked_for_once(proxy: FaultyProxy) -> None:
    store = SecretStore()
    for _ in range(2):
        with pytest.raises(SecretError, match="ResourceNotFoundException"):
            store.get(f"blip/missing-{proxy.mode}")
    assert proxy.seen["GetSecretValue"] == 1


def test_rows_of_a_secret_load_after_a_failed_read(
    proxy: FaultyProxy, db: Db, schemas: tuple[str, str], endpoints: StackEndpoints, put_config: PutConfig
) -> None:
    source, target = schemas
    secret = make_secret(endpoints, f"blip/rows-{target}")
    seed(db, source, target, ["t1", "t2"])
    lines = [f"shared_db.{source}.{t}###{target}.{t}#{secret}#append" for t in ("t1", "t2")]
    config = put_config(f"{target}/blip.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    proxy.fail_next["GetSecretValue"] = 1
    result = run_step({"config_path": config, "max_retries": 1, "retry_wait_seconds": 0})
    assert [o.status for o in result.outcomes] == [RowStatus.SUCCEEDED] * 2, [o.error for o in result.outcomes]
    assert [db.count(f"{target}.{t}") for t in ("t1", "t2")] == [50, 50]
    assert proxy.failed["GetSecretValue"] == 1 and proxy.seen["GetSecretValue"] == 2
