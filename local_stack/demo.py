"""``make demo``: run the migration step and the SQL step on the local stack exactly as a Glue job would.

Starts the stack, seeds a data-share-like source and an empty target, uploads a config file and a
secret (``local_stack.playground``, which ``make stack`` leaves running), then runs
``python -m glue_elt.steps.redshift_cross_account_migration``: a dry run, the config file for real (one row is
broken on purpose, to show the error file), the error file again once the cause is fixed, schema mode, and
schema mode again through the Redshift Data API (the stack's local API server).
Then ``python -m glue_elt.steps.redshift_sql`` builds a small mart from the migrated tables with a SQL script:
a dry run, the run through the Data API (the script and its record as one ``BatchExecuteStatement``), and a
re-run with the same run id through the driver (skipped: the state table is the same whatever the executor). It
prints what happened and stops the stack.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3

from local_stack.playground import (
    BUCKET,
    CONFIG,
    CONFIG_ARGS,
    CONFIG_URI,
    ERRORS_URI,
    MODULE,
    RETURNS_SQL,
    SCHEMA_ARGS,
    SECRET,
    SQL_MODULE,
    SQL_SCRIPT,
    SQL_URI,
    TARGET_TABLES,
    seed,
)
from local_stack.stack import LocalStack

GLUE_ARGS = ["--JOB_ID", "j_demo", "--job-bookmark-option", "job-bookmark-disable", "--TempDir", f"s3://{BUCKET}/temp/"]


def banner(text: str) -> None:
    print(f"\n=== {text} ===", flush=True)


def run_step(args: list[str], module: str = MODULE) -> int:
    command = [sys.executable, "-m", module, *GLUE_ARGS, *args]
    print("$ python -m " + " ".join([module, *GLUE_ARGS, *args]), flush=True)
    return subprocess.run(command, env=os.environ.copy(), check=False).returncode


def run_sql_step() -> tuple[int, int, int]:
    """The SQL step on the migrated tables: a dry run, the run through the Data API, and a re-run with the same run
    id through the driver."""
    print(f"SQL script {SQL_URI}:\n{SQL_SCRIPT}")
    args = ["--sql_path", SQL_URI, "--secret_name", SECRET]
    dry = run_step(["--JOB_RUN_ID", "demo-sql-dry-run", *args, "--dry_run", "true"], SQL_MODULE)
    print(f"exit status: {dry} (the INSERT and UPDATE use a table the script creates first: not checked)")
    banner("the SQL step through the Redshift Data API: the script and its record in one BatchExecuteStatement")
    real = run_step(["--JOB_RUN_ID", "demo-sql", *args, "--executor", "data_api"], SQL_MODULE)
    print(f"exit status: {real}")
    banner("the SQL step again with the same run id, through the driver")
    again = run_step(["--JOB_RUN_ID", "demo-sql", *args], SQL_MODULE)
    print(f"exit status: {again} (same run id: the script is skipped, nothing runs twice)")
    return dry, real, again


def show_mart(stack: LocalStack) -> None:
    with contextlib.closing(stack.admin_connect()) as conn:
        cursor = conn.cursor()
        cursor.execute(
            "SELECT customer_id, name, orders, amount FROM analytics.customer_totals "
            "ORDER BY orders, amount DESC, customer_id LIMIT 3"
        )
        for customer_id, name, orders, amount in cursor.fetchall():
            print(f"  {customer_id:>4}  {name:<30} {orders:>4} order(s) {amount:>10}")


def show_counts(stack: LocalStack, tables: list[str]) -> None:
    with contextlib.closing(stack.admin_connect()) as conn:
        cursor = conn.cursor()
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            (count,) = cursor.fetchall()[0]
            print(f"  {table:<24} {count:>6} row(s)")


def show_error_file(key: str) -> None:
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    print(f"error file s3://{BUCKET}/{key}:\n{body}")


def main() -> int:
    config = CONFIG_URI
    error_file = f"{ERRORS_URI}demo-config-file/failed_rows.json"
    with tempfile.TemporaryDirectory(prefix="glue-elt-demo-") as state, LocalStack(Path(state)) as stack:
        os.environ.update(stack.endpoints.aws_env())
        banner("local stack")
        ep = stack.endpoints
        print(f"front door {ep.host}:{ep.front_door_port} -> PgBouncer -> PostgreSQL, moto {ep.moto_url}")
        banner("seeding")
        seed(stack, with_returns=False)
        print(f"config file {config}:\n{CONFIG}")
        banner("dry run of the config file: validate and pre-flight, write nothing")
        dry_status = run_step(["--JOB_RUN_ID", "demo-dry-run", "--config_path", config, "--dry_run", "true"])
        print(f"exit status: {dry_status} (1 = a row would fail: the 3rd names a missing table on purpose)")
        banner("config file mode")
        csv_status = run_step(["--JOB_RUN_ID", "demo-config-file", *CONFIG_ARGS])
        print(f"exit status: {csv_status} (1 = some row failed, as intended here)")
        show_error_file("errors/demo-config-file/failed_rows.json")
        banner("the cause fixed (the missing table now exists): re-run only the failed row from the error file")
        stack.run_as_admin(*RETURNS_SQL)
        rerun_status = run_step(["--JOB_RUN_ID", "demo-rerun", "--config_path", error_file])
        print(f"exit status: {rerun_status}")
        banner("schema mode: every table of sales_mart from shared_db.sales")
        schema_status = run_step(["--JOB_RUN_ID", "demo-schema", *SCHEMA_ARGS])
        print(f"exit status: {schema_status}")
        banner("schema mode again, through the Redshift Data API (--executor data_api): no driver connection")
        api_status = run_step(["--JOB_RUN_ID", "demo-data-api", *SCHEMA_ARGS, "--executor", "data_api"])
        print(f"exit status: {api_status}")
        banner("target tables now")
        show_counts(stack, TARGET_TABLES)
        banner("SQL step: build a mart from the migrated tables in one transaction")
        sql_statuses = run_sql_step()
        show_counts(stack, ["analytics.customer_totals"])
        show_mart(stack)
        banner("stopping the local stack")
    ok = (dry_status, csv_status, rerun_status, schema_status, api_status, *sql_statuses) == (1, 1, 0, 0, 0, 0, 0, 0)
    print("demo finished as expected" if ok else "demo did NOT finish as expected")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
