"""Redshift behaviours reproduced on the stand-in: error 1023's payload, a fresh cluster's missing schema,
identifier case folding, data-share reads in transactions and other databases (docs/redshift-compatibility.md).
The steps connect as users do, through the stack's front door (``local_stack.front_door``), which answers as
Redshift where PostgreSQL differs; a secret to PgBouncer behind it shows what plain PostgreSQL answers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

import pytest
import redshift_connector

from glue_elt import RedshiftCrossAccountDataMigration, RedshiftExecutor, RowStatus
from glue_elt.errors import ConfigError
from glue_elt.redshift.auth.secrets import RedshiftCredentials
from glue_elt.redshift.driver.connect import connect_redshift
from local_stack import StackEndpoints
from tests.conftest import Db, run_step
from tests.integration.redshift_errors import REDSHIFT_1023_DETAIL, fail_first_insert_with_1023

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type#merge_keys#watermark_column"
PutConfig = Callable[[str, str], str]
FAST_RETRIES = {"max_retries": 2, "retry_wait_seconds": 0.05}


def seed(db: Db, source: str, target: str, table: str = "t", rows: int = 50) -> None:
    db.admin(
        f"CREATE TABLE {source}.{table} (id int, v text)",
        f"INSERT INTO {source}.{table} SELECT g, 'v' || g FROM generate_series(1, {rows}) g",
    )
    db.as_etl(f"CREATE TABLE {target}.{table} (id int, v text)")


def case_sensitive(credentials: RedshiftCredentials) -> Any:
    """A connection whose session turned ``enable_case_sensitive_identifier`` on (dg/r_enable_case_sensitive_identifier.html)."""
    connection = connect_redshift(credentials)
    connection.autocommit = True
    connection.cursor().execute("SET enable_case_sensitive_identifier TO on")
    connection.autocommit = False
    return connection


def step(args: dict[str, object], case_setting: str = "off") -> RedshiftCrossAccountDataMigration:
    """The migration step as a user runs it, or (``on``) with case-sensitive sessions."""
    if case_setting == "off":
        return RedshiftCrossAccountDataMigration(args)
    executor = RedshiftExecutor(connector=case_sensitive, max_connections_per_secret=4)
    return RedshiftCrossAccountDataMigration(args, executor=executor)


def run_closing(step: RedshiftCrossAccountDataMigration) -> Any:
    try:
        return step.run()
    finally:
        step.executor.close()


def config(put_config: PutConfig, name: str, *lines: str) -> str:
    return put_config(f"fidelity/{name}.csv", HEADER + "\n" + "\n".join(lines) + "\n")


def test_redshift_1023_payload_is_retried_and_the_row_loads_once(
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: PutConfig,
    endpoints: StackEndpoints,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A trigger raises error 1023 exactly as a Redshift cluster sends it (SQLSTATE XX000, ``M`` 1023, the text
    in ``D``) on the first attempt only; a sequence counts attempts across rollbacks."""
    source, target = schemas
    seed(db, source, target)
    db.as_etl(
        *fail_first_insert_with_1023(target, "t"),
    )
    with contextlib.closing(redshift_connector.connect(**_etl_login(endpoints))) as conn:  # the payload as sent
        with pytest.raises(redshift_connector.ProgrammingError) as raised:
            conn.cursor().execute(f"INSERT INTO {target}.t VALUES (0, 'probe')")
        conn.rollback()
    payload = raised.value.args[0]
    assert (payload["C"], payload["M"], payload["D"]) == ("XX000", "1023", REDSHIFT_1023_DETAIL)
    db.as_etl(f"ALTER SEQUENCE {target}.attempts RESTART")

    uri = config(put_config, f"{target}-1023", f"shared_db.{source}.t###{target}.t#{etl_secret}#append##")
    with caplog.at_level(logging.WARNING):
        result = run_step({"config_path": uri, **FAST_RETRIES})
    (outcome,) = result.outcomes
    assert outcome.status is RowStatus.SUCCEEDED and outcome.rows_affected == 50
    assert db.count(f"{target}.t") == 50
    assert db.rows(f"SELECT last_value FROM {target}.attempts") == [(2,)]
    assert "transient error (1023 (Serializable isolation violation" in caplog.text


def _etl_login(endpoints: StackEndpoints) -> dict[str, Any]:
    return {
        "host": endpoints.host,
        "port": endpoints.front_door_port,
        "database": endpoints.database,
        "user": endpoints.etl_user,
        "password": endpoints.etl_password,
        "ssl": False,
    }


