"""Privileges are checked explicitly before any write, in one query per cluster, with clear messages."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from glue_elt import MigrationResult, RedshiftCrossAccountDataMigration, RowStatus
from glue_elt.steps.base import EXIT_ROWS_FAILED
from glue_elt.steps.redshift_cross_account_migration.needs import LOCK_WHY
from tests.conftest import Db, run_step
from tests.integration.test_executors import config, line, state_rows

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
PutConfig = Callable[[str, str], str]


def admin_owned_target(db: Db, source: str, target: str, table: str, *grants: str) -> None:
    """A source table with 3 rows and a target owned by the superuser, with ``grants`` given to the ETL user."""
    db.admin(
        f"CREATE TABLE {source}.{table} (id int)",
        f"INSERT INTO {source}.{table} VALUES (1), (2), (3)",
        f"CREATE TABLE {target}.{table} (id int)",
        *(f"GRANT {grant} ON {target}.{table} TO etl_user" for grant in grants),
    )


def errors_of(put_config: PutConfig, name: str, lines: list[str], **params: str) -> list[str | None]:
    uri = put_config(f"privileges/{name}.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    return [outcome.error for outcome in run_step({"config_path": uri, "max_retries": 0, **params}).outcomes]


def test_each_missing_privilege_is_named_and_nothing_is_written(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    admin_owned_target(db, source, target, "read_only", "SELECT")
    admin_owned_target(db, source, target, "insert_only", "SELECT, INSERT")
    admin_owned_target(db, source, target, "insert_delete", "SELECT, INSERT, DELETE")
    db.admin(f"CREATE TABLE {source}.secret (id int)", f"REVOKE ALL ON {source}.secret FROM etl_user")
    db.as_etl(f"CREATE TABLE {target}.secret (id int)")
    lines = [
        f"shared_db.{source}.read_only###{target}.read_only#{etl_secret}#append",
        f"shared_db.{source}.insert_only###{target}.insert_only#{etl_secret}#overwrite",
        f"shared_db.{source}.insert_only###{target}.insert_only#{etl_secret}#append",
        f"shared_db.{source}.insert_delete###{target}.insert_delete#{etl_secret}#overwrite",
        f"shared_db.{source}.secret###{target}.secret#{etl_secret}#append",
    ]
    with caplog.at_level(logging.DEBUG, logger="glue_elt"):
        errors = errors_of(put_config, f"{target}-missing", lines)
    prefix = "pre-flight check failed: user etl_user lacks"
    assert errors[0] == (
        f"{prefix} INSERT on table {target}.read_only, DELETE or UPDATE on table {target}.read_only{LOCK_WHY}"
    )
    assert errors[1] == f"{prefix} DELETE on table {target}.insert_only"
    assert errors[2] == f"{prefix} DELETE or UPDATE on table {target}.insert_only{LOCK_WHY}"
    assert errors[3] is None
    assert (
        errors[4] is not None
        and f"source table shared_db.{source}.secret does not exist or user etl_user may not read" in errors[4]
    )
    assert caplog.text.count("SQL: SELECT HAS_") == 1  # one privilege query for all five rows
    assert db.count(f"{target}.read_only") == 0 and db.count(f"{target}.insert_only") == 0


def test_truncate_mode_needs_ownership_and_delete_mode_does_not(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """Redshift lets the owner, a superuser or a holder of a TRUNCATE grant truncate; the grant cannot be
    read from SQL, so truncate mode is refused before any write unless the user owns the table."""
    source, target = schemas
    admin_owned_target(db, source, target, "theirs", "SELECT, INSERT, DELETE")
    db.admin(f"INSERT INTO {target}.theirs VALUES (100)")
    db.admin(f"CREATE TABLE {source}.mine (id int)", f"INSERT INTO {source}.mine VALUES (1)")
    db.as_etl(f"CREATE TABLE {target}.mine (id int)", f"INSERT INTO {target}.mine VALUES (100)")
    lines = [
        f"shared_db.{source}.theirs###{target}.theirs#{etl_secret}#overwrite",
        f"shared_db.{source}.mine###{target}.mine#{etl_secret}#overwrite",
    ]
    errors = errors_of(put_config, f"{target}-truncate", lines, overwrite_mode="truncate")
    assert (
        errors[0] is not None and f"--overwrite_mode truncate needs user etl_user to own {target}.theirs" in errors[0]
    )
    assert errors[1] is None
    assert db.rows(f"SELECT id FROM {target}.theirs") == [(100,)]  # refused before the TRUNCATE
    assert errors_of(put_config, f"{target}-delete", lines[:1]) == [None]
    assert db.rows(f"SELECT id FROM {target}.theirs ORDER BY id") == [(1,), (2,), (3,)]


def test_state_table_privileges_fail_every_row_of_the_cluster_before_any_write(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t VALUES (1)")
    db.as_etl(f"CREATE TABLE {target}.t (id int)")
    db.admin(
        f"CREATE SCHEMA ops_{target}",
        f"GRANT USAGE ON SCHEMA ops_{target} TO etl_user",
        f"CREATE TABLE ops_{target}.readable (run_id varchar(256))",
        f"GRANT SELECT ON ops_{target}.readable TO etl_user",
    )
    line = [f"shared_db.{source}.t###{target}.t#{etl_secret}#append"]
    (error,) = errors_of(put_config, f"{target}-state1", line, state_table=f"ops_{target}.readable")
    assert error == (
        f'state table "ops_{target}"."readable" cannot be used: user etl_user lacks INSERT on table ops_{target}.readable'
    )
    (error,) = errors_of(put_config, f"{target}-state2", line, state_table=f"ops_{target}.new_state")
    assert error == (
        f'state table "ops_{target}"."new_state" cannot be used: user etl_user lacks CREATE on schema ops_{target}'
    )
    assert db.count(f"{target}.t") == 0


def migrate_with_status(args: dict[str, object]) -> tuple[MigrationResult, int]:
    """The run's result and the exit status the job would end with."""
    step = RedshiftCrossAccountDataMigration({"max_retries": 0, **args})
    try:
        result = step.run()
        return result, step.exit_code(result)
    finally:
        step.close()


