"""Exit statuses that tell a scheduler what to do: 2 = fix the parameters, 4 = the cluster or AWS could not be
reached (run again later), 1 = the database or the data refused a row."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import pytest

from glue_elt import RedshiftCrossAccountDataMigration, RedshiftSqlStep
from glue_elt.steps.base import EXIT_CONFIG_ERROR, EXIT_ROWS_FAILED, EXIT_UNREACHABLE
from local_stack import StackEndpoints
from tests.conftest import BUCKET, Db, list_keys, make_secret

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
PutConfig = Callable[[str, str], str]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def exit_status(args: dict[str, object]) -> int:
    with pytest.raises(SystemExit) as exited:
        RedshiftCrossAccountDataMigration({"max_retries": 1, "retry_wait_seconds": 0.01, **args}).start()
    return int(exited.value.code or 0)


@pytest.fixture(scope="module")
def dead_cluster_secret(endpoints: StackEndpoints) -> str:
    return make_secret(endpoints, "glue-elt/nobody-listens", port=closed_port())


def test_an_unreachable_cluster_in_schema_mode_exits_4(dead_cluster_secret: str) -> None:
    args = {"source_schema": "shared_db.sales", "target_schema": "sales", "secret_name": dead_cluster_secret}
    assert exit_status(args) == EXIT_UNREACHABLE


def test_rows_on_an_unreachable_cluster_exit_4(dead_cluster_secret: str, put_config: PutConfig) -> None:
    config = put_config("exit/dead.csv", f"{HEADER}\nshared_db.s.t###a.t#{dead_cluster_secret}#append\n")
    assert exit_status({"config_path": config}) == EXIT_UNREACHABLE


def test_a_refused_row_exits_1_and_bad_parameters_exit_2(etl_secret: str, put_config: PutConfig) -> None:
    config = put_config("exit/missing.csv", f"{HEADER}\nshared_db.s.missing###a.missing#{etl_secret}#append\n")
    assert exit_status({"config_path": config}) == EXIT_ROWS_FAILED
    assert exit_status({"config_path": config, "max_parallel": "0"}) == EXIT_CONFIG_ERROR


@pytest.fixture(scope="module")
def tls_secret(endpoints: StackEndpoints) -> str:
    """A secret asking for TLS of a server that has none (PgBouncer here): a set-up mistake, "Server refuses SSL"."""
    return make_secret(endpoints, "glue-elt/tls-refused", ssl=True)


def test_a_set_up_mistake_fails_the_row_at_once_with_exit_1(
    tls_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    """Tried once, not ``--max_retries`` more times, and not reported as "run again later" (exit 4)."""
    config = put_config("exit/tls.csv", f"{HEADER}\nshared_db.s.t###a.t#{tls_secret}#append\n")
    with caplog.at_level(logging.WARNING, logger="glue_elt"):
        assert exit_status({"config_path": config, "max_retries": 3}) == EXIT_ROWS_FAILED
    assert "Server refuses SSL" in caplog.text
    assert "transient error" not in caplog.text  # no retry was logged


def test_a_state_table_in_another_database_exits_2_with_the_same_message_in_both_steps(
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: PutConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The same mistake gets the same answer: exit status 2 and one message, before any row or statement runs."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t VALUES (1), (2)")
    db.as_etl(f"CREATE TABLE {target}.t (id int)")
    config = put_config(f"{target}/state.csv", f"{HEADER}\nshared_db.{source}.t###{target}.t#{etl_secret}#append\n")
    script = put_config(f"{target}/state.sql", f"INSERT INTO {target}.t VALUES (3);\n")
    state, errors = "otherdb.ops.state", f"s3://{BUCKET}/{target}/errors/"
    statuses, messages = [], []
    for step in (
        RedshiftCrossAccountDataMigration({"config_path": config, "state_table": state, "error_output_path": errors}),
        RedshiftSqlStep({"sql_path": script, "secret_name": etl_secret, "state_table": state}),
    ):
        caplog.clear()
        with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exited:
            step.start()
        statuses.append(exited.value.code)
        failed = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"{type(step).__name__} failed")]
        messages.append([m.split(" failed: ", 1)[1] for m in failed])
    assert statuses == [EXIT_CONFIG_ERROR, EXIT_CONFIG_ERROR]
    assert (
        messages[0]
        == messages[1]
        == [
            "--state_table otherdb.ops.state is in database otherdb, but the secret connects to database shared_db: "
            "other databases (data shares) are read-only; name a table of shared_db"
        ]
    )
    assert db.count(f"{target}.t") == 0 and list_keys(f"{target}/errors/") == []
