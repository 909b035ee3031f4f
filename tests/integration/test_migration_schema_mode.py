"""Schema mode against the real stack: every base table of the target schema (or, ``--discover_from source``, of
the source schema) is migrated, ``--include``/``--exclude`` choose, and nothing to migrate stops the run."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from glue_elt import ConfigError, RedshiftCrossAccountDataMigration
from glue_elt.steps.base import EXIT_CONFIG_ERROR, EXIT_OK, EXIT_ROWS_FAILED
from glue_elt.steps.redshift_cross_account_migration.discovery import VIEW_REASON
from local_stack.redshift_views import report_table_type_sql
from tests.conftest import BUCKET, Db, list_keys, read_json, run_step

DISCOVERY_LOG = "glue_elt.steps.redshift_cross_account_migration.discovery"


def exit_status(args: dict[str, object]) -> int:
    """The exit status of ``start()``, as a Glue job or ``glue-elt migrate`` ends (``start()`` returns on 0)."""
    try:
        RedshiftCrossAccountDataMigration({"max_retries": 1, "retry_wait_seconds": 0.01, **args}).start()
    except SystemExit as exited:
        return int(exited.code or 0)
    return EXIT_OK


def messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == level]


def test_every_base_table_of_the_target_schema(db: Db, schemas: tuple[str, str], case_keeping_secret: str) -> None:
    """On a server that keeps quoted names' case (Redshift with ``enable_case_sensitive_identifier`` on)."""
    etl_secret = case_keeping_secret
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.a (id int, v text)",
        f"INSERT INTO {source}.a SELECT g, 'a' || g FROM generate_series(1, 5) g",
        f"CREATE TABLE {source}.b (id int)",
        f"INSERT INTO {source}.b SELECT g FROM generate_series(1, 3) g",
        f'CREATE TABLE {source}."Mixed Case" (id int)',
        f'INSERT INTO {source}."Mixed Case" VALUES (7)',
        f"CREATE TABLE {source}.not_in_target (id int)",
    )
    db.as_etl(
        f"CREATE TABLE {target}.a (v text, id int)",
        f"CREATE TABLE {target}.b (id int)",
        f'CREATE TABLE {target}."Mixed Case" (id int)',
        f"CREATE VIEW {target}.a_view AS SELECT * FROM {target}.a",
    )
    step = RedshiftCrossAccountDataMigration(
        {"source_schema": f"shared_db.{source}", "target_schema": target, "secret_name": etl_secret}
    )
    result = step.run()
    step.close()
    assert [o.row.target_table for o in result.outcomes] == [f'{target}."Mixed Case"', f"{target}.a", f"{target}.b"]
    assert result.ok
    assert db.rows(f"SELECT id, v FROM {target}.a ORDER BY id") == db.rows(f"SELECT id, v FROM {source}.a ORDER BY id")
    assert (db.count(f"{target}.b"), db.count(f'{target}."Mixed Case"')) == (3, 1)


def test_overwrite_load_type_and_missing_source_table(db: Db, schemas: tuple[str, str], etl_secret: str) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.a (id int)", f"INSERT INTO {source}.a VALUES (1), (2)")
    db.as_etl(
        f"CREATE TABLE {target}.a (id int)",
        f"INSERT INTO {target}.a VALUES (5)",
        f"CREATE TABLE {target}.only_here (id int)",
    )
    step = RedshiftCrossAccountDataMigration(
        {"source_schema": source, "target_schema": target, "secret_name": etl_secret, "load_type": "overwrite"}
    )
    result = step.run()
    step.close()
    assert (result.succeeded, result.failed) == (1, 1)
    assert db.rows(f"SELECT id FROM {target}.a ORDER BY id") == [(1,), (2,)]
    assert "does not exist" in (result.outcomes[1].error or "")


def test_incomplete_schema_mode_is_refused_before_anything_runs(etl_secret: str) -> None:
    with pytest.raises(ConfigError, match="schema mode needs --target_schema"):
        RedshiftCrossAccountDataMigration({"source_schema": "shared_db.x", "secret_name": etl_secret}).run()


def source_tables(db: Db, source: str, *names: str) -> None:
    """Tables of the source with three rows each (``id`` 1..3)."""
    for name in names:
        db.admin(f"CREATE TABLE {source}.{name} (id int)", f"INSERT INTO {source}.{name} VALUES (1), (2), (3)")


