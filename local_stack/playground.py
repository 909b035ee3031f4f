"""The demo's data on a local stack: what ``make demo`` runs on and ``make stack`` leaves to play with.

Source schemas ``schema`` and ``sales`` belong to another role (the "producer"; the migration user may only read
them, as from a data-share), target schemas ``analytics`` and ``sales_mart`` to the migration user; a Secrets
Manager secret for the migration user and an S3 bucket holding a config file and a SQL script (a small mart built
from the migrated tables, for the SQL step).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3

from local_stack.endpoints import LOCAL_CLUSTER_ID
from local_stack.stack import LocalStack

BUCKET = "glue-elt-demo"
SECRET = "redshift-secret"
MODULE = "glue_elt.steps.redshift_cross_account_migration"
SQL_MODULE = "glue_elt.steps.redshift_sql"
CONFIG_KEY = "config/migration.csv"
CONFIG_URI = f"s3://{BUCKET}/{CONFIG_KEY}"
ERRORS_URI = f"s3://{BUCKET}/errors/"
SOURCE_SCHEMAS = ("schema", "sales")
TARGET_SCHEMAS = ("analytics", "sales_mart")
CONFIG = f"""source_table#source_columns#source_filter#target_table#secret_name#load_type
shared_db.schema.orders##date >= '2023-01-01'#analytics.orders#{SECRET}#append
shared_db.schema.customers#id,name##analytics.customers#{SECRET}#overwrite
shared_db.schema.returns###analytics.orders#{SECRET}#append
"""
"""The config file: its third row reads ``schema.returns``, which exists only after ``RETURNS_SQL`` (the demo runs
without it first, to show a failed row and the error file)."""
SOURCE_SQL = [
    "CREATE TABLE schema.orders (id int, customer_id int, amount numeric(10,2), date date)",
    "INSERT INTO schema.orders SELECT g, g % 50, g * 0.75, DATE '2022-07-01' + (g % 730) "
    "FROM generate_series(1, 5000) g",
    "CREATE TABLE schema.customers (id int, name text, email text)",
    "INSERT INTO schema.customers SELECT g, 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 50) g",
    "CREATE TABLE sales.regions (id int, name text)",
    "INSERT INTO sales.regions VALUES (1, 'north'), (2, 'south'), (3, 'east'), (4, 'west')",
    "CREATE TABLE sales.targets (region_id int, year int, amount numeric(12,2))",
    "INSERT INTO sales.targets SELECT r, y, r * y FROM generate_series(1, 4) r, generate_series(2022, 2025) y",
]
RETURNS_SQL = [
    "CREATE TABLE schema.returns (id int, customer_id int, amount numeric(10,2), date date)",
    "INSERT INTO schema.returns SELECT 100000 + g, g % 50, -g * 0.75, DATE '2024-06-01' FROM generate_series(1, 25) g",
]
TARGET_SQL = [
    "CREATE TABLE analytics.orders (date date, id int, amount numeric(10,2), customer_id int)",
    "CREATE TABLE analytics.customers (id int, name text, email text)",
    "INSERT INTO analytics.customers VALUES (0, 'stale row, replaced by overwrite', NULL)",
    "CREATE TABLE sales_mart.regions (id int, name text)",
    "CREATE TABLE sales_mart.targets (region_id int, year int, amount numeric(12,2))",
]
TARGET_TABLES = ["analytics.orders", "analytics.customers", "sales_mart.regions", "sales_mart.targets"]
SQL_KEY = "sql/customer_totals.sql"
SQL_URI = f"s3://{BUCKET}/{SQL_KEY}"
SQL_SCRIPT = """-- a small mart from the migrated tables; every statement commits together or none does
CREATE TABLE analytics.customer_totals (customer_id int, name text, orders int, amount numeric(12,2));
INSERT INTO analytics.customer_totals
SELECT c.id, c.name, count(o.id), coalesce(sum(o.amount), 0)
  FROM analytics.customers c LEFT JOIN analytics.orders o ON o.customer_id = c.id
 GROUP BY c.id, c.name;
