"""The SQL step without a cluster: parameters, checks before connecting, result lines, help, imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import pytest

from glue_elt.aws.s3 import S3Store, S3Uri
from glue_elt.core.param_fields import params_of
from glue_elt.core.param_source import resolve_plain
from glue_elt.errors import ConfigError
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.state import StateTable
from glue_elt.steps.redshift_sql.outcomes import Outcome, Status
from glue_elt.steps.redshift_sql.script import split_script
from glue_elt.steps.redshift_sql.settings import (
    STEP_PARAMETERS,
    NonTransactional,
    SqlSettings,
    check_transactional,
    decode_script,
    read_settings,
)
from glue_elt.steps.redshift_sql.step import RedshiftSqlStep, SqlResult, summary_document

ROOT = Path(__file__).resolve().parents[4]
REQUIRED = {"sql_path": "s3://b/k.sql", "secret_name": "sec"}


def settings(**given: str) -> Any:
    values = {**REQUIRED, **given}
    return read_settings(lambda name: values.get(name))


def test_defaults() -> None:
    read = settings()
    assert read.sql_path == S3Uri("b", "k.sql") and read.secret_name == "sec"
    assert read.non_transactional is NonTransactional.REFUSE and not read.autocommit
    assert (read.dry_run, read.max_retries, read.retry_wait_seconds) == (False, 3, 1.0)
    assert read.state_table == StateTable.parse("glue_elt.migration_state")
    assert (read.summary_output_path, read.assume_role_arn, read.run_id) == (None, None, None)


def test_every_parameter_is_read() -> None:
    read = settings(
        non_transactional="AUTOCOMMIT", dry_run="true", summary_output_path="s3://b/runs/", max_retries="5",
        retry_wait_seconds="0.5", state_table="ops.state", assume_role_arn="arn:aws:iam::1:role/r", JOB_RUN_ID="jr_1",
    )  # fmt: skip
    assert read.autocommit and read.dry_run and read.summary_output_path == "s3://b/runs/"
    assert (read.max_retries, read.retry_wait_seconds, str(read.state_table)) == (5, 0.5, "ops.state")
    assert (read.assume_role_arn, read.run_id) == ("arn:aws:iam::1:role/r", "jr_1")


def test_glue_style_argv() -> None:
    argv = ["script.py", "--JOB_ID", "j", "--JOB_RUN_ID", "jr_9", "--sql_path=s3://b/x.sql", "--secret_name", "s"]
    step = RedshiftSqlStep(argv, resolver=resolve_plain)
    assert step.settings.sql_path == S3Uri("b", "x.sql") and step.settings.run_id == "jr_9"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"sql_path": "", "secret_name": ""}, "missing required job parameter(s) --sql_path and --secret_name"),
        ({"secret_name": ""}, "missing required job parameter(s) --secret_name"),
        ({"sql_path": "/tmp/x.sql"}, "--sql_path must be an s3://bucket/key URI, got '/tmp/x.sql'"),
        ({"non_transactional": "ignore"}, "--non_transactional must be refuse or autocommit, got 'ignore'"),
        ({"dry_run": "maybe"}, "--dry_run must be true or false, got 'maybe'"),
        ({"max_retries": "99"}, "--max_retries must be between 0 and 20, got '99'"),
        ({"summary_output_path": "runs/"}, "--summary_output_path must be an s3://bucket/key URI"),
    ],
)
def test_unusable_parameters(given: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**given)
    assert str(raised.value).startswith(message)


def test_help_lists_every_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    RedshiftSqlStep(["prog", "--help"]).start()
    out = capsys.readouterr().out
    assert [p.name for p in STEP_PARAMETERS] == [
        "sql_path", "secret_name", "non_transactional", "dry_run", "summary_output_path", "executor", "query_group",
        "statement_timeout_seconds", "metrics_namespace", "JOB_NAME", "openlineage_url", "max_retries",
        "retry_wait_seconds", "state_table", "assume_role_arn", "run_id", "JOB_RUN_ID",
    ]  # fmt: skip
    for param in STEP_PARAMETERS:
        assert f"--{param.name}" in out


def test_refusal_names_each_statement_and_why() -> None:
    script = split_script("INSERT INTO t SELECT 1;\nVACUUM t;\nTRUNCATE\n  u;", "s3://b/k.sql")
    with pytest.raises(ConfigError) as raised:
        check_transactional(script, settings(), "s3://b/k.sql")
    assert str(raised.value) == (
        "SQL script s3://b/k.sql cannot run in one transaction: statement 2 (line 2: VACUUM t) is VACUUM, which "
        "cannot run inside a transaction block; statement 3 (line 3: TRUNCATE …) is TRUNCATE, which commits the "
        "transaction it runs in, so the script could not roll back. Nothing ran. Run such statements with "
        "--non_transactional autocommit, best in a script of their own: each statement then commits on its own, in "
        "order, and the script is not atomic"
    )
    check_transactional(script, settings(non_transactional="autocommit"), "s3://b/k.sql")


def test_refresh_materialized_view_is_refused_with_why() -> None:
    script = split_script("INSERT INTO base SELECT 1;\nREFRESH MATERIALIZED VIEW mv", "s")
    with pytest.raises(ConfigError) as raised:
        check_transactional(script, settings(), "s")
    assert (
        "statement 2 (line 2: REFRESH MATERIALIZED VIEW mv) is REFRESH MATERIALIZED VIEW, which runs as a transaction "
        "of its own (an incremental refresh does not see the script's uncommitted changes). Nothing ran."
    ) in str(raised.value)
    check_transactional(script, settings(non_transactional="autocommit"), "s")


def test_transaction_control_is_refused_in_both_modes() -> None:
    script = split_script("BEGIN; INSERT INTO t SELECT 1; COMMIT", "s")
    for mode in ("refuse", "autocommit"):
        with pytest.raises(ConfigError, match=r"statement 1 \(line 1: BEGIN\) is BEGIN, which controls transactions"):
            check_transactional(script, settings(non_transactional=mode), "s")


def test_a_mix_gets_both_pieces_of_advice() -> None:
    script = split_script("BEGIN; VACUUM; COMMIT", "s")
    with pytest.raises(ConfigError) as raised:
        check_transactional(script, settings(), "s")
    message = str(raised.value)
    assert message.startswith("SQL script s cannot run in one transaction: statement 1 (line 1: BEGIN) is BEGIN")
    assert "statement 3 (line 1: COMMIT) is COMMIT" in message
    assert "--non_transactional autocommit" in message and message.endswith(
        "Remove transaction control: the step commits the script (or, in autocommit mode, each statement)"
    )


def test_decode_script() -> None:
    assert decode_script("\ufeffSELECT 'é'".encode(), "s") == "SELECT 'é'"
    with pytest.raises(ConfigError, match=r"SQL script s3://b/k.sql is not UTF-8 text \(byte 8 cannot be read\)"):
        decode_script(b"SELECT '\xff'", "s3://b/k.sql")


class FakeS3:
    def __init__(self, text: str) -> None:
        self.data = text.encode()

    def read_bytes(self, uri: S3Uri, *, what: str) -> bytes:
        return self.data


class NoExecutor:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"connected: executor.{name}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-- nothing here;\n", "SQL script s3://b/k.sql has no statement, only comments: nothing to run"),
        ("", "SQL script s3://b/k.sql is empty: nothing to run"),
        ("SELECT 'open", "SQL script s3://b/k.sql cannot be split into statements: the ' opened on line 1"),
        ("VACUUM", "SQL script s3://b/k.sql cannot run in one transaction: statement 1 (line 1: VACUUM) is VACUUM"),
    ],
)
def test_script_problems_stop_the_run_before_connecting(text: str, message: str) -> None:
    step = RedshiftSqlStep(REQUIRED, executor=cast(Executor, NoExecutor()), s3=cast(S3Store, FakeS3(text)))
    with pytest.raises(ConfigError) as raised:
        step.run()
    assert str(raised.value).startswith(message)


def result(status: str, statuses: list[Status], *, dry_run: bool = False, autocommit: bool = False) -> SqlResult:
    statements = split_script("; ".join(f"SELECT {n}" for n in range(len(statuses))), "s").statements
    outcomes = tuple(Outcome(s, status, 2, 0.5) for s, status in zip(statements, statuses))
    return SqlResult("jr_1", "s3://b/k.sql", dry_run, autocommit, status, outcomes, 1.234)


def test_summary_lines() -> None:
    ok = Status.SUCCEEDED
    assert result("committed", [ok, ok]).summary_line() == (
        "run jr_1: s3://b/k.sql: committed: 2 statement(s), 4 row(s) in 1.23 s"
    )
    assert result("skipped", [Status.SKIPPED] * 2).summary_line() == (
        "run jr_1: s3://b/k.sql: already committed by this run id (2 statement(s)); skipped"
    )
    assert result("failed", [Status.ROLLED_BACK, Status.FAILED, Status.NOT_RUN]).summary_line() == (
        "run jr_1: s3://b/k.sql: FAILED at statement 2 of 3; rolled back, nothing committed (1.23 s)"
    )
    assert result("failed", [ok, Status.FAILED], autocommit=True).summary_line() == (
        "run jr_1: s3://b/k.sql: FAILED at statement 2 of 2 (autocommit, statement by statement); statements before "
        "it stay committed (1.23 s)"
    )
    checks = [Status.CHECKED, Status.NOT_CHECKED, Status.FAILED]
    assert result("check failed", checks, dry_run=True).summary_line() == (
        "run jr_1 (dry run): s3://b/k.sql: 3 statement(s): 1 checked, 1 not checked, 1 failed; nothing written"
    )


def test_summary_document() -> None:
    now = datetime(2026, 1, 2, tzinfo=timezone.utc)
    document = summary_document(result("committed", [Status.SUCCEEDED]), now, now)
    assert document["statements"] == [
        {"number": 1, "line": 1, "first_line": "SELECT 0", "status": "succeeded", "rows": 2, "seconds": 0.5,
         "query_id": None, "error": None, "note": None}
    ]  # fmt: skip
    assert {k: document[k] for k in ("run_id", "sql_path", "status", "error", "non_transactional")} == {
        "run_id": "jr_1", "sql_path": "s3://b/k.sql", "status": "committed", "error": None, "non_transactional": "refuse"
    }  # fmt: skip


def test_the_step_imports_nothing_from_the_migration_package() -> None:
    code = "import sys, glue_elt.steps.redshift_sql.step; print(sorted(m for m in sys.modules if m.startswith('glue_elt')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = ast.literal_eval(done.stdout.strip())
    assert "glue_elt.steps.redshift_sql.step" in loaded
    assert not [m for m in loaded if m.startswith("glue_elt.steps.redshift_cross_account_migration")]


def test_every_parameter_the_settings_declare_is_listed_once() -> None:
    names = [p.name for p in STEP_PARAMETERS]
    assert len(set(names)) == len(names)
    assert set(params_of(SqlSettings)) <= set(STEP_PARAMETERS)