def test_select_on_the_target_is_checked_wherever_a_load_reads_it(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """Redshift: "DELETE operations also require the SELECT permission" (dg/r_GRANT.html); the incremental load's
    MAX(watermark) and a Data API batch's COUNT(*) read the target too. PostgreSQL runs a plain ``DELETE FROM``
    without SELECT and refuses the others in EXPLAIN with its own words: the message below and the untouched
    targets show the pre-flight refused them."""
    source, target = schemas
    for table in ("u", "i", "o", "d"):
        admin_owned_target(db, source, target, table, "INSERT, DELETE")
        db.admin(f"INSERT INTO {target}.{table} VALUES (100)")
    admin_owned_target(db, source, target, "a", "INSERT, UPDATE")  # UPDATE: for the LOCK that opens every load
    rows = [
        line(source, target, cluster_secret, "upsert", "u", merge_keys="id"),
        line(source, target, cluster_secret, "incremental", "i", watermark="id"),
        line(source, target, cluster_secret, "overwrite", "o"),
        line(source, target, cluster_secret, "append", "a"),
    ]
    result, status = migrate_with_status({"config_path": config(put_config, f"{target}-reads", *rows)})
    lacks = "pre-flight check failed: user etl_user lacks SELECT on table"
    assert [o.error for o in result.outcomes] == [*(f"{lacks} {target}.{t}" for t in "uio"), None]
    assert result.outcomes[3].status is RowStatus.SUCCEEDED and db.count(f"{target}.a") == 3
    assert status == EXIT_ROWS_FAILED
    assert state_rows(db, result.run_id) == [(f"{target}.a", "append", 3, True)]

    batch = {"config_path": config(put_config, f"{target}-batch", line(source, target, cluster_secret, table="d"))}
    result, status = migrate_with_status({**batch, "executor": "data_api"})
    assert [o.error for o in result.outcomes] == [f"{lacks} {target}.d"] and status == EXIT_ROWS_FAILED
    assert state_rows(db, result.run_id) == []
    assert all(db.rows(f"SELECT id FROM {target}.{t}") == [(100,)] for t in "uiod")


def test_a_batch_without_select_on_the_target_is_refused_before_the_truncate(
    db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """The owner may revoke its own SELECT ("Object owners can revoke their own ordinary permissions",
    dg/r_Privileges.html) and still truncate: the TRUNCATE would commit at once and the batch's COUNT(*) then
    fail, so the pre-flight must refuse the row before it."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.tr (id int)", f"INSERT INTO {source}.tr VALUES (1), (2), (3)")
    db.as_etl(
        f"CREATE TABLE {target}.tr (id int)",
        f"INSERT INTO {target}.tr VALUES (100)",
        f"REVOKE SELECT ON {target}.tr FROM etl_user",
    )
    uri = config(put_config, f"{target}-truncate-batch", line(source, target, cluster_secret, "overwrite", "tr"))
    result, status = migrate_with_status({"config_path": uri, "executor": "data_api", "overwrite_mode": "truncate"})
    assert [o.error for o in result.outcomes] == [
        f"pre-flight check failed: user etl_user lacks SELECT on table {target}.tr"
    ]
    assert status == EXIT_ROWS_FAILED and state_rows(db, result.run_id) == []
    assert db.rows(f"SELECT id FROM {target}.tr") == [(100,)]  # the TRUNCATE never ran
