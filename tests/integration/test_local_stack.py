"""Integration tests for local_stack: PostgreSQL behind PgBouncer behind the front door, plus moto, on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import boto3
import pytest
import redshift_connector
from redshift_connector.core import Connection
from redshift_connector.error import InterfaceError, ProgrammingError

from local_stack import LocalStack, StackEndpoints, StackError
from local_stack.ports import port_open
from local_stack.postgres import run_psql
from local_stack.procs import pid_alive

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One stack shared by the checks of this module; its files are removed afterwards."""
    local = LocalStack(tmp_path_factory.mktemp("stack"))
    local.start()
    try:
        yield local
    finally:
        local.stop(remove_state=True)


@pytest.fixture(scope="module")
def orders(stack: LocalStack) -> str:
    """A source table ``schema.orders`` created by the admin after ``create_source_schema``."""
    stack.create_source_schema("schema")
    with closing(stack.admin_connect()) as conn:
        cursor = conn.cursor()
        cursor.execute("create table schema.orders (id int primary key, amount numeric(10, 2))")
        cursor.execute("insert into schema.orders values (1, 9.99), (2, 20.00)")
    return "shared_db.schema.orders"


def etl_connect(ep: StackEndpoints) -> Connection:
    """Connect as the migration user exactly as the library does: through PgBouncer, no SSL."""
    conn = redshift_connector.connect(
        host="127.0.0.1",
        port=ep.bouncer_port,
        database="shared_db",
        user="etl_user",
        password=ep.etl_password,
        ssl=False,
    )
    conn.autocommit = True
    return conn


def scalar(conn: Connection, sql: str) -> object:
    """First column of the first row of ``sql``."""
    cursor = conn.cursor()
    cursor.execute(sql)
    row = cursor.fetchone()
    assert row is not None
    return row[0]


def test_etl_user_connects_through_bouncer(stack: LocalStack) -> None:
    with closing(etl_connect(stack.endpoints)) as conn:
        assert scalar(conn, "select 1") == 1
        assert scalar(conn, "select current_user") == "etl_user"


def test_etl_user_reads_but_cannot_change_source_schema(stack: LocalStack, orders: str) -> None:
    with closing(etl_connect(stack.endpoints)) as conn:
        assert scalar(conn, f"select count(*) from {orders}") == 2
        owner = scalar(conn, "select nspowner::regrole::text from pg_namespace where nspname = 'schema'")
        assert owner == "share_owner"
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.cursor().execute("insert into schema.orders values (3, 1.00)")
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.cursor().execute("create table schema.intruder (id int)")


def test_etl_user_owns_target_schema(stack: LocalStack, orders: str) -> None:
    stack.create_target_schema("analytics")
    with closing(etl_connect(stack.endpoints)) as conn:
        conn.cursor().execute(f"create table analytics.orders as select * from {orders}")
        assert scalar(conn, "select count(*) from shared_db.analytics.orders") == 2
        assert scalar(conn, "select tableowner from pg_tables where schemaname = 'analytics'") == "etl_user"
        conn.cursor().execute("create schema etl_scratch")  # CREATE on the database


def test_schema_names_are_validated(stack: LocalStack) -> None:
    with pytest.raises(ValueError, match="identifier"):
        stack.create_source_schema('bad"; drop database shared_db; --')


