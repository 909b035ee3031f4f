"""RedshiftSqlStep on the real local stack: one transaction, rollback, exactly once per run id, retries, the
non-transactional rule, dry runs, and the entry points as subprocesses with Glue-style arguments; each through both
executors where the executor matters (the driver, and the Redshift Data API: the local API server, reached by
unmodified boto3). ``test_sql_data_api.py`` has what only the Data API does."""

from __future__ import annotations

import hashlib
import logging
import socket
import sys
from collections.abc import Callable, Mapping
from typing import Any, cast

import pytest

from glue_elt import RedshiftExecutor, RedshiftSqlStep
from glue_elt.errors import ConfigError, ExecutionError, UnreachableError
from glue_elt.redshift.auth.secrets import RedshiftCredentials
from glue_elt.redshift.driver.executor import connect_redshift
from glue_elt.redshift.executor import Executor
from glue_elt.steps.base import EXIT_CONFIG_ERROR
from glue_elt.steps.redshift_sql.outcomes import Status
from glue_elt.steps.redshift_sql.step import SqlResult
from local_stack import StackEndpoints
from tests.conftest import BUCKET, REPO_ROOT, Db, make_secret, read_json
from tests.integration.redshift_errors import fail_first_insert_with_1023
from tests.integration.test_entry_points import GLUE_RESERVED, launch
from tests.integration.test_reliability import LoseCommitAck

PutConfig = Callable[[str, str], str]
MODULE = "glue_elt.steps.redshift_sql"
GLUE_SCRIPT = str(REPO_ROOT / "glue_jobs" / "redshift_sql.py")
FAST_RETRIES = {"max_retries": 2, "retry_wait_seconds": 0.05}


def through(executor: str, secret: str, uri: str, **more: object) -> dict[str, object]:
    """The step's arguments for ``uri`` with ``--executor executor``."""
    return {"sql_path": uri, "secret_name": secret, "executor": executor, **more}


def run_sql(args: Mapping[str, object], **kwargs: Any) -> SqlResult:
    step = RedshiftSqlStep(args, **kwargs)
    try:
        return step.run()
    finally:
        step.close()


def build_script(target: str) -> str:
    return f"""-- build {target}.orders; a ';' in a comment does not split
CREATE TABLE {target}.orders (id int, region text, amount numeric(10,2));
INSERT INTO {target}.orders
SELECT g, CASE WHEN g % 2 = 0 THEN 'north;east' ELSE 'south' END, g * 1.5 FROM generate_series(1, 10) g;
/* raise the southern amounts */
UPDATE {target}.orders SET amount = amount * 2 WHERE region = 'south';
"""


def state_rows(db: Db, run_id: str) -> list[tuple[Any, ...]]:
    return db.rows(
        "SELECT row_key, target_table, load_type, rows_affected FROM glue_elt.migration_state "
        f"WHERE run_id = '{run_id}' ORDER BY committed_at, load_type"
    )


def table_exists(db: Db, name: str) -> bool:
    return db.rows(f"SELECT to_regclass('{name}') IS NOT NULL")[0][0] is True