/* a ';' in a comment or a 'string;' does not split a statement */
UPDATE analytics.customer_totals SET name = name || ' (no orders; yet)' WHERE orders = 0;
"""
"""The SQL step's script: it creates its table, so it runs once (a later run id fails: the table exists)."""
CONFIG_ARGS = ["--config_path", CONFIG_URI, "--error_output_path", ERRORS_URI]
"""Config file mode on the playground."""
SCHEMA_ARGS = ["--source_schema", "shared_db.sales", "--target_schema", "sales_mart", "--secret_name", SECRET,
               "--load_type", "overwrite"]  # fmt: skip
"""Schema mode on the playground: every table of ``sales_mart`` from ``shared_db.sales``."""
SQL_ARGS = ["--sql_path", SQL_URI, "--secret_name", SECRET, "--executor", "data_api"]
"""The SQL step on the playground, through the Redshift Data API (the stack's local API server)."""


def aws_client(stack: LocalStack, service: str) -> Any:
    """A boto3 client for ``service`` on the stack's moto server (whatever this process's environment says)."""
    env = stack.endpoints.aws_env()
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def seed(stack: LocalStack, *, with_returns: bool) -> None:
    """Create the schemas, tables, secret, bucket and config file on a fresh stack. ``with_returns`` creates the
    table the config's third row reads, so that every row of the config file succeeds."""
    for schema in SOURCE_SCHEMAS:
        stack.create_source_schema(schema)
    for schema in TARGET_SCHEMAS:
        stack.create_target_schema(schema)
    stack.run_as_admin(*SOURCE_SQL, *(RETURNS_SQL if with_returns else []))
    stack.run_as_etl(*TARGET_SQL)
    secret = stack.endpoints.redshift_secret(dbClusterIdentifier=LOCAL_CLUSTER_ID)  # names the cluster for the Data API
    aws_client(stack, "secretsmanager").create_secret(Name=SECRET, SecretString=secret)
    s3 = aws_client(stack, "s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=CONFIG_KEY, Body=CONFIG.encode())
    s3.put_object(Bucket=BUCKET, Key=SQL_KEY, Body=SQL_SCRIPT.encode())


@dataclass(frozen=True)
class Commands:
    """Shell commands that run the step on the playground of a stack started with ``python -m local_stack up``."""

    env_file: str
    """The stack's ``env`` file, as the shell should name it."""
    python: str
    """The Python with glue-elt installed."""
    console_script: str | None
    """The ``glue-elt`` command beside that Python, when installed."""

    def python_m(self, args: Sequence[str]) -> str:
        """``source env && python -m glue_elt.steps.redshift_cross_account_migration ARGS``."""
        return self._line([self.python, "-m", MODULE, *args])

    def glue_elt(self, args: Sequence[str]) -> str | None:
        """``source env && glue-elt migrate ARGS`` (``None`` without the console script)."""
        return None if self.console_script is None else self._line([self.console_script, "migrate", *args])

    def sql(self, args: Sequence[str]) -> str:
        """``source env && glue-elt sql ARGS``, or ``python -m glue_elt.steps.redshift_sql ARGS`` without the console
        script."""
        if self.console_script is None:
            return self._line([self.python, "-m", SQL_MODULE, *args])
        return self._line([self.console_script, "sql", *args])

    def _line(self, command: list[str]) -> str:
        return f"source {shlex.quote(self.env_file)} && {shlex.join(command)}"


def describe() -> str:
    """What the playground holds, in a few lines."""
    sources = ", ".join(f"shared_db.{name}" for name in SOURCE_SCHEMAS)
    return "\n".join(
        [
            f"source schemas {sources} (read-only for the migration user, as from a data-share)",
            f"target schemas {', '.join(TARGET_SCHEMAS)}: {', '.join(TARGET_TABLES)}",
            f"secret         {SECRET} (the migration user, through the front door)",
            f"config file    {CONFIG_URI}:",
            *("  " + line for line in CONFIG.splitlines()),
            f"SQL script     {SQL_URI} (builds analytics.customer_totals from the migrated tables)",
        ]
    )
