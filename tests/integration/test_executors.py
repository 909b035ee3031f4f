"""The migration scenarios under both executors: the driver (``redshift_connector`` through PgBouncer) and the
Redshift Data API (the local API server, reached by unmodified boto3, executing on the same stand-in).

Each scenario runs the step with ``--executor driver`` and ``--executor data_api`` and expects the same outcomes,
the same table contents and the same state-table records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from glue_elt import MigrationResult, RowStatus
from tests.conftest import Db, run_step

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type#merge_keys#watermark_column"
PutConfig = Callable[[str, str], str]
FAST_RETRIES = {"max_retries": 3, "retry_wait_seconds": 0.01}


def migrate(config: str, executor: str, **params: object) -> MigrationResult:
    return run_step({"config_path": config, "executor": executor, **FAST_RETRIES, **params})


def seed(db: Db, source: str, target: str, table: str = "t", rows: int = 20) -> None:
    db.admin(
        f"CREATE TABLE {source}.{table} (id int, k int, v text)",
        f"INSERT INTO {source}.{table} SELECT g, g % 10, 'v' || g FROM generate_series(1, {rows}) g",
    )
    db.as_etl(f"CREATE TABLE {target}.{table} (id int, k int, v text)")


def line(source: str, target: str, secret: str, load_type: str = "append", table: str = "t", **more: str) -> str:
    fields = [
        f"shared_db.{source}.{table}",
        more.get("columns", ""),
        more.get("filter", ""),
        f"{target}.{table}",
        secret,
        load_type,
        more.get("merge_keys", ""),
        more.get("watermark", ""),
    ]
    return "#".join(fields)


def config(put_config: PutConfig, key: str, *lines: str) -> str:
    return put_config(f"executors/{key}.csv", "\n".join([HEADER, *lines]) + "\n")


def state_rows(db: Db, run_id: str) -> list[tuple[Any, ...]]:
    return db.rows(
        "SELECT target_table, load_type, rows_affected, committed_at IS NOT NULL FROM glue_elt.migration_state "
        f"WHERE run_id = '{run_id}' ORDER BY target_table"
    )


def test_every_load_type(
    executor: str,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, target = schemas
    for table in ("a", "o", "tr", "i", "u"):
        seed(db, source, target, table)
    db.as_etl(
        f"INSERT INTO {target}.o VALUES (100, 0, 'old')",
        f"INSERT INTO {target}.tr VALUES (100, 0, 'old')",
        f"INSERT INTO {target}.i SELECT g, g % 10, 'v' || g FROM generate_series(1, 15) g",
        f"INSERT INTO {target}.u VALUES (1, 1, 'stale'), (500, 0, 'kept')",
    )
    rows = [
        line(source, target, cluster_secret, "append", "a", filter="id <= 12"),
        line(source, target, cluster_secret, "overwrite", "o"),
        line(source, target, cluster_secret, "incremental", "i", watermark="id"),
        line(source, target, cluster_secret, "upsert", "u", merge_keys="id", filter="id <= 5"),
    ]
    with caplog.at_level("INFO"):
        result = migrate(config(put_config, f"types-{executor}", *rows), executor, run_id=f"types-{executor}")
    assert [(o.status, o.rows_affected) for o in result.outcomes] == [(RowStatus.SUCCEEDED, n) for n in (12, 20, 5, 5)]
    # the upsert says how many target rows it replaced (its DELETE's count), beside the rows it inserted
    assert [o.rows_replaced for o in result.outcomes] == [None, None, None, 1]
    assert f"{target}.u (line 5) upsert: 5 row(s) inserted (1 target row(s) replaced) in " in caplog.text
    assert "42 row(s) inserted (1 target row(s) replaced) in " in caplog.text
    assert db.count(f"{target}.a") == 12 and db.count(f"{target}.o") == 20 and db.count(f"{target}.i") == 20
    assert db.rows(f"SELECT id, v FROM {target}.u ORDER BY id") == [(i, f"v{i}") for i in range(1, 6)] + [(500, "kept")]
    assert [r[1:] for r in state_rows(db, f"types-{executor}")] == [
        ("append", 12, True), ("incremental", 5, True), ("overwrite", 20, True), ("upsert", 5, True)
    ]  # fmt: skip

    truncating = config(put_config, f"trunc-{executor}", line(source, target, cluster_secret, "overwrite", "tr"))
    (outcome,) = migrate(truncating, executor, overwrite_mode="truncate").outcomes
    assert (outcome.status, outcome.rows_affected, db.count(f"{target}.tr")) == (RowStatus.SUCCEEDED, 20, 20)


def test_failing_rows_fail_alone_with_the_same_messages(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed(db, source, target, "ok")
    seed(db, source, target, "dup")
    db.admin(f"INSERT INTO {source}.dup VALUES (3, 3, 'again')")
    seed(db, source, target, "bad")
    rows = [
        line(source, target, cluster_secret, "append", "ok"),
        line(source, target, cluster_secret, "upsert", "dup", merge_keys="id"),
        line(source, target, cluster_secret, "append", "bad", filter="no_such_column > 1"),
        line(source, target, cluster_secret, "append", "missing"),
    ]
    result = migrate(config(put_config, f"fail-{executor}", *rows), executor, fail_on_error="false")
    ok, dup, bad, missing = result.outcomes
    assert (ok.status, ok.rows_affected) == (RowStatus.SUCCEEDED, 20)
    assert dup.status is RowStatus.FAILED
    assert (
        dup.error is not None and "duplicate merge keys (id): (3)" in dup.error and "nothing was changed" in dup.error
    )
    assert bad.status is RowStatus.FAILED and bad.error is not None
    assert bad.error.startswith("pre-flight check failed:") and "no_such_column" in bad.error
    assert missing.status is RowStatus.FAILED and missing.error is not None and "does not exist" in missing.error
    assert db.count(f"{target}.dup") == 0 and db.count(f"{target}.bad") == 0


def test_verify_counts_passes_and_records_the_rows(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed(db, source, target)
    db.as_etl(f"INSERT INTO {target}.t VALUES (0, 0, 'existing')")
    uri = config(put_config, f"verify-{executor}", line(source, target, cluster_secret, filter="k < 5"))
    (outcome,) = migrate(uri, executor, verify_counts="true", run_id=f"verify-{executor}").outcomes
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SUCCEEDED, 10)
    assert [r[2] for r in state_rows(db, f"verify-{executor}")] == [10]


def test_exactly_once_per_run_id(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed(db, source, target)
    uri = config(put_config, f"once-{executor}", line(source, target, cluster_secret))
    first = migrate(uri, executor, run_id=f"once-{executor}")
    again = migrate(uri, executor, run_id=f"once-{executor}")
    assert first.outcomes[0].status is RowStatus.SUCCEEDED
    assert (again.outcomes[0].status, again.outcomes[0].rows_affected) == (RowStatus.SKIPPED, 20)
    assert db.count(f"{target}.t") == 20


def test_dry_run_writes_nothing(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed(db, source, target)
    rows = [line(source, target, cluster_secret), line(source, target, cluster_secret, table="t", filter="nope = 1")]
    result = migrate(config(put_config, f"dry-{executor}", *rows), executor, dry_run="true", fail_on_error="false")
    assert [o.status for o in result.outcomes] == [RowStatus.VALID, RowStatus.FAILED]
    assert db.count(f"{target}.t") == 0
    assert state_rows(db, result.run_id) == []


def test_parallel_rows(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    tables = [f"p{i}" for i in range(8)]
    for table in tables:
        seed(db, source, target, table, rows=30)
    rows = [line(source, target, cluster_secret, table=table) for table in tables]
    result = migrate(config(put_config, f"par-{executor}", *rows), executor, max_parallel="4")
    assert [(o.status, o.rows_affected) for o in result.outcomes] == [(RowStatus.SUCCEEDED, 30)] * 8
    assert all(db.count(f"{target}.{table}") == 30 for table in tables)