def test_a_script_commits_together_and_a_rerun_with_the_same_run_id_skips_it(
    executor: str,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    target = schemas[1]
    text = build_script(target)
    uri = put_config(f"sql/{target}/build.sql", text)
    args = through(executor, cluster_secret, uri, JOB_RUN_ID=f"sql-{target}")
    result = run_sql({**args, "summary_output_path": f"s3://{BUCKET}/sql/{target}/runs/"})
    created = None if executor == "driver" else 0  # the local Data API reports ResultRows 0 for DDL
    assert result.status == "committed" and [o.rows for o in result.outcomes] == [created, 10, 5]
    assert db.rows(f"SELECT count(*), sum(amount) FROM {target}.orders") == [(10, 120)]
    key = hashlib.sha256(text.encode()).hexdigest()
    assert state_rows(db, f"sql-{target}") == [(key, uri, "sql", 3)]
    summary = read_json(f"s3://{BUCKET}/sql/{target}/runs/sql-{target}/summary.json")
    assert summary["status"] == "committed" and summary["error"] is None
    assert [(s["number"], s["line"], s["first_line"], s["status"], s["rows"]) for s in summary["statements"]] == [
        (1, 2, f"CREATE TABLE {target}.orders (id int, region text, amount numeric(10,2))", "succeeded", created),
        (2, 3, f"INSERT INTO {target}.orders …", "succeeded", 10),
        (3, 6, f"UPDATE {target}.orders SET amount = amount * 2 WHERE region = 'south'", "succeeded", 5),
    ]
    assert f"statement 2/3 (line 3: INSERT INTO {target}.orders …): 10 row(s) in" in caplog.text
    query_ids = [s["query_id"] for s in summary["statements"]]
    if executor == "data_api":  # each statement's RedshiftQueryId, in the summary and the log
        assert all(isinstance(q, int) and q > 0 for q in query_ids) and len(set(query_ids)) == 3
        assert f"s (query {query_ids[1]})" in caplog.text
    else:
        assert query_ids == [None, None, None]

    caplog.clear()
    again = run_sql(args)
    assert again.status == "skipped" and {o.status for o in again.outcomes} == {Status.SKIPPED}
    assert f"run sql-{target}: {uri}: already committed by this run id (3 statement(s)); skipped" in caplog.text
    assert db.count(f"{target}.orders") == 10 and len(state_rows(db, f"sql-{target}")) == 1


def test_a_failing_third_statement_rolls_everything_back_and_is_named_with_its_sqlstate(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """The driver gives the SQLSTATE; the Data API gives the server's message only (``redshift.data_api.errors``)."""
    target = schemas[1]
    text = build_script(target).replace("amount * 2 WHERE", "amount / 0 WHERE")
    uri = put_config(f"sql/{target}/bad.sql", text)
    summary = f"s3://{BUCKET}/sql/{target}/bad-summary.json"
    args = through(executor, cluster_secret, uri, JOB_RUN_ID=f"bad-{target}", summary_output_path=summary)
    with pytest.raises(ExecutionError) as raised:
        run_sql(args)
    message = "division by zero [SQLSTATE 22012]" if executor == "driver" else "division by zero"
    assert raised.value.sqlstate == ("22012" if executor == "driver" else None)
    assert str(raised.value) == (
        f"statement 3 (line 6: UPDATE {target}.orders SET amount = amount / 0 WHERE region = 'south') failed: "
        f"{message}; the script was rolled back, nothing committed"
    )
    assert not table_exists(db, f"{target}.orders") and state_rows(db, f"bad-{target}") == []
    document = read_json(summary)
    assert document["status"] == "failed" and document["error"] == str(raised.value)
    assert [s["status"] for s in document["statements"]] == ["rolled back", "rolled back", "failed"]
    assert document["statements"][2]["error"] == message


def test_a_transient_error_retries_the_whole_transaction_and_the_script_runs_once(
    executor: str,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A trigger raises Redshift's error 1023 payload on the first attempt only (a sequence counts attempts
    across rollbacks): the step rolls back, looks the script up, and runs it all again (through the Data API, as a
    new batch: the failed one moved the script to its next ClientToken)."""
    target = schemas[1]
    db.as_etl(
        f"CREATE TABLE {target}.events (id int)",
        *fail_first_insert_with_1023(target, "events"),
    )
    text = f"CREATE TABLE {target}.log (n int);\nINSERT INTO {target}.log VALUES (1);\nINSERT INTO {target}.events VALUES (1), (2)"
    uri = put_config(f"sql/{target}/retry.sql", text)
    with caplog.at_level(logging.WARNING):
        result = run_sql(through(executor, cluster_secret, uri, **FAST_RETRIES))
    assert result.status == "committed"
    assert db.rows(f"SELECT last_value FROM {target}.attempts") == [(2,)]
    assert db.count(f"{target}.events") == 2 and db.count(f"{target}.log") == 1
    assert "transient error (statement 3 (line 3: INSERT INTO" in caplog.text
    detail = "" if executor == "driver" else "Detail: "  # the Data API's text of the server's message
    assert f"1023 ({detail}Serializable isolation violation" in caplog.text


def test_a_lost_commit_acknowledgement_is_found_by_the_retry_and_nothing_runs_twice(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    """The server commits the script, then the connection drops before the step hears back: the retry looks the
    script up in the state table, finds it and runs nothing again."""
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.events (id int)")
    uri = put_config(f"sql/{target}/ack.sql", f"INSERT INTO {target}.events VALUES (1), (2);\nSELECT 1")
    LoseCommitAck.fired = False

    def connector(credentials: RedshiftCredentials) -> Any:
        return LoseCommitAck(connect_redshift(credentials), f"{target}.events")

    args = {"sql_path": uri, "secret_name": etl_secret, "JOB_RUN_ID": f"ack-{target}", **FAST_RETRIES}
    executor = RedshiftExecutor(connector=connector)
    with caplog.at_level(logging.INFO):
        result = run_sql(args, executor=executor)
    executor.close()
    assert LoseCommitAck.fired and result.status == "skipped"
    assert db.count(f"{target}.events") == 2 and len(state_rows(db, f"ack-{target}")) == 1
    assert "connection reset by peer" in caplog.text and "committed the script after all" in caplog.text


def test_vacuum_is_refused_by_default_and_runs_in_autocommit_mode_which_resumes(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """Through the Data API each statement is a batch of its own in ``AUTO_COMMIT`` mode, under its own token."""
    target = schemas[1]
    text = (
        f"CREATE TABLE {target}.t (a int);\nINSERT INTO {target}.t VALUES (1), (2);\nVACUUM {target}.t;\n"
        f"INSERT INTO {target}.copy SELECT a FROM {target}.t"
    )
    uri = put_config(f"sql/{target}/vacuum.sql", text)
    args = through(executor, cluster_secret, uri, JOB_RUN_ID=f"vac-{target}")
    with pytest.raises(ConfigError) as refused:
        run_sql(args, executor=cast(Executor, None))
    assert f"statement 3 (line 3: VACUUM {target}.t) is VACUUM, which cannot run inside a transaction block" in str(
        refused.value
    )
    assert "--non_transactional autocommit" in str(refused.value) and not table_exists(db, f"{target}.t")

    args["non_transactional"] = "autocommit"
    with pytest.raises(ExecutionError) as failed:  # statement 4 needs a table that does not exist yet
        run_sql(args)
    assert f'relation "{target}.copy" does not exist' in str(failed.value)
    assert " (autocommit mode: statements 1 to 3 committed; " in str(failed.value)
    assert "a re-run with the same run id resumes at statement 4" in str(failed.value)
    assert db.count(f"{target}.t") == 2  # statements 1 to 3 committed on their own

    db.as_etl(f"CREATE TABLE {target}.copy (a int)")
    resumed = run_sql(args)
    assert [o.status for o in resumed.outcomes] == [Status.SKIPPED] * 3 + [Status.SUCCEEDED]
    assert db.count(f"{target}.t") == 2 and db.count(f"{target}.copy") == 2
    kinds = [row[2] for row in state_rows(db, f"vac-{target}")]
    assert sorted(kinds) == ["sql", *["sql statement"] * 4]
    assert run_sql(args).status == "skipped"


def test_refresh_materialized_view_is_refused_before_connecting_and_runs_in_autocommit_mode(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """On Redshift the refresh "runs as a transaction of its own" (materialized-view-refresh-sql-command.html);
    PostgreSQL would run it in the script's transaction, so only the step's rule refuses it here."""
    target = schemas[1]
    text = (
        f"CREATE TABLE {target}.base (a int);\nINSERT INTO {target}.base VALUES (1), (2);\n"
        f"CREATE MATERIALIZED VIEW {target}.mv AS SELECT count(*) AS n FROM {target}.base;\n"
        f"INSERT INTO {target}.base VALUES (3);\nREFRESH MATERIALIZED VIEW {target}.mv"
    )
    uri = put_config(f"sql/{target}/refresh.sql", text)
    refused = through(executor, "glue-elt/no-such-secret", uri)  # never read: refused before it
    with pytest.raises(SystemExit) as exited:
        RedshiftSqlStep(refused).start()
    assert exited.value.code == EXIT_CONFIG_ERROR and not table_exists(db, f"{target}.base")
    with pytest.raises(
        ConfigError, match=rf"statement 5 \(line 5: REFRESH MATERIALIZED VIEW {target}.mv\) is REFRESH "
    ):
        run_sql(refused)

    result = run_sql(through(executor, cluster_secret, uri, non_transactional="autocommit"))
    assert [o.status for o in result.outcomes] == [Status.SUCCEEDED] * 5
    assert db.rows(f"SELECT n FROM {target}.mv") == [(3,)]


def test_dry_run_writes_nothing_and_tells_apart_tables_the_script_creates(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.existing (a int)")
    text = build_script(target) + f"INSERT INTO {target}.existing SELECT 1;\nSELECT nope FROM {target}.existing"
    uri = put_config(f"sql/{target}/dry.sql", text)
    args = through(executor, cluster_secret, uri, dry_run="true", JOB_RUN_ID=f"dry-{target}")
    result = run_sql(args)
    missing = 'column "nope" does not exist' + (" [SQLSTATE 42703]" if executor == "driver" else "")
    assert [(o.status, o.note) for o in result.outcomes] == [
        (Status.NOT_CHECKED, "not checked (EXPLAIN does not accept this statement)"),
        (Status.NOT_CHECKED, f"not checked: uses {target}.orders, which the script creates first"),
        (Status.NOT_CHECKED, f"not checked: uses {target}.orders, which the script creates first"),
        (Status.CHECKED, None),
        (Status.FAILED, missing),
    ]
    assert result.status == "check failed" and RedshiftSqlStep(args).exit_code(result) == 1
    assert not table_exists(db, f"{target}.orders") and db.count(f"{target}.existing") == 0
    assert state_rows(db, f"dry-{target}") == []


def test_an_empty_script_is_a_config_error_before_connecting(
    etl_secret: str, put_config: PutConfig, endpoints: StackEndpoints
) -> None:
    uri = put_config("sql/empty.sql", "-- nothing to do yet;\n\n/* later */\n")
    with pytest.raises(ConfigError, match=r"SQL script .* has no statement, only comments: nothing to run"):
        run_sql({"sql_path": uri, "secret_name": etl_secret}, executor=cast(Executor, None))
    done = launch([sys.executable, "-m", MODULE, *GLUE_RESERVED, "--sql_path", uri, "--secret_name", "none"], endpoints)
    assert done.returncode == 2 and "has no statement, only comments" in done.stderr


def test_an_unreachable_cluster_exits_4(put_config: PutConfig, endpoints: StackEndpoints) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    secret = make_secret(endpoints, "glue-elt/sql-unreachable", port=port)
    uri = put_config("sql/unreachable.sql", "SELECT 1")
    args = ["--sql_path", uri, "--secret_name", secret, "--max_retries", "1", "--retry_wait_seconds", "0"]
    done = launch([sys.executable, "-m", MODULE, *args], endpoints)
    assert done.returncode == 4, done.stderr
    assert "RedshiftSqlStep failed: could not connect to 127.0.0.1:" in done.stderr
    with pytest.raises(UnreachableError):
        run_sql({"sql_path": uri, "secret_name": secret, "max_retries": 0})


def test_entry_points_with_glue_style_arguments(
    executor: str,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    endpoints: StackEndpoints,
) -> None:
    target = schemas[1]
    uri = put_config(f"sql/{target}/entry.sql", build_script(target))
    args = ["--sql_path", uri, f"--secret_name={cluster_secret}", "--executor", executor]
    done = launch([sys.executable, "-m", MODULE, *GLUE_RESERVED, *args], endpoints)
    assert done.returncode == 0, done.stderr
    assert f"run jr_entry: {uri}: committed: 3 statement(s), 15 row(s) in" in done.stderr
    assert db.count(f"{target}.orders") == 10

    glue = launch([sys.executable, GLUE_SCRIPT, *GLUE_RESERVED, *args], endpoints, glue=True)
    assert glue.returncode == 0, glue.stderr
    assert "already committed by this run id (3 statement(s)); skipped" in glue.stderr

    bad = put_config(
        f"sql/{target}/entry-bad.sql", f"CREATE USER bob PASSWORD 'Sekret-9x';\nSELECT 1 FROM {target}.nope"
    )
    bad_args = ["--sql_path", bad, "--secret_name", cluster_secret, "--executor", executor]
    failed = launch([sys.executable, GLUE_SCRIPT, *bad_args], endpoints, glue=True)
    assert failed.returncode == 1
    assert "statement 1 (line 1: CREATE USER bob PASSWORD '***') failed: permission denied" in failed.stderr
    assert "Sekret-9x" not in failed.stderr + failed.stdout

    assert launch([sys.executable, "-m", MODULE, "--help"], endpoints).stdout.count("--non_transactional") == 1


def test_the_commit_lock_is_created_beside_an_existing_state_table_or_its_absence_explained(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """A state table created before the commit lock existed: the SQL step creates ``<state table>_lock`` beside it
    when it may, and says what it needs when it may not, before the script commits anything."""
    target = schemas[1]
    ops = f"ops_{target}"
    db.admin(
        f"CREATE SCHEMA {ops}",
        f"GRANT USAGE ON SCHEMA {ops} TO etl_user",
        f"CREATE TABLE {ops}.state (run_id VARCHAR(256) NOT NULL, row_key CHAR(64) NOT NULL, "
        "target_table VARCHAR(1024) NOT NULL, load_type VARCHAR(32) NOT NULL, rows_affected BIGINT, "
        "committed_at TIMESTAMP NOT NULL)",
        f"GRANT SELECT, INSERT ON {ops}.state TO etl_user",
    )
    db.as_etl(f"CREATE TABLE {target}.log (id int)")
    uri = put_config(f"sql/{target}/lock.sql", f"INSERT INTO {target}.log VALUES (1);\n")
    args = through(executor, cluster_secret, uri, JOB_RUN_ID=f"lock-{target}", state_table=f"{ops}.state")
    with pytest.raises(ExecutionError) as raised:
        run_sql(args)
    assert f'the SQL step\'s commit lock could not be created (CREATE TABLE IF NOT EXISTS "{ops}"."state_lock"' in str(
        raised.value
    )
    assert "permission denied for schema" in str(raised.value) and db.count(f"{target}.log") == 0
    db.admin(f"CREATE TABLE {ops}.state_lock (locked CHAR(1))", f"GRANT UPDATE ON {ops}.state_lock TO etl_user")
    assert run_sql(args).status == "committed"
    assert db.count(f"{target}.log") == 1 and db.count(f"{ops}.state") == 1
