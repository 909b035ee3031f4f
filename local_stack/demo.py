"""``make demo``: run the migration step on the local stack exactly as a Glue job would.

Starts the stack, seeds a data-share-like source and an empty target, uploads a config file and a
secret (``local_stack.playground``, which ``make stack`` leaves running), then runs
``python -m glue_elt.steps.redshift_cross_account_migration``: a dry run, the config file for real (one row is
broken on purpose, to show the error file), the error file again once the cause is fixed, and schema mode. It
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
    TARGET_TABLES,
    seed,
)
from local_stack.stack import LocalStack

GLUE_ARGS = ["--JOB_ID", "j_demo", "--job-bookmark-option", "job-bookmark-disable", "--TempDir", f"s3://{BUCKET}/temp/"]


def banner(text: str) -> None:
    print(f"\n=== {text} ===", flush=True)


def run_step(args: list[str]) -> int:
    command = [sys.executable, "-m", MODULE, *GLUE_ARGS, *args]
    print("$ python -m " + " ".join([MODULE, *GLUE_ARGS, *args]), flush=True)
    return subprocess.run(command, env=os.environ.copy(), check=False).returncode


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
        print(f"PgBouncer 127.0.0.1:{stack.endpoints.bouncer_port} -> PostgreSQL, moto {stack.endpoints.moto_url}")
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
        banner("target tables now")
        show_counts(stack, TARGET_TABLES)
        banner("stopping the local stack")
    ok = (dry_status, csv_status, rerun_status, schema_status) == (1, 1, 0, 0)
    print("demo finished as expected" if ok else "demo did NOT finish as expected")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