def test_first_run_on_a_fresh_cluster_when_the_state_schema_is_missing(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """Redshift reports a missing schema as 3F000, not 42P01: the step finds the state table in the catalog
    instead of reading it, so the first run with a state schema that does not exist yet works."""
    source, target = schemas
    seed(db, source, target)
    state_schema = f"fresh_{target}"
    connection = connect_redshift(_credentials(db))
    with contextlib.closing(connection), pytest.raises(redshift_connector.ProgrammingError) as raised:
        connection.cursor().execute(f"SELECT * FROM {state_schema}.migration_state")
    assert raised.value.args[0]["C"] == "3F000"  # the stand-in's front door answers as Redshift does

    uri = config(put_config, f"{target}-fresh", f"shared_db.{source}.t###{target}.t#{etl_secret}#append##")
    args = {"config_path": uri, "state_table": f"{state_schema}.migration_state", "JOB_RUN_ID": f"fresh-{target}"}
    result = run_closing(step(args))
    assert [o.status for o in result.outcomes] == [RowStatus.SUCCEEDED]
    assert db.rows(f"SELECT count(*) FROM {state_schema}.migration_state") == [(1,)]
    again = run_closing(step(args))
    assert [o.status for o in again.outcomes] == [RowStatus.SKIPPED] and db.count(f"{target}.t") == 50


def _credentials(db: Db) -> RedshiftCredentials:
    ep = db.stack.endpoints
    return RedshiftCredentials(ep.host, ep.front_door_port, ep.database, ep.etl_user, ep.etl_password, ssl=False)


def test_quoted_names_fold_to_lower_case_as_on_redshift(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """With ``enable_case_sensitive_identifier`` off (Redshift's default), ``"Orders"`` is the table ``orders``:
    the catalog look-up, the SQL and the privilege check all use the folded name."""
    source, target = schemas
    seed(db, source, target, "orders")
    db.as_etl(f"CREATE TABLE {target}.events (id int, v text)")
    db.admin(f"CREATE TABLE {source}.events (id int, v text)", f"INSERT INTO {source}.events VALUES (1, 'a'), (2, 'b')")
    uri = config(
        put_config,
        f"{target}-fold",
        # values that begin with a quote are CSV-quoted whole, so their own quotes are kept
        f'shared_db.{source}."Orders"#"""ID"", ""V"""##{target}."Orders"#{etl_secret}#overwrite##',
        f'shared_db."{source.upper()}"."EVENTS"###"""{target.upper()}"".""Events"""#{etl_secret}#upsert#"""Id"""#',
    )
    result = run_closing(step({"config_path": uri}))
    assert [o.status for o in result.outcomes] == [RowStatus.SUCCEEDED] * 2, [o.error for o in result.outcomes]
    assert db.count(f"{target}.orders") == 50 and db.count(f"{target}.events") == 2

    schema_mode = {"source_schema": f"shared_db.{source}", "target_schema": f'"{target.upper()}"'}
    result = run_closing(step({**schema_mode, "secret_name": etl_secret, "load_type": "overwrite"}))
    assert sorted(o.row.target_table for o in result.outcomes) == [f"{target}.events", f"{target}.orders"]
    assert all(o.status is RowStatus.SUCCEEDED for o in result.outcomes)


@pytest.mark.parametrize("case_setting", ["on", None])
def test_quoted_names_keep_their_case_where_the_server_does(
    case_setting: str | None,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    case_keeping_secret: str,
    put_config: PutConfig,
) -> None:
    """With ``enable_case_sensitive_identifier`` on, or on PostgreSQL, ``"Orders"`` is not ``orders``: the row
    fails before any write and the message points at the table that exists."""
    source, target = schemas
    seed(db, source, target, "orders")
    secret = etl_secret if case_setting else case_keeping_secret
    uri = config(put_config, f"{target}-case", f'shared_db.{source}.orders###{target}."Orders"#{secret}#append##')
    result = run_closing(step({"config_path": uri}, case_setting or "off"))
    (outcome,) = result.outcomes
    assert outcome.status is RowStatus.FAILED
    assert f'target table {target}."Orders" does not exist or is not visible to user etl_user' in (outcome.error or "")
    assert f"the server keeps the case of quoted names; shared_db.{target}.orders exists" in (outcome.error or "")
    assert db.count(f"{target}.orders") == 0


def test_no_load_transaction_starts_by_reading_the_data_share(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """A consumer refused a driver-opened transaction whose first statement read a data share. Upsert checks
    and --verify_counts read the share inside the load transaction: they now run after its first write."""
    source, target = schemas
    seed(db, source, target, "a")
    seed(db, source, target, "b")
    connection = connect_redshift(_credentials(db))
    with contextlib.closing(connection), pytest.raises(redshift_connector.ProgrammingError, match="Datashare writes"):
        connection.cursor().execute(f'SELECT COUNT(*) FROM "shared_db"."{source}"."a"')  # the front door refuses
    uri = config(
        put_config,
        f"{target}-share",
        f"shared_db.{source}.a###{target}.a#{etl_secret}#upsert#id#",
        f"shared_db.{source}.b###{target}.b#{etl_secret}#overwrite##",
    )
    result = run_closing(step({"config_path": uri, "verify_counts": "true"}))
    assert [o.status for o in result.outcomes] == [RowStatus.SUCCEEDED] * 2, [o.error for o in result.outcomes]
    assert (db.count(f"{target}.a"), db.count(f"{target}.b")) == (50, 50)


def test_a_target_or_state_table_in_another_database_is_refused(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed(db, source, target)
    uri = config(put_config, f"{target}-otherdb", f"shared_db.{source}.t###other_db.{target}.t#{etl_secret}#append##")
    (outcome,) = run_step({"config_path": uri}).outcomes
    assert outcome.status is RowStatus.FAILED
    assert (
        f"target_table other_db.{target}.t is in database other_db, but the secret connects to database shared_db"
        in (outcome.error or "")
    )
    uri = config(put_config, f"{target}-otherstate", f"shared_db.{source}.t###{target}.t#{etl_secret}#append##")
    with pytest.raises(ConfigError, match="is in database other_db, but the secret connects to database shared_db"):
        run_step({"config_path": uri, "state_table": "other_db.glue_elt.state"})  # the whole run: exit 2
    assert db.count(f"{target}.t") == 0
