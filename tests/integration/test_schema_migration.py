"""A whole schema end to end on the stack, with both executors: ``--discover_from source
--create_missing_targets true`` into a schema that does not exist creates every base table of the source with its
column names, order and types, loads each exactly once, reports the view it cannot load, and a re-run loads nothing
twice; the dry run of the same creates nothing."""

from __future__ import annotations

import logging

import pytest

from glue_elt import RowStatus
from glue_elt.steps.redshift_cross_account_migration.discovery import VIEW_REASON
from tests.conftest import BUCKET, Db, read_json, run_step

SOURCE_TABLES = (
    "CREATE TABLE {s}.customers (id int NOT NULL, name varchar(40) NOT NULL, country char(2), since date)",
    "CREATE TABLE {s}.orders (id bigint NOT NULL, customer_id int, amount decimal(12,2), note varchar(100), "
    "placed_at timestamptz, paid boolean)",
    "CREATE TABLE {s}.regions (id smallint, label text, opens time, opens_tz timetz, ratio double precision)",
    "INSERT INTO {s}.customers VALUES (1, 'Zoë', 'FR', '2020-01-31'), (2, 'Åsa', 'SE', NULL)",
    "INSERT INTO {s}.orders SELECT g, 1 + g % 2, g * 10.25, repeat('é', 50), '2024-02-29 12:00+01', g % 2 = 0 "
    "FROM generate_series(1, 30) g",
    "INSERT INTO {s}.regions VALUES (1, 'north', '08:00', '08:00+01', 0.5), (2, NULL, NULL, NULL, NULL)",
    "CREATE VIEW {s}.v_orders AS SELECT id, amount FROM {s}.orders",
)
TABLES = ("customers", "orders", "regions")
COLUMNS_SQL = (
    "SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable "
    "FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = '{table}' "
    "ORDER BY ordinal_position"
)


def columns(db: Db, schema: str, table: str) -> list[tuple[object, ...]]:
    return db.rows(COLUMNS_SQL.format(schema=schema, table=table))


def schema_exists(db: Db, schema: str) -> bool:
    return bool(db.rows(f"SELECT 1 FROM pg_namespace WHERE nspname = '{schema}'"))


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_schema_is_created_from_the_share_and_loaded_exactly_once(
    db: Db, schemas: tuple[str, str], cluster_secret: str, executor: str, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    mart = f"{target}_mart"
    db.admin(*[sql.format(s=source) for sql in SOURCE_TABLES])
    summary = f"s3://{BUCKET}/{mart}/summary.json"
    args = {
        "source_schema": f"shared_db.{source}",
        "target_schema": mart,
        "secret_name": cluster_secret,
        "discover_from": "source",
        "create_missing_targets": "true",
        "executor": executor,
        "run_id": f"schema-{mart}",
        "summary_output_path": summary,
    }

    with caplog.at_level(logging.INFO):
        dry = run_step({**args, "dry_run": "true", "summary_output_path": ""})
    assert [o.status for o in dry.outcomes] == [RowStatus.VALID] * 3
    assert (
        f"would create schema(s) {mart}" in caplog.text and "pre-flight: 3 row(s) would run, 0 refused" in caplog.text
    )
    assert not schema_exists(db, mart)  # the dry run creates nothing

    result = run_step(args)
    assert result.ok
    assert [(o.row.target_table, o.status, o.rows_affected, o.created) for o in result.outcomes] == [
        (f"{mart}.customers", RowStatus.SUCCEEDED, 2, True),
        (f"{mart}.orders", RowStatus.SUCCEEDED, 30, True),
        (f"{mart}.regions", RowStatus.SUCCEEDED, 2, True),
    ]
    for table in TABLES:
        assert columns(db, mart, table) == columns(db, source, table)  # names, order, types, lengths, NOT NULL
        assert db.rows(f"SELECT * FROM {mart}.{table} ORDER BY 1") == db.rows(
            f"SELECT * FROM {source}.{table} ORDER BY 1"
        )
    document = read_json(summary)
    assert document["created_tables"] == [f"{mart}.{table}" for table in TABLES]
    assert document["not_migrated"] == [{"table": f"shared_db.{source}.v_orders", "reason": VIEW_REASON}]

    again = run_step(args)  # the same run id: every row committed, nothing twice
    assert [(o.status, o.created) for o in again.outcomes] == [(RowStatus.SKIPPED, False)] * 3
    upsert = run_step({**args, "run_id": f"schema-{mart}-2", "load_type": "upsert", "merge_keys": "id"})
    assert upsert.ok and not any(o.created for o in upsert.outcomes)  # another run loads into the tables it made
    assert [db.count(f"{mart}.{table}") for table in TABLES] == [2, 30, 2]
