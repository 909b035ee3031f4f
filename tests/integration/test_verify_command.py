"""``glue-elt verify`` on the local stack (issue 30, item 2), as a user runs it (the console script, a subprocess) and
in-process (``--verify_only true`` of the migration step), with both executors: after a schema migration every table
is equal (exit 0); after one row of one target is deleted and another doubled (its count unchanged) that table alone
differs (exit 1), and the report narrows it down to ranges holding those rows; the server's statement log shows that
nothing was written."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from glue_elt import RowStatus
from glue_elt.steps.base import EXIT_CONFIG_ERROR, EXIT_OK, EXIT_ROWS_FAILED
from local_stack import LocalStack
from local_stack.statement_log import StatementLog
from tests.conftest import BUCKET, Db, read_json, run_step

pytestmark = pytest.mark.integration
GLUE_ELT = Path(sys.executable).parent / "glue-elt"
EXECUTORS = ["driver", "data_api"]
READS = {"SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SET", "RESET", "SHOW"}
"""What a read-only run may send: queries, the driver's transaction words around them, and session settings."""
DELETED, DOUBLED = 137, 842


@pytest.fixture
def migrated(db: Db, schemas: tuple[str, str], cluster_secret: str) -> Iterator[dict[str, Any]]:
    """Three tables migrated in schema mode; the arguments that name them (with ``--chunk_column id``)."""
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.orders (id int, amount numeric(12,2), placed timestamp, note varchar(20))",
        f"INSERT INTO {source}.orders SELECT g, g * 0.25, TIMESTAMP '2024-01-01' + g * INTERVAL '1 hour', "
        f"CASE WHEN g % 7 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, 1000) g",
        f"CREATE TABLE {source}.customers (id bigint, name varchar(30))",
        f"INSERT INTO {source}.customers SELECT g, 'c' || g FROM generate_series(1, 50) g",
        f"CREATE TABLE {source}.notes (label varchar(10), body varchar(40))",
        f"INSERT INTO {source}.notes VALUES ('a', 'x'), ('b', NULL), ('', '')",
    )
    db.as_etl(
        f"CREATE TABLE {target}.orders (id int, amount numeric(12,2), placed timestamp, note varchar(20))",
        f"CREATE TABLE {target}.customers (id bigint, name varchar(30))",
        f"CREATE TABLE {target}.notes (label varchar(10), body varchar(40))",
    )
    args: dict[str, Any] = {"source_schema": f"shared_db.{source}", "target_schema": target,
                            "secret_name": cluster_secret, "chunk_column": "id"}  # fmt: skip
    result = run_step({**args, "max_retries": 0})
    assert result.ok and result.succeeded == 3, [o.error for o in result.outcomes]
    yield args


def tamper(db: Db, target: str) -> None:
    """One row of ``orders`` deleted, another doubled: the count stays 1,000."""
    db.as_etl(
        f"DELETE FROM {target}.orders WHERE id = {DELETED}",
        f"INSERT INTO {target}.orders SELECT * FROM {target}.orders WHERE id = {DOUBLED}",
    )
    assert db.count(f"{target}.orders") == 1000


