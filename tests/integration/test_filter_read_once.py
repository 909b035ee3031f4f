"""A filter is evaluated once per row, before any write (issue 31, item 2): a filter that reads the target, or that is
not deterministic, gives every statement of the row (checks, DELETE, INSERT, ``--verify_counts``' count) the same
rows. Both executors, at SERIALIZABLE and at SNAPSHOT (the ``isolation`` fixture)."""

from __future__ import annotations

import pytest

from glue_elt import RowStatus
from local_stack import LocalStack
from tests.conftest import Db
from tests.integration.test_executors import PutConfig, config, line, migrate

pytestmark = pytest.mark.integration


def tables(db: Db, source: str, target: str, source_ids: int, target_ids: int) -> None:
    """Source rows 1..source_ids valued ``new``, target rows 1..target_ids valued ``old``."""
    db.admin(
        f"CREATE TABLE {source}.t (id int, v text)",
        f"INSERT INTO {source}.t SELECT g, 'new' FROM generate_series(1, {source_ids}) g",
    )
    db.as_etl(
        f"CREATE TABLE {target}.t (id int, v text)",
        f"INSERT INTO {target}.t SELECT g, 'old' FROM generate_series(1, {target_ids}) g",
    )


def test_an_upsert_filtered_by_the_targets_keys_updates_them(
    isolation: str, executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    tables(db, source, target, source_ids=80, target_ids=50)
    keyed = line(source, target, cluster_secret, "upsert", merge_keys="id", filter=f"id IN (SELECT id FROM {target}.t)")
    (outcome,) = migrate(config(put_config, f"existing-{executor}", keyed), executor).outcomes
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SUCCEEDED, 50), outcome.error
    assert db.rows(f"SELECT count(*), count(DISTINCT id), min(v), max(v) FROM {target}.t") == [(50, 50, "new", "new")]


def test_a_random_filter_loses_no_row_and_keeps_the_keys_unique(
    isolation: str, executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    tables(db, source, target, source_ids=100, target_ids=100)
    sampled = line(source, target, cluster_secret, "upsert", merge_keys="id", filter="random() < 0.5")
    (outcome,) = migrate(config(put_config, f"random-{executor}", sampled), executor).outcomes
    assert outcome.status is RowStatus.SUCCEEDED, outcome.error
    assert db.rows(f"SELECT count(*), count(DISTINCT id) FROM {target}.t") == [(100, 100)]
    assert db.count(f"{target}.t WHERE v = 'new'") == outcome.rows_affected


def test_verify_counts_with_a_filter_that_reads_the_target(
    isolation: str, executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    tables(db, source, target, source_ids=30, target_ids=10)
    missing = line(source, target, cluster_secret, "append", filter=f"id NOT IN (SELECT id FROM {target}.t)")
    (outcome,) = migrate(config(put_config, f"missing-{executor}", missing), executor, verify_counts="true").outcomes
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SUCCEEDED, 20), outcome.error
    assert db.rows(f"SELECT count(*), count(DISTINCT id) FROM {target}.t") == [(30, 30)]


def test_without_temp_a_row_that_copies_its_filter_is_refused_before_any_write(
    stack: LocalStack, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """The copy is a temporary table: without TEMP on the database (granted to PUBLIC by default on Redshift and
    PostgreSQL) the driver's filtered upsert fails in the pre-flight, naming it; an unfiltered row still loads."""
    source, target = schemas
    tables(db, source, target, source_ids=20, target_ids=5)
    db.as_etl(f"CREATE TABLE {target}.plain (id int, v text)")
    database, user = stack.endpoints.database, stack.endpoints.etl_user
    rows = [
        line(source, target, cluster_secret, "upsert", merge_keys="id", filter="id > 10"),
        line(source, target, cluster_secret).replace(f"{target}.t#", f"{target}.plain#"),
    ]
    db.admin(f"REVOKE TEMP ON DATABASE {database} FROM PUBLIC", f"REVOKE TEMP ON DATABASE {database} FROM {user}")
    try:
        result = migrate(config(put_config, "no-temp-copy", *rows), "driver", fail_on_error="false")
    finally:
        db.admin(f"GRANT TEMP ON DATABASE {database} TO PUBLIC", f"GRANT TEMP ON DATABASE {database} TO {user}")
    copied, plain = result.outcomes
    assert copied.status is RowStatus.FAILED and copied.error is not None
    assert f"lacks TEMP on database {database}" in copied.error and "filter is read once" in copied.error
    assert db.rows(f"SELECT count(*), min(v) FROM {target}.t") == [(5, "old")]
    assert (plain.status, plain.rows_affected) == (RowStatus.SUCCEEDED, 20), plain.error
