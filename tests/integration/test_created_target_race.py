"""A target created by another process after this row's inspection: the row's load must see every write committed
before its lock was granted, so an incremental load does not copy another run's rows again.

The race, made deterministic with controlled connections: this run inspects the cluster and finds the target
missing (``--create_missing_targets true``); just before its load transaction, process B creates the target and
commits, and process C (another run) locks it and loads the source's rows, holding its lock; this run's load then
waits for the lock, and C commits while it waits. Redshift takes a transaction's snapshot at its first CREATE TABLE
(dg/c_serial_isolation.html), as PostgreSQL takes it at its first statement: a load that opened with
``CREATE TABLE IF NOT EXISTS`` (which finds B's table and does nothing) and then locked read the target as it was
before C's commit, and loaded C's rows a second time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.batch import BatchResult
from glue_elt.redshift.data_api.executor import DataApiExecutor
from glue_elt.redshift.driver.executor import RedshiftExecutor
from glue_elt.redshift.executor import Session
from local_stack import LocalStack
from tests.conftest import Db, run_step
from tests.integration.conftest import EXECUTORS
from tests.integration.isolation import ISOLATIONS, database_isolation
from tests.integration.test_executors import FAST_RETRIES, config, line

PutConfig = Callable[[str, str], str]
ROWS = 10
WAIT_SECONDS = 30.0


class Interference:
    """B's CREATE (committed) and C's locked load (committed once this run waits for the lock), started the first
    time this run sends a statement naming the target."""

    def __init__(self, stack: LocalStack, target: str, source: str) -> None:
        self._stack, self._target, self._source = stack, target, source
        self._done = False
        self._committer: threading.Thread | None = None

    def before(self, statements: Sequence[str]) -> None:
        if self._done or not any(self._target in statement for statement in statements):
            return
        self._done = True
        self._stack.run_as_etl(f"CREATE TABLE {self._target} (id int, at int)")  # B
        loader = self._stack.etl_connect()  # C: another run's load, locked and not yet committed
        cursor = loader.cursor()
        cursor.execute(f"LOCK {self._target}")
        cursor.execute(f"INSERT INTO {self._target} SELECT id, at FROM {self._source}")
        self._committer = threading.Thread(target=self._commit_when_waited_for, args=(loader,), daemon=True)
        self._committer.start()

    def _commit_when_waited_for(self, loader: Any) -> None:
        """Commit C once another session waits for a lock on the target (this run's load), or after 30 s."""
        deadline = time.monotonic() + WAIT_SECONDS
        waiting = f"SELECT 1 FROM pg_locks WHERE NOT granted AND relation = '{self._target}'::regclass"
        with contextlib.closing(self._stack.admin_connect()) as admin:
            cursor = admin.cursor()
            while time.monotonic() < deadline:
                cursor.execute(waiting)
                if cursor.fetchall():
                    break
                time.sleep(0.05)
        loader.commit()
        loader.close()

    def join(self) -> None:
        assert self._committer is not None, "the run never sent a statement naming the target"
        self._committer.join(WAIT_SECONDS)


class _InterferingSession:
    def __init__(self, session: Session, interference: Interference) -> None:
        self._session, self._interference = session, interference

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        self._interference.before([sql])
        return self._session.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        self._interference.before([sql])
        return self._session.query(sql, params)


class InterferingDriver(RedshiftExecutor):
    """The driver's executor, whose load transaction meets the interference at its first statement on the target."""

    def __init__(self, interference: Interference) -> None:
        super().__init__(SecretStore())
        self._interference = interference

    @contextlib.contextmanager
    def transaction(self, secret_name: str) -> Iterator[Session]:  # type: ignore[override]
        with super().transaction(secret_name) as session:
            yield _InterferingSession(session, self._interference)


class InterferingDataApi(DataApiExecutor):
    """The Data API's executor, whose load batch meets the interference before it is sent."""

    def __init__(self, interference: Interference) -> None:
        super().__init__(SecretStore(), poll_delays=(0.02,))
        self._interference = interference

    def run_batch(self, secret_name: str, statements: Sequence[str], client_token: str | None = None) -> BatchResult:
        self._interference.before(statements)
        return super().run_batch(secret_name, statements, client_token)


@pytest.mark.parametrize("isolation", ISOLATIONS)
@pytest.mark.parametrize("kind", EXECUTORS)
def test_a_target_created_meanwhile_is_loaded_as_its_lock_sees_it(
    stack: LocalStack, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig,
    kind: str, isolation: str,
) -> None:  # fmt: skip
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.events (id int, at int)",
        f"INSERT INTO {source}.events SELECT g, g FROM generate_series(1, {ROWS}) g",
    )
    interference = Interference(stack, f'"{target}"."events"', f'"{source}"."events"')
    executor = InterferingDriver(interference) if kind == "driver" else InterferingDataApi(interference)
    uri = config(
        put_config, f"race-{target}", line(source, target, cluster_secret, "incremental", "events", watermark="at")
    )
    args = {"config_path": uri, "executor": kind, "create_missing_targets": "true", **FAST_RETRIES}
    with database_isolation(stack, db, isolation):
        (outcome,) = run_step(args, executor=executor).outcomes
    interference.join()
    assert db.count(f"{target}.events") == ROWS, "the load copied rows another run had committed before its lock"
    assert outcome.error is None
    assert (outcome.rows_affected, outcome.created) == (0, False)  # created by B; C's rows were all there
