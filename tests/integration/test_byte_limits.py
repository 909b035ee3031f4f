"""Sizes as Redshift counts them: what the steps write into the state table fits its columns in bytes of UTF-8, or
the run is refused with exit status 2 before any write. The stand-in's state table gets byte CHECKs
(``byte_checked_state_table``), so a value PostgreSQL would take but Redshift would not fails here as there."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from redshift_connector.error import ProgrammingError

from glue_elt import RedshiftCrossAccountDataMigration, RedshiftSqlStep
from glue_elt.core.sizes import utf8_size
from glue_elt.redshift.state import RUN_ID_BYTES, TARGET_TABLE_BYTES
from glue_elt.steps.base import EXIT_CONFIG_ERROR
from glue_elt.steps.redshift_sql.outcomes import Status
from local_stack import StackEndpoints
from tests.conftest import BUCKET, REPO_ROOT, Db, make_secret, run_step
from tests.integration.test_exit_status import HEADER, closed_port
from tests.integration.test_redshift_sql import run_sql

PutConfig = Callable[[str, str], str]
E_ACUTE = "\u00e9"  # 2 bytes of UTF-8
TOO_LONG = {"ascii": "r" * 300, "multibyte": E_ACUTE * 150}  # both 300 bytes; the second only 150 characters
AT_THE_LIMIT = E_ACUTE * (RUN_ID_BYTES // 2)  # 128 characters, 256 bytes
REFUSED = "is 300 bytes; the state table holds at most 256 bytes (UTF-8)"


def exit_status(step: type[RedshiftCrossAccountDataMigration] | type[RedshiftSqlStep], args: dict[str, Any]) -> int:
    with pytest.raises(SystemExit) as exited:
        step({"max_retries": 0, **args}).start()
    return int(exited.value.code or 0)


def migration_config(db: Db, schemas: tuple[str, str], secret: str, put_config: PutConfig) -> str:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t VALUES (1), (2), (3)")
    db.as_etl(f"CREATE TABLE {target}.t (id int)")
    return put_config(f"{target}/bytes.csv", f"{HEADER}\nshared_db.{source}.t###{target}.t#{secret}#append\n")


def test_the_stand_ins_byte_checked_state_table_refuses_what_redshift_would(
    db: Db, byte_checked_state_table: str
) -> None:
    insert = f"INSERT INTO {byte_checked_state_table} VALUES (%s, repeat('k', 64), 't', 'append', 1, now())"
    with pytest.raises(ProgrammingError, match="run_id_bytes"):
        db.as_etl(insert.replace("%s", f"'{AT_THE_LIMIT}{E_ACUTE}'"))  # 129 characters, 258 bytes
    db.as_etl(insert.replace("%s", f"'{AT_THE_LIMIT}'"))
    assert db.rows(f"SELECT octet_length(run_id) FROM {byte_checked_state_table}") == [(256,)]


@pytest.mark.parametrize("kind", sorted(TOO_LONG))
def test_a_run_id_over_256_bytes_exits_2_before_any_write(
    kind: str,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: PutConfig,
    endpoints: StackEndpoints,
    byte_checked_state_table: str,
) -> None:
    config = migration_config(db, schemas, etl_secret, put_config)
    args = ["--config_path", config, "--state_table", byte_checked_state_table, "--run_id", TOO_LONG[kind]]
    done = subprocess.run(
        [sys.executable, "-m", "glue_elt.steps.redshift_cross_account_migration", *args],
        env={**os.environ, **endpoints.aws_env(), "PYTHONPATH": str(REPO_ROOT / "src")},  # this checkout's code
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == EXIT_CONFIG_ERROR, done.stderr
    assert f"--run_id {REFUSED}" in done.stderr
    assert db.count(f"{schemas[1]}.t") == 0 and db.count(byte_checked_state_table) == 0
    dead = make_secret(endpoints, f"glue-elt/bytes-dead-{kind}", port=closed_port())  # 4 if it tried to connect
    refused = {"source_schema": "shared_db.s", "target_schema": "t", "secret_name": dead, "JOB_RUN_ID": TOO_LONG[kind]}
    assert exit_status(RedshiftCrossAccountDataMigration, refused) == EXIT_CONFIG_ERROR


def test_a_run_id_of_exactly_256_bytes_of_multibyte_characters_loads_once(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, byte_checked_state_table: str
) -> None:
    config = migration_config(db, schemas, etl_secret, put_config)
    args = {"config_path": config, "state_table": byte_checked_state_table, "run_id": AT_THE_LIMIT}
    assert run_step(args).succeeded == 1
    assert run_step(args).skipped == 1  # the 256-byte run id finds its own state row again
    assert db.count(f"{schemas[1]}.t") == 3
    assert db.rows(f"SELECT octet_length(run_id), load_type FROM {byte_checked_state_table}") == [(256, "append")]


@pytest.mark.parametrize("kind", sorted(TOO_LONG))
def test_the_sql_step_refuses_a_run_id_over_256_bytes_with_exit_2_before_any_write(
    kind: str, db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, byte_checked_state_table: str
) -> None:
    target = schemas[1]
    uri = put_config(f"sql/{target}/bytes.sql", f"CREATE TABLE {target}.made (id int)")
    args = {"sql_path": uri, "secret_name": etl_secret, "state_table": byte_checked_state_table}
    for name in ("run_id", "JOB_RUN_ID"):
        assert exit_status(RedshiftSqlStep, {**args, name: TOO_LONG[kind]}) == EXIT_CONFIG_ERROR
    assert db.rows(f"SELECT to_regclass('{target}.made') IS NULL") == [(True,)]
    assert db.count(byte_checked_state_table) == 0


@pytest.mark.parametrize("mode", ["refuse", "autocommit"])
def test_the_sql_step_records_a_256_byte_run_id_and_a_long_script_path_cut_to_1024_bytes(
    mode: str, db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, byte_checked_state_table: str
) -> None:
    target = schemas[1]
    key = f"sql/{target}/{E_ACUTE * 500}.sql"  # with s3://bucket/ over 1024 bytes, yet far under 1024 characters
    uri = put_config(key, f"CREATE TABLE {target}.made (id int);\nINSERT INTO {target}.made VALUES (1)")
    assert utf8_size(uri) > TARGET_TABLE_BYTES > len(uri)
    args = {"sql_path": uri, "secret_name": etl_secret, "state_table": byte_checked_state_table}
    result = run_sql({**args, "run_id": AT_THE_LIMIT, "non_transactional": mode})
    assert result.status == "committed" and result.count(Status.SUCCEEDED) == 2
    assert db.count(f"{target}.made") == 1
    stored = db.rows(f"SELECT DISTINCT octet_length(run_id), target_table FROM {byte_checked_state_table}")
    cut = uri.encode()[:TARGET_TABLE_BYTES].decode(errors="ignore")
    assert stored == [(RUN_ID_BYTES, cut)] and len(cut.encode()) in (TARGET_TABLE_BYTES - 1, TARGET_TABLE_BYTES)
    assert uri.startswith(cut) and BUCKET in cut
