"""Fixtures of the tests on the local stack (``tests/integration``, ``tests/boundary``): one local stack (PostgreSQL
behind PgBouncer, moto) per test session, shared by both folders."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest

from glue_elt import MigrationResult, RedshiftCrossAccountDataMigration
from glue_elt.redshift.state import TEXT_COLUMNS, StateTable
from local_stack import LocalStack, StackEndpoints
from local_stack.endpoints import LOCAL_CLUSTER_ID

BUCKET = "glue-elt-it"
_counter = itertools.count(1)


class Db:
    """SQL helpers on the local cluster: admin statements, ETL-user DDL, and result checks."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def admin(self, *statements: str) -> None:
        self.stack.run_as_admin(*statements)

    def as_etl(self, *statements: str) -> None:
        self.stack.run_as_etl(*statements)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with contextlib.closing(self.stack.admin_connect()) as conn:
            cursor = conn.cursor()
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()]

    def count(self, table: str) -> int:
        return int(self.rows(f"SELECT count(*) FROM {table}")[0][0])


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The running stack; boto3 in this process is pointed at its moto server meanwhile."""
    local = LocalStack(tmp_path_factory.mktemp("stack"))
    local.start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in local.endpoints.aws_env().items():
                patch.setenv(key, value)
            patch.delenv("AWS_PROFILE", raising=False)
            boto3.client("s3").create_bucket(Bucket=BUCKET)
            yield local
    finally:
        local.stop(remove_state=True)


@pytest.fixture(scope="session")
def endpoints(stack: LocalStack) -> StackEndpoints:
    return stack.endpoints


STACK_TESTS = frozenset({"integration", "boundary"})
"""The folders of the tests that run on the local stack (``tests/unit`` and the top-level tests do not)."""


@pytest.fixture(autouse=True)
def _no_password_in_logs(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture glue_elt's logs down to DEBUG in every integration and boundary test and scan them for passwords."""
    if STACK_TESTS.isdisjoint(Path(str(request.node.fspath)).relative_to(Path(__file__).parent).parts[:1]):
        yield
        return
    caplog.set_level(logging.DEBUG, logger="glue_elt")
    yield
    if "stack" in request.fixturenames:
        ep: StackEndpoints = request.getfixturevalue("stack").endpoints
        for password in (ep.etl_password, ep.admin_password):
            assert password not in caplog.text, "a password reached the logs"


@pytest.fixture(scope="session")
def db(stack: LocalStack) -> Db:
    return Db(stack)


@pytest.fixture
def names() -> tuple[str, str]:
    """A fresh (source_schema, target_schema) pair for one test."""
    number = next(_counter)
    return f"src_{number}", f"tgt_{number}"


@pytest.fixture
def schemas(stack: LocalStack, names: tuple[str, str]) -> tuple[str, str]:
    """Create the test's source schema (read-only for the ETL user) and target schema (its own)."""
    source, target = names
    stack.create_source_schema(source)
    stack.create_target_schema(target)
    return source, target


@pytest.fixture
def byte_checked_state_table(db: Db, schemas: tuple[str, str]) -> str:
    """A fresh state table in the test's target schema, created with the library's DDL plus, for each text column,
    ``CHECK (octet_length(column) <= n)``: Redshift's ``VARCHAR(n)``/``CHAR(n)`` hold n bytes of UTF-8, PostgreSQL's
    n characters (https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html), so with these a value the
    stand-in would accept but Redshift would refuse fails here too."""
    table = StateTable.parse(f"{schemas[1]}.migration_state")
    checks = [
        f"ALTER TABLE {table.name.sql()} ADD CONSTRAINT {column}_bytes CHECK (octet_length({column}) <= {limit})"
        for column, limit in TEXT_COLUMNS.items()
    ]
    db.as_etl(*table.create_statements(with_schema=False), *checks)
    return str(table)


@pytest.fixture(scope="session")
def etl_secret(endpoints: StackEndpoints) -> str:
    """A Secrets Manager secret (AWS's Redshift format) for the ETL user, through PgBouncer."""
    return make_secret(endpoints, "glue-elt/etl")


@pytest.fixture(scope="session")
def case_keeping_secret(endpoints: StackEndpoints) -> str:
    """A secret for the ETL user to PgBouncer itself, behind the front door: plain PostgreSQL, which keeps the case of
    quoted names (as Redshift does with ``enable_case_sensitive_identifier`` on) and has no Redshift-only answer."""
    return make_secret(endpoints, "glue-elt/etl-postgresql", port=endpoints.bouncer_port)


@pytest.fixture(scope="session")
def cluster_secret(endpoints: StackEndpoints) -> str:
    """A password secret that also names its cluster (AWS's ``dbClusterIdentifier``): the driver connects to its
    host, the Data API reaches the cluster by name and reads this secret by its ARN."""
    name = "glue-elt/etl-cluster"
    secret = endpoints.redshift_secret(dbClusterIdentifier=LOCAL_CLUSTER_ID)
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=secret)
    return name


def run_step(args: Mapping[str, object], **kwargs: Any) -> MigrationResult:
    """Run the migration step in-process and close its connections."""
    step = RedshiftCrossAccountDataMigration(args, **kwargs)
    try:
        return step.run()
    finally:
        step.close()


def make_secret(endpoints: StackEndpoints, name: str, **overrides: Any) -> str:
    """Create a secret named ``name`` (see ``StackEndpoints.redshift_secret``) and return the name."""
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=endpoints.redshift_secret(**overrides))
    return name


@pytest.fixture
def put_config() -> Callable[[str, str], str]:
    """Upload config text to S3 under ``key`` and return its s3:// URI."""

    def put(key: str, text: str) -> str:
        boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=text.encode("utf-8"))
        return f"s3://{BUCKET}/{key}"

    return put


def read_json(uri: str) -> Any:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def list_keys(prefix: str) -> list[str]:
    response = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [item["Key"] for item in response.get("Contents", [])]


REPO_ROOT = Path(__file__).resolve().parents[1]
