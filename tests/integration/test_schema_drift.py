"""Columns compared source against target before any write, on the stack: narrower and mismatched targets refused
(one line per column), --allow_narrowing, IDENTITY and defaulted targets, NOT NULL columns the load cannot fill,
source columns left out, and target_columns."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from glue_elt import RowStatus
from local_stack.redshift_views import report_is_nullable_sql
from tests.conftest import BUCKET, Db, read_json, run_step

HEADER = "source_table#source_columns#target_table#secret_name#load_type#merge_keys#watermark_column#target_columns"
PutConfig = Callable[[str, str], str]


def config(put_config: PutConfig, target: str, *lines: str) -> str:
    return put_config(f"{target}/drift.csv", HEADER + "\n" + "\n".join(lines) + "\n")


def test_a_narrower_target_is_refused_before_any_write_naming_each_column_and_both_types(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.orders (id bigint, amount decimal(12,2), note varchar(100), qty int)",
        f"INSERT INTO {source}.orders VALUES (1, 10.5, 'short', 3)",
    )
    db.as_etl(
        f"CREATE TABLE {target}.orders (id smallint, amount decimal(8,2), note varchar(10), qty int)",
        f"INSERT INTO {target}.orders VALUES (0, 0, 'old', 0)",
    )
    uri = config(put_config, target, f"shared_db.{source}.orders##{target}.orders#{etl_secret}#overwrite###")
    (refused,) = run_step({"config_path": uri, "fail_on_error": "false"}).outcomes
    assert refused.status is RowStatus.FAILED and refused.error is not None
    assert f"{target}.orders.note is VARCHAR(10), the source's is VARCHAR(100): values may not fit" in refused.error
    assert f"{target}.orders.amount is DECIMAL(8,2), the source's is DECIMAL(12,2)" in refused.error
    assert f"{target}.orders.id is SMALLINT, the source's is BIGINT" in refused.error
    assert "qty" not in refused.error
    assert db.rows(f"SELECT id, note FROM {target}.orders") == [(0, "old")]  # nothing was written

    (loaded,) = run_step({"config_path": uri, "allow_narrowing": "true"}).outcomes
    assert (loaded.status, loaded.rows_affected) == (RowStatus.SUCCEEDED, 1)
    assert db.rows(f"SELECT id, note FROM {target}.orders") == [(1, "short")]


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_varchar_into_char_is_refused_before_any_write_unless_allow_narrowing(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, executor: str
) -> None:
    # Redshift's CHAR holds single-byte characters only (dg/r_Character_types.html); PostgreSQL's holds any, so only
    # the pre-flight can refuse it here, as it must on Redshift before a multibyte value fails mid-load.
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.codes (id int, code varchar(3))", f"INSERT INTO {source}.codes VALUES (1, 'né')")
    db.as_etl(f"CREATE TABLE {target}.codes (id int, code char(10))", f"INSERT INTO {target}.codes VALUES (0, 'old')")
    uri = config(put_config, target, f"shared_db.{source}.codes##{target}.codes#{cluster_secret}#overwrite###")
    args = {"config_path": uri, "executor": executor}
    (refused,) = run_step({**args, "fail_on_error": "false"}).outcomes
    assert refused.status is RowStatus.FAILED and refused.error is not None
    assert (
        f"{target}.codes.code is CHAR(10), the source's is VARCHAR(3): Redshift's CHAR holds single-byte characters "
        "only, so a multibyte value would fail the load (--allow_narrowing true loads it anyway)"
    ) in refused.error
    assert db.rows(f"SELECT id FROM {target}.codes") == [(0,)]  # nothing was written
    (loaded,) = run_step({**args, "allow_narrowing": "true"}).outcomes
    assert (loaded.status, loaded.rows_affected) == (RowStatus.SUCCEEDED, 1)


def test_another_kind_of_value_is_refused_even_with_allow_narrowing(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.events (id int, at timestamp, code varchar(5))")
    db.as_etl(f"CREATE TABLE {target}.events (id int, at date, code int)")
    uri = config(put_config, target, f"shared_db.{source}.events##{target}.events#{etl_secret}#append###")
    (refused,) = run_step({"config_path": uri, "fail_on_error": "false", "allow_narrowing": "true"}).outcomes
    assert refused.error is not None
    assert f"{target}.events.at is DATE, the source's is TIMESTAMP: another kind of value" in refused.error
    assert f"{target}.events.code is INTEGER, the source's is VARCHAR(5): another kind of value" in refused.error


def test_identity_and_defaulted_target_columns_are_left_to_the_database(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.customers (name varchar(20), email varchar(50), legacy_code int)",
        f"INSERT INTO {source}.customers VALUES ('a', 'a@x', 1), ('b', 'b@x', 2)",
    )
    db.as_etl(
        f"CREATE TABLE {target}.customers (id bigint GENERATED ALWAYS AS IDENTITY, name varchar(20) NOT NULL, "
        "email varchar(50), loaded_at timestamp NOT NULL DEFAULT now(), note varchar(10))"
    )
    uri = config(put_config, target, f"shared_db.{source}.customers##{target}.customers#{etl_secret}#append###")
    summary = f"s3://{BUCKET}/{target}/drift-summary.json"
    with caplog.at_level(logging.WARNING):
        (loaded,) = run_step({"config_path": uri, "summary_output_path": summary}).outcomes
    assert (loaded.status, loaded.rows_affected) == (RowStatus.SUCCEEDED, 2)
    assert f"source column(s) legacy_code have no column in {target}.customers and are not loaded" in caplog.text
    rows = db.rows(f"SELECT id, name, email, note, loaded_at IS NOT NULL FROM {target}.customers ORDER BY name")
    assert rows == [(1, "a", "a@x", None, True), (2, "b", "b@x", None, True)]
    (row,) = read_json(summary)["rows"]
    assert row["schema"] == {"missing": ["id", "loaded_at", "note"], "extra": ["legacy_code"], "left_out": [],
                             "narrower": [], "mismatched": []}  # fmt: skip


def test_a_column_both_tables_have_that_source_columns_leave_out_is_reported_once_as_left_out(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """Issue 32, item 6: the summary showed ``"missing": ["email"], "extra": ["email"]`` for this row."""
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.customers (name varchar(20), email varchar(50), legacy_code int)",
        f"INSERT INTO {source}.customers VALUES ('a', 'a@x', 1)",
    )
    db.as_etl(f"CREATE TABLE {target}.customers (name varchar(20), email varchar(50), note varchar(10))")
    uri = config(put_config, target, f"shared_db.{source}.customers#name#{target}.customers#{etl_secret}#append###")
    summary = f"s3://{BUCKET}/{target}/left-out-summary.json"
    (loaded,) = run_step({"config_path": uri, "summary_output_path": summary}).outcomes
    assert (loaded.status, loaded.rows_affected) == (RowStatus.SUCCEEDED, 1)
    assert db.rows(f"SELECT name, email, note FROM {target}.customers") == [("a", None, None)]
    (row,) = read_json(summary)["rows"]
    assert row["schema"] == {"missing": ["note"], "extra": ["legacy_code"], "left_out": ["email"], "narrower": [],
                             "mismatched": []}  # fmt: skip


def test_a_target_identity_column_the_source_also_has_and_a_not_null_column_it_lacks_refuse_the_row(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.a (id int, v text, extra int)", f"CREATE TABLE {source}.b (v text)")
    db.as_etl(
        f"CREATE TABLE {target}.a (id int GENERATED ALWAYS AS IDENTITY, v text)",
        f"CREATE TABLE {target}.b (v text, region varchar(5) NOT NULL)",
    )
    uri = config(
        put_config,
        target,
        f"shared_db.{source}.a##{target}.a#{etl_secret}#append###",
        f"shared_db.{source}.b##{target}.b#{etl_secret}#append###",
    )
    first, second = run_step({"config_path": uri, "fail_on_error": "false"}).outcomes
    assert f"{target}.a.id is an IDENTITY column" in (first.error or "")
    assert f"{target}.b.region is NOT NULL without a default, and the load does not fill it" in (second.error or "")


def test_a_target_column_of_unknown_nullability_the_load_leaves_out_is_a_warning_and_the_server_decides(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.b (v text)", f"INSERT INTO {source}.b VALUES ('x')")
    db.as_etl(f"CREATE TABLE {target}.b (v text, region varchar(5) NOT NULL)", f"CREATE TABLE {target}.n (v text)")
    db.admin(report_is_nullable_sql(f"{target}.b", "region", ""))  # "no information" (dg/r_SVV_REDSHIFT_COLUMNS.html)
    uri = config(put_config, target, f"shared_db.{source}.b##{target}.b#{etl_secret}#append###")
    with caplog.at_level(logging.WARNING):
        (failed,) = run_step({"config_path": uri, "fail_on_error": "false"}).outcomes
    assert (
        f"the catalog does not say whether {target}.b.region allows NULL (is_nullable is empty) and the load does "
        "not fill it: if it is NOT NULL, the server refuses the row"
    ) in caplog.text
    assert failed.status is RowStatus.FAILED and "pre-flight" not in (failed.error or "")  # not judged NOT NULL
    assert db.count(f"{target}.b") == 0


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_target_columns_load_renamed_columns_with_upsert_and_incremental(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, executor: str
) -> None:
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.c (id int, name text, ts timestamp)",
        f"INSERT INTO {source}.c VALUES (1, 'a', '2024-01-01'), (2, 'b', '2024-01-02')",
    )
    db.as_etl(
        f"CREATE TABLE {target}.up (customer_id int, customer_name text)",
        f"INSERT INTO {target}.up VALUES (1, 'old'), (9, 'kept')",
        f"CREATE TABLE {target}.inc (customer_id int, changed_at timestamp)",
        f"INSERT INTO {target}.inc VALUES (1, '2024-01-01')",
    )
    uri = config(
        put_config,
        target,
        f"shared_db.{source}.c#id,name#{target}.up#{cluster_secret}#upsert#id##customer_id,customer_name",
        f"shared_db.{source}.c#id,ts#{target}.inc#{cluster_secret}#incremental##ts#customer_id,changed_at",
    )
    upsert, incremental = run_step({"config_path": uri, "executor": executor, "max_parallel": "1"}).outcomes
    assert (upsert.status, upsert.rows_affected, incremental.rows_affected) == (RowStatus.SUCCEEDED, 2, 1)
    assert db.rows(f"SELECT * FROM {target}.up ORDER BY customer_id") == [(1, "a"), (2, "b"), (9, "kept")]
    assert db.rows(f"SELECT customer_id FROM {target}.inc ORDER BY customer_id") == [(1,), (2,)]


def test_target_columns_must_match_source_columns_one_for_one(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.c (id int, name text)")
    db.as_etl(f"CREATE TABLE {target}.c (customer_id int, customer_name text)")
    uri = config(
        put_config,
        target,
        f"shared_db.{source}.c#id,name#{target}.c#{etl_secret}#append###customer_id",
        f"shared_db.{source}.c##{target}.c#{etl_secret}#append###customer_id",
        f"shared_db.{source}.c#id#{target}.c#{etl_secret}#append###nope",
    )
    fewer, without, unknown = run_step({"config_path": uri, "fail_on_error": "false"}).outcomes
    assert "target_columns names 1 column(s) but source_columns 2" in (fewer.error or "")
    assert "target_columns needs source_columns" in (without.error or "")
    assert f"{target}.c.nope does not exist (target column for source column id)" in (unknown.error or "")
