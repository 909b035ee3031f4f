"""A run over many secrets behind a pooler with a connection limit (PgBouncer's ``default_pool_size = 50``, as
``local_stack.pgbouncer`` writes it): it finishes, and the driver never holds more than ``--max_parallel`` load
connections and as many look-up connections in all, however many secrets (issue 31, item 9). The Data API holds no
connections: the same run finishes through it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import boto3
import pytest

from glue_elt import RedshiftCrossAccountDataMigration, RedshiftExecutor
from local_stack import LocalStack
from local_stack.endpoints import LOCAL_CLUSTER_ID, StackEndpoints
from tests.conftest import Db
from tests.integration.test_reliability import StepThread

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
PutConfig = Callable[[str, str], str]
SECRETS = 40
MAX_PARALLEL = 4


@pytest.fixture(scope="module")
def many_secrets(endpoints: StackEndpoints) -> list[str]:
    """``SECRETS`` secrets of the ETL user (each naming the cluster, so the Data API can use them too)."""
    client = boto3.client("secretsmanager")
    names = [f"glue-elt/many-{number:02d}" for number in range(SECRETS)]
    for name in names:
        client.create_secret(Name=name, SecretString=endpoints.redshift_secret(dbClusterIdentifier=LOCAL_CLUSTER_ID))
    return names


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_run_over_40_secrets_finishes_within_the_bound_on_connections(
    executor: str, stack: LocalStack, db: Db, schemas: tuple[str, str], many_secrets: list[str], put_config: PutConfig
) -> None:
    source, target = schemas
    tables = [f"t{number:02d}" for number in range(2 * SECRETS)]
    db.admin(f"CREATE TABLE {source}.s (id int)", f"INSERT INTO {source}.s SELECT g FROM generate_series(1, 5) g")
    db.as_etl(*[f"CREATE TABLE {target}.{table} (id int)" for table in tables])
    lines = [  # two rows per secret, far apart in the file
        f"shared_db.{source}.s###{target}.{table}#{many_secrets[number % SECRETS]}#append"
        for number, table in enumerate(tables)
    ]
    config = put_config(f"{target}/many.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    step = RedshiftCrossAccountDataMigration(
        {"config_path": config, "max_parallel": MAX_PARALLEL, "executor": executor, "statement_timeout_seconds": 60}
    )
    on_server: list[int] = []
    held: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            clients = [line.split("|") for line in stack.bouncer_admin("SHOW CLIENTS").splitlines()]
            on_server.append(sum(1 for c in clients if c[1] == "etl_user" and c[-1] == "glue-elt"))
            if isinstance(step.executor, RedshiftExecutor):
                held.append(step.executor.open_connections)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        runner = StepThread(step)
        runner.start()
        result = runner.outcome(timeout=100)  # today's PgBouncer answers a client it cannot seat after 120 s
    finally:
        stop.set()
        sampler.join(10)
    assert result.ok and result.succeeded == 2 * SECRETS, [o.error for o in result.outcomes if o.error][:3]
    assert [db.count(f"{target}.{table}") for table in tables] == [5] * len(tables)
    assert max(on_server) <= 2 * MAX_PARALLEL  # the loads' connections, and the look-ups' (at most one per secret)
    assert max(held, default=0) <= 2 * MAX_PARALLEL
    if executor == "driver":
        assert max(on_server) >= 2, "the run never used more than one connection"
    else:
        assert not held and max(on_server) == 0  # the Data API opens no connection of the step's own