REDSHIFT_VIEWS = {
    # name: [(column, type)] as Redshift documents them (docs.aws.amazon.com/redshift/latest/dg/r_<NAME>.html)
    "svv_redshift_tables": [
        ("database_name", "character varying(128)"),
        ("schema_name", "character varying(128)"),
        ("table_name", "character varying(128)"),
        ("table_type", "character varying(128)"),
        ("table_acl", "character varying(128)"),
        ("remarks", "character varying(128)"),
        ("table_owner", "character varying(128)"),
    ],
    "svv_redshift_columns": [
        ("database_name", "character varying(128)"),
        ("schema_name", "character varying(128)"),
        ("table_name", "character varying(128)"),
        ("column_name", "character varying(128)"),
        ("ordinal_position", "integer"),
        ("data_type", "character varying(32)"),
        ("column_default", "character varying(4000)"),
        ("is_nullable", "character varying(3)"),
        ("encoding", "character varying(128)"),
        ("distkey", "boolean"),
        ("sortkey", "integer"),
        ("column_acl", "character varying(128)"),
        ("remarks", "character varying(256)"),
    ],
    "svv_redshift_schemas": [
        ("database_name", "character varying(128)"),
        ("schema_name", "character varying(128)"),
        ("schema_owner", "integer"),
        ("schema_type", "character varying(16)"),
        ("schema_acl", "character varying(128)"),
        ("schema_option", "character varying(128)"),
    ],
    "svv_relation_privileges": [
        ("namespace_name", "text"),
        ("relation_name", "text"),
        ("privilege_type", "text"),
        ("identity_id", "integer"),
        ("identity_name", "text"),
        ("identity_type", "text"),
        ("admin_option", "boolean"),
    ],
}


@pytest.mark.parametrize("view", sorted(REDSHIFT_VIEWS))
def test_redshift_catalog_views_have_redshifts_columns(stack: LocalStack, view: str) -> None:
    with closing(stack.etl_connect()) as conn:
        cursor = conn.cursor()
        cursor.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 ORDER BY a.attnum",
            (f"public.{view}",),
        )
        assert [tuple(row) for row in cursor.fetchall()] == REDSHIFT_VIEWS[view]


def test_redshift_catalog_views_list_only_accessible_tables(stack: LocalStack, orders: str) -> None:
    stack.run_as_admin("CREATE TABLE schema.hidden (id int)", "REVOKE ALL ON schema.hidden FROM etl_user")
    with closing(stack.etl_connect()) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT table_name, table_type FROM svv_redshift_tables WHERE schema_name = 'schema'")
        tables = {tuple(row) for row in cursor.fetchall()}
    assert ("orders", "TABLE") in tables and not any(name == "hidden" for name, _ in tables)


def test_relation_privileges_show_the_grants_of_the_users_own_tables_and_its_own_grants(stack: LocalStack) -> None:
    stack.run_as_admin(
        "CREATE SCHEMA IF NOT EXISTS privs AUTHORIZATION etl_user",
        "CREATE ROLE privs_reader NOLOGIN",
        "CREATE TABLE privs.admins (id int)",
        "GRANT SELECT ON privs.admins TO privs_reader",
        "GRANT INSERT ON privs.admins TO etl_user",
    )
    stack.run_as_etl("CREATE TABLE privs.own (id int)", "GRANT SELECT, UPDATE ON privs.own TO privs_reader")
    with closing(stack.etl_connect()) as conn:
        cursor = conn.cursor()
        cursor.execute(
            "SELECT relation_name, privilege_type, identity_name, identity_type, admin_option "
            "FROM svv_relation_privileges WHERE namespace_name = 'privs' ORDER BY 1, 2"
        )
        rows = [tuple(row) for row in cursor.fetchall()]
    assert rows == [
        ("admins", "INSERT", "etl_user", "user", False),  # its own grant on another's table, not the others
        ("own", "SELECT", "privs_reader", "group", False),  # every grant of its own table, not its implicit ones
        ("own", "UPDATE", "privs_reader", "group", False),
    ]


def test_bouncer_console(stack: LocalStack) -> None:
    assert "shared_db|" in stack.bouncer_admin("SHOW POOLS")


def test_boto3_talks_to_moto(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in stack.endpoints.aws_env().items():
        monkeypatch.setenv(key, value)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="unload-bucket")
    s3.put_object(Bucket="unload-bucket", Key="a/part-0000", Body=b"1|9.99\n")
    assert s3.get_object(Bucket="unload-bucket", Key="a/part-0000")["Body"].read() == b"1|9.99\n"
    secrets = boto3.client("secretsmanager")
    secret = {"username": "etl_user", "password": stack.endpoints.etl_password}
    arn = secrets.create_secret(Name="glue-elt/redshift", SecretString=json.dumps(secret))["ARN"]
    assert json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"]) == secret