def glue_elt(stack: LocalStack, *args: str, command: str = "verify") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **stack.endpoints.aws_env()}
    env.pop("PYTHONPATH", None)
    return subprocess.run([str(GLUE_ELT), command, *args], env=env, capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip


def argv(args: dict[str, Any], **more: str) -> list[str]:
    return [word for name, value in {**args, **more}.items() for word in (f"--{name}", str(value))]


def assert_read_only(log: StatementLog) -> None:
    sent = [statement.text.strip().split(None, 1)[0].upper() for statement in log.statements]
    assert sent and set(sent) <= READS, log.texts()
    assert not [s for s in log.texts() if "LOCK" in s.upper() or "TEMP" in s.upper()], log.texts()


@pytest.mark.parametrize("executor", EXECUTORS)
def test_glue_elt_verify_finds_every_table_equal_then_names_the_one_that_differs(
    executor: str, stack: LocalStack, db: Db, schemas: tuple[str, str], migrated: dict[str, Any]
) -> None:
    target = schemas[1]
    report = f"s3://{BUCKET}/{target}/verify-{executor}.json"
    state_tables = db.rows("SELECT count(*) FROM pg_tables")
    with stack.statement_log() as log:
        done = glue_elt(stack, *argv(migrated, executor=executor, summary_output_path=report))
    assert done.returncode == EXIT_OK, done.stderr
    for table in ("customers", "notes", "orders"):
        assert f"{target}.{table}: equal (" in done.stderr
    assert "3 table(s) equal, 0 different, 0 not verified; read-only, nothing written on the cluster" in done.stderr
    assert_read_only(log)
    assert read_json(report)["equal"] is True

    tamper(db, target)
    with stack.statement_log() as log:
        done = glue_elt(stack, *argv(migrated, executor=executor, summary_output_path=report))
    assert done.returncode == EXIT_ROWS_FAILED, done.stderr
    assert f"{target}.orders: DIFFERS in checksum (source 1,000 row(s), target 1,000;" in done.stderr
    assert f"{target}.customers: equal (" in done.stderr and f"{target}.notes: equal (" in done.stderr
    assert "2 table(s) equal, 1 different, 0 not verified" in done.stderr
    assert_read_only(log)
    assert db.rows("SELECT count(*) FROM pg_tables") == state_tables  # no state, plan or temporary table made

    document = read_json(report)
    (orders,) = [entry for entry in document["tables"] if entry["status"] != "equal"]
    assert orders["target_table"] == f"{target}.orders" and orders["differs_in"] == ["checksum"]
    bisection = orders["bisection"]
    assert bisection["column"] == "id" and bisection["settled"] and bisection["queries"] <= 20
    found = [(r["range"], r["source"]["rows"], r["target"]["rows"]) for r in bisection["ranges"]]
    assert found == [(f"id = {DELETED}", 1, 0), (f"id = {DOUBLED}", 1, 2)]


@pytest.mark.parametrize("executor", EXECUTORS)
def test_verify_only_in_process_gives_each_tables_verdict_and_a_table_without_a_usable_column_its_figures_only(
    executor: str, stack: LocalStack, db: Db, schemas: tuple[str, str], migrated: dict[str, Any]
) -> None:
    target = schemas[1]
    db.as_etl(f"UPDATE {target}.notes SET body = 'y' WHERE label = 'a'")
    tamper(db, target)
    errors = f"s3://{BUCKET}/{target}/verify-errors-{executor}.json"
    with stack.statement_log() as log:
        result = run_step({**migrated, "executor": executor, "verify_only": "true", "error_output_path": errors})
    assert_read_only(log)
    assert [(o.row.target_table, o.status) for o in result.outcomes] == [
        (f"{target}.customers", RowStatus.SUCCEEDED), (f"{target}.notes", RowStatus.FAILED),
        (f"{target}.orders", RowStatus.FAILED),
    ]  # fmt: skip
    notes = result.outcomes[1].error or ""
    assert notes.startswith("DIFFERS in checksum (source 3 row(s), target 3;") and "no range narrowed down" in notes
    assert result.verification is not None and result.verification[2].narrowed is not None
    assert [row["target_table"] for row in read_json(errors)] == [f"{target}.notes", f"{target}.orders"]


def test_verify_refuses_a_dry_run_and_verify_only_false_and_is_migrate_with_verify_only(
    stack: LocalStack, migrated: dict[str, Any]
) -> None:
    dry = glue_elt(stack, *argv(migrated, dry_run="true"))
    assert dry.returncode == EXIT_CONFIG_ERROR
    assert "--verify_only true and --dry_run true cannot be combined" in dry.stderr
    off = glue_elt(stack, *argv(migrated, verify_only="false"))
    assert off.returncode == EXIT_CONFIG_ERROR and "--verify_only false is glue-elt migrate" in off.stderr
    migrate = glue_elt(stack, *argv(migrated, verify_only="true", dry_run="true"), command="migrate")
    assert migrate.returncode == EXIT_CONFIG_ERROR  # glue-elt migrate --verify_only true is glue-elt verify
    assert "--verify_only true and --dry_run true cannot be combined" in migrate.stderr
    same = glue_elt(stack, *argv(migrated, verify_only="true"), command="migrate")
    assert same.returncode == EXIT_OK and "3 table(s) equal, 0 different, 0 not verified" in same.stderr


CONFIG_HEADER = "#".join(
    ("source_table", "source_columns", "source_filter", "target_table", "secret_name", "load_type", "merge_keys",
     "watermark_column", "target_columns", "chunk_column")
)  # fmt: skip


@pytest.mark.parametrize("executor", EXECUTORS)
def test_config_rows_are_compared_through_their_filter_renamed_columns_and_casts(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: Callable[[str, str], str]
) -> None:
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.events (event_id int, kind varchar(10), at date, extra int)",
        f"INSERT INTO {source}.events SELECT g, CASE WHEN g % 2 = 0 THEN 'even' ELSE 'odd' END, "
        f"DATE '2024-01-01' + g, g FROM generate_series(1, 500) g",
    )
    db.as_etl(f"CREATE TABLE {target}.ev (id bigint, label varchar(12), day timestamp, note text)")
    renamed = f"shared_db.{source}.events#event_id, kind, at#event_id > 100#{target}.ev#{cluster_secret}#overwrite" \
              f"###id, label, day#event_id"  # fmt: skip
    missing = f"shared_db.{source}.events###{target}.missing#{cluster_secret}#append####"
    load = put_config(f"{target}/verify-load-{executor}.csv", f"{CONFIG_HEADER}\n{renamed}\n")
    assert run_step({"config_path": load, "executor": executor}).ok
    both = put_config(f"{target}/verify-{executor}.csv", f"{CONFIG_HEADER}\n{renamed}\n{missing}\n")
    equal = run_step({"config_path": both, "executor": executor, "verify_only": "true"}).outcomes
    assert [o.status for o in equal] == [RowStatus.SUCCEEDED, RowStatus.FAILED]
    assert (equal[1].error or "").startswith(f"NOT VERIFIED: target table {target}.missing does not exist")

    db.as_etl(f"UPDATE {target}.ev SET label = 'changed' WHERE id = 321", f"UPDATE {target}.ev SET note = 'x'")
    changed = run_step({"config_path": both, "executor": executor, "verify_only": "true"}).outcomes[0]
    assert changed.status is RowStatus.FAILED  # the value changed, not the column the load leaves alone
    assert (changed.error or "").startswith("DIFFERS in checksum (source 400 row(s), target 400;")
    assert "1 differing range(s) of id found in" in (changed.error or "") and "id = 321 (source 1, target 1)" in (
        changed.error or ""
    )
