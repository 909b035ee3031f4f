"""--create_missing_targets on the stack: a missing target (and its schema) is declared from the source's columns in
the row's own transaction, with both executors; existing tables are used as they are; nothing is created by a dry
run, by a refused row, or by a load that fails."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from glue_elt import RowStatus
from local_stack.redshift_views import report_is_nullable_sql
from tests.conftest import BUCKET, Db, read_json, run_step

HEADER = "source_table#source_columns#target_table#secret_name#load_type#merge_keys"
PutConfig = Callable[[str, str], str]
TYPES_SQL = (
    "CREATE TABLE {source}.everything (id int NOT NULL, small smallint, big bigint, amount decimal(12,2) NOT NULL, "
    "ratio double precision, flag boolean, code char(3), note varchar(20), body text, day date, "
    "at timestamp, at_tz timestamptz, clock time, clock_tz timetz)"
)
INSERT_SQL = (
    "INSERT INTO {source}.everything VALUES (1, 2, 3, 1234.56, 0.5, true, 'abc', 'née ☃', 'long text', "
    "'2024-02-29', '2024-02-29 12:00', '2024-02-29 12:00+02', '12:30', '12:30+02'), "
    "(2, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
)
COLUMNS_SQL = (
    "SELECT column_name, data_type, is_nullable FROM svv_redshift_columns "
    "WHERE schema_name = '{schema}' AND table_name = '{table}' ORDER BY ordinal_position"
)


def columns(db: Db, schema: str, table: str) -> list[tuple[object, ...]]:
    return db.rows(COLUMNS_SQL.format(schema=schema, table=table))


def exists(db: Db, schema: str, table: str) -> bool:
    return bool(db.rows(f"SELECT 1 FROM pg_tables WHERE schemaname = '{schema}' AND tablename = '{table}'"))


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_missing_target_and_schema_are_created_from_the_source_and_loaded_once(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, executor: str
) -> None:
    source, target = schemas
    new_schema = f"{target}_new"
    db.admin(
        TYPES_SQL.format(source=source),
        INSERT_SQL.format(source=source),
    )
    uri = put_config(
        f"{target}/create.csv",
        f"{HEADER}\nshared_db.{source}.everything##{new_schema}.everything#{cluster_secret}#append#\n",
    )
    summary = f"s3://{BUCKET}/{target}/create-summary.json"
    args = {"config_path": uri, "create_missing_targets": "true", "executor": executor, "run_id": f"create-{target}",
            "summary_output_path": summary}  # fmt: skip
    (created,) = run_step(args).outcomes
    assert (created.status, created.rows_affected, created.created) == (RowStatus.SUCCEEDED, 2, True)
    assert columns(db, new_schema, "everything") == columns(db, source, "everything")  # names, order, types, NOT NULL
    assert db.rows(f"SELECT * FROM {new_schema}.everything ORDER BY id") == db.rows(
        f"SELECT * FROM {source}.everything ORDER BY id"
    )
    document = read_json(summary)
    assert document["created_tables"] == [f"{new_schema}.everything"]
    assert document["rows"][0]["created_target"] is True

    (again,) = run_step(args).outcomes  # the same run id: nothing twice
    assert (again.status, again.created) == (RowStatus.SKIPPED, False)
    (other_run,) = run_step({**args, "run_id": f"create-{target}-2"}).outcomes  # another run: loads into it
    assert (other_run.status, other_run.rows_affected, other_run.created) == (RowStatus.SUCCEEDED, 2, False)
    assert db.count(f"{new_schema}.everything") == 4


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_interval_columns_are_declared_with_their_qualifier_once_and_loaded(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, executor: str
) -> None:
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.spans (id int, d interval day to second, y interval year to month)",
        f"INSERT INTO {source}.spans VALUES (1, '1 day 2 hours', '1 year 2 months')",
    )
    uri = put_config(
        f"{target}/spans.csv", f"{HEADER}\nshared_db.{source}.spans##{target}.spans#{cluster_secret}#append#\n"
    )
    args = {"config_path": uri, "create_missing_targets": "true", "executor": executor}
    (created,) = run_step(args).outcomes  # the server accepts the DDL: each qualifier is written once
    assert (created.status, created.rows_affected, created.created) == (RowStatus.SUCCEEDED, 1, True)
    assert columns(db, target, "spans") == columns(db, source, "spans")
    assert db.rows(f"SELECT d::text, y::text FROM {target}.spans") == [("1 day 02:00:00", "1 year 2 mons")]


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_column_the_catalog_gives_no_nullability_is_created_without_not_null(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, executor: str
) -> None:
    # is_nullable "" is "no information" (dg/r_SVV_REDSHIFT_COLUMNS.html): the created column invents no NOT NULL.
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.vague (id int NOT NULL, v int NOT NULL)",
        f"INSERT INTO {source}.vague VALUES (1, 2)",
        report_is_nullable_sql(f"{source}.vague", "id", ""),
    )
    uri = put_config(
        f"{target}/vague.csv", f"{HEADER}\nshared_db.{source}.vague##{target}.vague#{cluster_secret}#append#\n"
    )
    (created,) = run_step({"config_path": uri, "create_missing_targets": "true", "executor": executor}).outcomes
    assert (created.status, created.rows_affected, created.created) == (RowStatus.SUCCEEDED, 1, True)
    assert columns(db, target, "vague") == [("id", "integer", "YES"), ("v", "integer", "NO")]


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_load_that_fails_leaves_no_table_behind(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig, executor: str
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.dup (id int, v text)", f"INSERT INTO {source}.dup VALUES (1, 'a'), (1, 'b')")
    uri = put_config(
        f"{target}/dup.csv", f"{HEADER}\nshared_db.{source}.dup##{target}.dup#{cluster_secret}#upsert#id\n"
    )
    args = {"config_path": uri, "create_missing_targets": "true", "executor": executor, "fail_on_error": "false"}
    (failed,) = run_step(args).outcomes
    assert failed.status is RowStatus.FAILED and "duplicate merge keys" in (failed.error or "")
    assert not exists(db, target, "dup")  # the CREATE TABLE rolled back with the load


def test_a_dry_run_prints_the_ddl_and_creates_nothing(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int NOT NULL, note varchar(30))")
    uri = put_config(f"{target}/dry.csv", f"{HEADER}\nshared_db.{source}.t##{target}.t#{etl_secret}#overwrite#\n")
    with caplog.at_level("INFO"):
        (valid,) = run_step({"config_path": uri, "create_missing_targets": "true", "dry_run": "true"}).outcomes
    assert valid.status is RowStatus.VALID
    assert f'CREATE TABLE "{target}"."t" ("id" INTEGER NOT NULL, "note" VARCHAR(30))' in caplog.text
    assert "distribution and sort keys: Redshift's AUTO" in caplog.text
    assert f"{target}.t (line 2): the target does not exist and would be created (dry run); " in caplog.text
    assert "is created" not in caplog.text  # a dry run creates nothing, and says so (issue 32, item 10)
    assert not exists(db, target, "t")


def test_without_the_flag_a_missing_target_fails_and_an_existing_one_is_never_altered(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int, extra text)", f"INSERT INTO {source}.t VALUES (1, 'x')")
    db.as_etl(f"CREATE TABLE {target}.kept (id int)")
    uri = put_config(
        f"{target}/flag.csv",
        f"{HEADER}\nshared_db.{source}.t##{target}.missing#{etl_secret}#append#\n"
        f"shared_db.{source}.t##{target}.kept#{etl_secret}#append#\n",
    )
    missing, kept = run_step({"config_path": uri, "fail_on_error": "false"}).outcomes
    assert missing.status is RowStatus.FAILED and "does not exist" in (missing.error or "")
    assert not exists(db, target, "missing")
    (created, kept) = run_step({"config_path": uri, "create_missing_targets": "true"}).outcomes[:2]
    assert (created.created, kept.created) == (True, False)
    assert columns(db, target, "kept") == [("id", "integer", "YES")]  # used as it is: no column added


def test_creating_needs_create_on_the_schema_and_is_refused_before_any_write_without_it(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    locked = f"{target}_locked"
    db.admin(
        f"CREATE TABLE {source}.t (id int)",
        f"CREATE SCHEMA {locked}",
        f"GRANT USAGE ON SCHEMA {locked} TO etl_user",
    )
    uri = put_config(f"{target}/priv.csv", f"{HEADER}\nshared_db.{source}.t##{locked}.t#{etl_secret}#append#\n")
    (refused,) = run_step({"config_path": uri, "create_missing_targets": "true", "fail_on_error": "false"}).outcomes
    assert refused.status is RowStatus.FAILED
    assert f"user etl_user lacks CREATE on schema {locked} (to create the target)" in (refused.error or "")
    assert not exists(db, locked, "t")