def assert_all_gone(ep: StackEndpoints, pids: dict[str, int | None]) -> None:
    """No port of ``ep`` accepts connections and no recorded process is alive."""
    for port in (ep.postgres_port, ep.bouncer_port, ep.front_door_port, ep.moto_port, ep.redshift_api_port):
        assert not port_open(port), f"port {port} still open"
    for name, pid in pids.items():
        assert pid is not None and not pid_alive(pid), f"{name} (pid {pid}) still running"


def test_lifecycle_bouncer_restart_and_stop(tmp_path: Path) -> None:
    with LocalStack(tmp_path / "state") as stack:
        ep, pids = stack.endpoints, stack.pids()
        assert None not in pids.values(), pids
        with pytest.raises(StackError, match="already running"):
            LocalStack(tmp_path / "state").start()

        stack.stop_bouncer()
        assert not port_open(ep.bouncer_port)
        with pytest.raises(InterfaceError):
            etl_connect(ep)
        assert stack.pids()["postgres"] == pids["postgres"]  # PostgreSQL is untouched
        stack.start_bouncer()  # same port again
        with closing(etl_connect(ep)) as conn:
            assert scalar(conn, "select 1") == 1
        pids["pgbouncer"] = stack.pids()["pgbouncer"]
    assert_all_gone(ep, pids)
    stack.stop(remove_state=True)  # stopping again is a no-op; this also frees the disk
    assert not (tmp_path / "state").exists()


def run_cli(command: str, state_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m local_stack COMMAND --state-dir STATE_DIR [OPTIONS]`` from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "local_stack", command, "--state-dir", str(state_dir), *options],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def source_env_file(path: Path) -> dict[str, str]:
    """The environment a shell has after ``source``-ing the generated env file."""
    script = f"set -e; source {shlex.quote(str(path))}; env -0"
    result = subprocess.run(["bash", "-c", script], capture_output=True, check=True, env={}, timeout=30)
    pairs = (item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)
    return dict(pairs)


def test_cli_up_down_round_trip(tmp_path: Path) -> None:
    state = tmp_path / "cli-stack"
    up = run_cli("up", state, "--empty")
    assert up.returncode == 0, up.stderr
    try:
        assert "password" not in up.stdout.lower()
        env = source_env_file(state / "env")
        ep = LocalStack.attach(state).endpoints
        assert env["AWS_ENDPOINT_URL"] == ep.moto_url
        assert env["GLUE_ELT_STACK_PG_PORT"] == str(ep.front_door_port)
        pids = LocalStack.attach(state).pids()
        assert None not in pids.values(), pids  # servers outlived the CLI process
        conn = redshift_connector.connect(
            host=env["GLUE_ELT_STACK_PG_HOST"],
            port=int(env["GLUE_ELT_STACK_PG_PORT"]),
            database=env["GLUE_ELT_STACK_PG_DB"],
            user=env["GLUE_ELT_STACK_ETL_USER"],
            password=env["GLUE_ELT_STACK_ETL_PASSWORD"],
            ssl=False,
        )
        with closing(conn):
            assert scalar(conn, "select 1") == 1
        again = run_cli("up", state)
        assert again.returncode == 1 and "already running" in again.stderr
    finally:
        down = run_cli("down", state)
    assert down.returncode == 0, down.stderr
    assert not state.exists()
    assert_all_gone(ep, pids)
    assert run_cli("down", state).returncode == 0  # nothing up: no-op