def test_discover_from_source_loads_every_base_table_and_reports_the_view(
    db: Db, schemas: tuple[str, str], case_keeping_secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    """On a server that keeps quoted names' case (Redshift with ``enable_case_sensitive_identifier`` on)."""
    etl_secret = case_keeping_secret
    source, target = schemas
    source_tables(db, source, "a", '"Mixed Case"')
    db.admin(f"CREATE VIEW {source}.v_a AS SELECT * FROM {source}.a")
    db.as_etl(
        f"CREATE TABLE {target}.a (id int)",
        f'CREATE TABLE {target}."Mixed Case" (id int)',
        f"CREATE TABLE {target}.only_in_target (id int)",
    )
    summary = f"s3://{BUCKET}/{target}/runs/"
    args = {"source_schema": f"shared_db.{source}", "target_schema": target, "secret_name": etl_secret}
    result = run_step({**args, "discover_from": "source", "summary_output_path": summary, "JOB_RUN_ID": target})
    assert result.ok
    assert [(o.row.source_table, o.row.target_table, o.rows_affected) for o in result.outcomes] == [
        (f'shared_db.{source}."Mixed Case"', f'{target}."Mixed Case"', 3),
        (f"shared_db.{source}.a", f"{target}.a", 3),
    ]
    assert (db.count(f"{target}.a"), db.count(f'{target}."Mixed Case"'), db.count(f"{target}.only_in_target")) == (
        3,
        3,
        0,
    )
    view = f"shared_db.{source}.v_a"
    assert [(item.table, item.reason) for item in result.not_migrated] == [(view, VIEW_REASON)]
    assert f"{view} not migrated: {VIEW_REASON}" in messages(caplog, logging.WARNING)
    document = read_json(f"{summary}{target}/summary.json")
    assert document["mode"] == "schema" and document["not_migrated"] == [{"table": view, "reason": VIEW_REASON}]


def test_a_data_share_s_shared_table_is_loaded_and_an_unknown_table_type_stops_the_run_naming_it(
    db: Db, schemas: tuple[str, str], etl_secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    # SVV_ALL_TABLES documents "shared tables" (a data share's) beside base tables (dg/r_SVV_ALL_TABLES.html); the
    # stand-in's SVV_REDSHIFT_TABLES reports table a so.
    source, target = schemas
    source_tables(db, source, "a", "b")
    db.admin(report_table_type_sql(f"{source}.a", "SHARED TABLE"))
    db.as_etl(f"CREATE TABLE {target}.a (id int)", f"CREATE TABLE {target}.b (id int)")
    args = {"source_schema": f"shared_db.{source}", "target_schema": target, "secret_name": etl_secret,
            "discover_from": "source"}  # fmt: skip
    result = run_step(args)
    assert result.ok and result.not_migrated == ()
    assert [(o.row.target_table, o.rows_affected) for o in result.outcomes] == [(f"{target}.a", 3), (f"{target}.b", 3)]

    db.admin(f"CREATE TABLE {source}.c (id int)", report_table_type_sql(f"{source}.c", "MYSTERY TABLE"))
    assert exit_status({**args, "JOB_RUN_ID": f"{target}-2"}) == EXIT_ROWS_FAILED
    (error,) = messages(caplog, logging.ERROR)
    assert f"table_type glue-elt does not know for shared_db.{source}.c ('MYSTERY TABLE')" in error
    assert (db.count(f"{target}.a"), db.count(f"{target}.b")) == (3, 3)  # nothing more was loaded


@pytest.mark.parametrize("discover_from", ["target", "source"])
def test_include_then_exclude_choose_the_tables(
    db: Db, schemas: tuple[str, str], etl_secret: str, caplog: pytest.LogCaptureFixture, discover_from: str
) -> None:
    source, target = schemas
    names = ("customers", "orders", "orders_2024", "tmp_x")
    source_tables(db, source, *names)
    db.as_etl(*[f"CREATE TABLE {target}.{name} (id int)" for name in names])
    args = {"source_schema": source, "target_schema": target, "secret_name": etl_secret}
    with caplog.at_level(logging.INFO, logger=DISCOVERY_LOG):
        result = run_step(
            {**args, "discover_from": discover_from, "include": "orders*, customers", "exclude": "*_2024"}
        )
    assert result.ok and [o.row.target_table for o in result.outcomes] == [f"{target}.customers", f"{target}.orders"]
    assert [db.count(f"{target}.{name}") for name in names] == [3, 3, 0, 0]
    (left_out,) = [m for m in messages(caplog, logging.INFO) if "leave out" in m]
    assert left_out.endswith(": orders_2024, tmp_x") and "2 of 4 object(s)" in left_out


def test_a_missing_target_schema_exits_2_naming_it_and_the_visible_schemas(
    etl_secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    summary = f"s3://{BUCKET}/no_such_schema/runs/"
    args = {"source_schema": "shared_db.sales", "target_schema": "no_such_schema", "secret_name": etl_secret}
    assert exit_status({**args, "summary_output_path": summary}) == EXIT_CONFIG_ERROR
    (error,) = messages(caplog, logging.ERROR)
    assert (
        "schema mode found nothing to migrate: --target_schema no_such_schema (schema no_such_schema of database "
        "shared_db) does not exist or is not visible to user etl_user; the schemas of shared_db it sees: " in error
    )
    shown = error.split("it sees: ", 1)[1].split(" (", 1)[0].split(", ")  # the first 20: other tests add theirs
    assert "public" in shown and "pg_catalog" not in error
    assert list_keys("no_such_schema/") == []  # nothing written, not even the summary


def test_a_target_schema_without_base_tables_exits_2_unless_allow_empty(
    db: Db, schemas: tuple[str, str], etl_secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    args = {"source_schema": source, "target_schema": target, "secret_name": etl_secret}
    assert exit_status(args) == EXIT_CONFIG_ERROR
    assert f"--target_schema {target} (schema {target} of database shared_db) holds no table or view" in caplog.text
    db.as_etl(f"CREATE VIEW {target}.v AS SELECT 1 AS id")
    caplog.clear()
    assert exit_status(args) == EXIT_CONFIG_ERROR
    assert "has no base table, only 1 object(s) of type VIEW: v" in messages(caplog, logging.ERROR)[0]
    caplog.clear()
    assert exit_status({**args, "allow_empty": "true"}) == EXIT_OK
    (warning,) = [m for m in messages(caplog, logging.WARNING) if "nothing to migrate" in m]
    assert "has no base table" in warning and "--allow_empty true: the run migrates nothing" in warning
    result = run_step({**args, "allow_empty": "true"})
    assert result.ok and result.outcomes == ()


def test_patterns_that_match_nothing_exit_2_listing_the_tables(
    db: Db, schemas: tuple[str, str], etl_secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    source, target = schemas
    source_tables(db, source, "orders", "customers")
    args = {"source_schema": source, "target_schema": target, "secret_name": etl_secret, "discover_from": "source"}
    assert exit_status({**args, "include": "Orders*"}) == EXIT_CONFIG_ERROR
    (error,) = messages(caplog, logging.ERROR)
    assert f"--include Orders* leave none of the 2 base table(s) of --source_schema {source}" in error
    assert error.endswith(": customers, orders (--allow_empty true accepts that and migrates nothing)")


def test_discover_from_a_missing_source_schema_exits_2(
    etl_secret: str, schemas: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, target = schemas
    args: dict[str, Any] = {"target_schema": target, "secret_name": etl_secret, "discover_from": "source"}
    assert exit_status({**args, "source_schema": "shared_db.no_such_source"}) == EXIT_CONFIG_ERROR
    assert "--source_schema shared_db.no_such_source (schema no_such_source of database shared_db) does not exist" in (
        caplog.text
    )
    caplog.clear()
    assert exit_status({**args, "source_schema": "other_db.sales"}) == EXIT_CONFIG_ERROR
    assert "user etl_user sees no schema in other_db (for a data share: is its database created" in caplog.text


def test_discover_from_source_into_a_missing_target_schema_fails_each_row_with_a_hint(
    db: Db, schemas: tuple[str, str], etl_secret: str
) -> None:
    source, target = schemas
    source_tables(db, source, "a")
    args = {"source_schema": source, "target_schema": f"{target}_missing", "secret_name": etl_secret}
    result = run_step({**args, "discover_from": "source"})
    (outcome,) = result.outcomes
    assert result.failed == 1 and outcome.row.target_table == f"{target}_missing.a"
    error = outcome.error or ""
    assert f"target table {target}_missing.a does not exist: schema {target}_missing does not exist or user " in error
    assert error.endswith("(--create_missing_targets true creates it and its schema)"), error
    assert exit_status({**args, "discover_from": "source"}) == EXIT_ROWS_FAILED