def test_cli_up_leaves_a_playground_and_the_commands_it_prints_work(tmp_path: Path) -> None:
    state = tmp_path / "playground"
    up = run_cli("up", state)
    assert up.returncode == 0, up.stderr
    try:
        ep = LocalStack.attach(state).endpoints
        pids = LocalStack.attach(state).pids()
        assert "password" not in up.stdout.lower() and ep.etl_password not in up.stdout
        assert "config file    s3://glue-elt-demo/config/migration.csv:" in up.stdout
        commands = [line.strip() for line in up.stdout.splitlines() if line.startswith("  source ")]
        assert len(commands) == 3, up.stdout
        python_m, console, sql = commands
        assert python_m.startswith(f"source {state / 'env'} && ")
        assert " -m glue_elt.steps.redshift_cross_account_migration --config_path s3://glue-elt-demo/" in python_m
        assert console.endswith("glue-elt migrate --source_schema shared_db.sales --target_schema sales_mart "
                                "--secret_name redshift-secret --load_type overwrite")  # fmt: skip
        clean_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}  # AWS: the env file
        outputs = []
        with_settings = console + " --query_group etl --statement_timeout_seconds 60"  # Redshift's SETs, at the wire
        assert sql.endswith("glue-elt sql --sql_path s3://glue-elt-demo/sql/customer_totals.sql "
                            "--secret_name redshift-secret --executor data_api")  # fmt: skip
        runs = [python_m, console, with_settings, sql]
        summaries = [
            "3 succeeded, 0 failed",
            "2 succeeded, 0 failed",
            "2 succeeded, 0 failed",
            "committed: 3 statement(s)",
        ]
        for command, summary in zip(runs, summaries):
            done = subprocess.run(
                ["bash", "-c", command], cwd=REPO_ROOT, env=clean_env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, f"{command}\n{done.stderr}"
            assert summary in done.stderr
            outputs += [done.stdout, done.stderr]
        assert not any(ep.etl_password in text or ep.admin_password in text for text in outputs)
        with closing(LocalStack.attach(state).admin_connect()) as conn:
            counts = {
                table: scalar(conn, f"select count(*) from {table}")
                for table in ("analytics.orders", "sales_mart.targets", "analytics.customer_totals")
            }
        assert counts == {"analytics.orders": 3713 + 25, "sales_mart.targets": 16, "analytics.customer_totals": 50}
    finally:
        down = run_cli("down", state)
    assert down.returncode == 0, down.stderr
    assert not state.exists()
    assert_all_gone(ep, pids)


def test_statement_log_counts_one_users_statements_and_restores_the_role(stack: LocalStack) -> None:
    ep = stack.endpoints
    with stack.statement_log() as log:
        with closing(stack.etl_connect()) as conn:  # autocommit off: the driver sends "begin transaction"
            cursor = conn.cursor()
            cursor.execute("select 1,\n  'two\nlines' as x")
            conn.commit()
            with pytest.raises(ProgrammingError):
                cursor.execute("selec 2")  # refused at Parse: never executed, still sent
            conn.rollback()
            with pytest.raises(ProgrammingError):
                cursor.execute("select 1 / (g - 1) from generate_series(1, 1) g")  # fails while running
            conn.rollback()
        with closing(stack.admin_connect()) as admin:
            admin.cursor().execute("select 'not the etl user'")
        run_psql(ep.host, ep.bouncer_port, ep.etl_user, ep.etl_password, ep.database, ["-c", "select 3"])
    assert log.texts() == [
        "begin transaction",
        "select 1,\n  'two\nlines' as x",
        "commit",
        "begin transaction",
        "selec 2 (refused before it ran)",
        "rollback",
        "begin transaction",
        "select 1 / (g - 1) from generate_series(1, 1) g",
        "rollback",
        "select 3",  # psql: the simple protocol
    ]
    assert [s.protocol for s in log.statements][-1] == "simple"
    assert log.pooler and all(s.protocol == "simple" for s in log.pooler)  # PgBouncer's SET and DISCARD ALL
    assert log.naming("two\nlines") == log.statements[:3]
    settings = "select setconfig from pg_db_role_setting where setrole = 'etl_user'::regrole"
    assert stack_rows(stack, settings) == []  # the role setting is gone again
    stack.run_as_admin("alter role etl_user set log_statement = 'ddl'")
    try:
        with stack.statement_log() as empty:
            pass
        assert stack_rows(stack, settings) == [(["log_statement=ddl"],)]  # a previous setting comes back
    finally:
        stack.run_as_admin("alter role etl_user reset log_statement")
    assert empty.statements == []  # the probe is not part of the window


def stack_rows(stack: LocalStack, sql: str) -> list[tuple[object, ...]]:
    with closing(stack.admin_connect()) as conn:
        cursor = conn.cursor()
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
