"""What the Data API cannot take of a script, refused before anything runs (``check_batches``), and the script's
batch through a scripted batch executor: its shape, a failure's statement, a replayed failure's next token."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import pytest

from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import ConfigError, ExecutionError
from glue_elt.redshift.batch import BatchResult, BatchStatementError, client_token
from glue_elt.redshift.state import RunLedger, StateTable
from glue_elt.steps.redshift_sql.batches import BatchingExecutor, BatchScriptRunner, check_batches, script_room
from glue_elt.steps.redshift_sql.outcomes import Status
from glue_elt.steps.redshift_sql.script import split_script
from glue_elt.steps.redshift_sql.settings import SqlSettings, read_settings

SOURCE = "s3://b/k.sql"


def settings(**given: str) -> SqlSettings:
    values = {"sql_path": SOURCE, "secret_name": "s", "executor": "data_api", **given}
    return read_settings(values.get)


def script_of(count: int) -> str:
    return ";\n".join(f"INSERT INTO t VALUES ({n})" for n in range(count))


def test_a_script_of_38_statements_fits_and_39_do_not() -> None:
    check_batches(split_script(script_of(38), SOURCE), settings(), "run", SOURCE)
    with pytest.raises(ConfigError) as refused:
        check_batches(split_script(script_of(39), SOURCE), settings(), "run", SOURCE)
    assert "it has 39 statements" in str(refused.value) and "at most 38 statements" in str(refused.value)
    assert "Nothing ran" in str(refused.value) and "--executor driver" in str(refused.value)


def test_each_session_setting_takes_a_place_of_the_batch() -> None:
    assert script_room(settings()) == 38
    assert script_room(settings(query_group="g")) == 37
    both = settings(query_group="g", statement_timeout_seconds="60")
    assert script_room(both) == 36
    with pytest.raises(ConfigError, match="SET statements of --query_group"):
        check_batches(split_script(script_of(37), SOURCE), both, "run", SOURCE)


def test_autocommit_mode_has_no_count_limit_but_the_size_limit_holds() -> None:
    check_batches(split_script(script_of(60), SOURCE), settings(non_transactional="autocommit"), "run", SOURCE)
    text = f"SELECT '{'x' * (100 * 1024 - 40)}'"  # under 100 KB alone, over it with the tag
    with pytest.raises(ConfigError, match=r"statement 1 \(line 1: .*\) is 100 KB as sent"):
        check_batches(split_script(text, SOURCE), settings(non_transactional="autocommit"), "run-id", SOURCE)


class ScriptedBatches:
    """Answers ``run_batch`` from a queue; records each request's statements and token."""

    def __init__(self, *answers: BatchResult | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[list[str], str | None, bool]] = []

    def run_batch(
        self, secret_name: str, statements: Sequence[str], client_token: str | None = None, *, autocommit: bool = False
    ) -> BatchResult:
        self.sent.append((list(statements), client_token, autocommit))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def query(self, secret_name: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        return []


def runner_and_ledger(batches: ScriptedBatches) -> tuple[BatchScriptRunner, RunLedger]:
    ledger = RunLedger(cast(Any, batches), "run-1")
    ledger.open("s", StateTable.parse("ops.state"), "dev", exists=True, schema_exists=True)
    runner = BatchScriptRunner(cast(BatchingExecutor, batches), "s", RetryPolicy(0, 0), "key", SOURCE)
    return runner, ledger


def test_the_script_lock_and_record_are_one_batch_under_the_scripts_token() -> None:
    batches = ScriptedBatches(BatchResult("b", (1, 2, -1, 1), query_ids=(7, 8, 9, 10), seconds=(0.1, 0.2, 0, 0)))
    runner, ledger = runner_and_ledger(batches)
    statements = split_script("INSERT INTO t VALUES (1);\nUPDATE t SET a = 2", SOURCE).statements
    run = runner.in_one_transaction(statements, ledger)
    assert run.status == "committed" and [(o.rows, o.query_id) for o in run.outcomes] == [(1, 7), (2, 8)]
    ((sent, token, autocommit),) = batches.sent
    assert sent[:2] == [s.text for s in statements] and not autocommit
    assert sent[2] == 'LOCK "ops"."state_lock"' and sent[3].startswith('INSERT INTO "ops"."state" (run_id, row_key')
    assert token == client_token("run-1", "key", "1")


def test_a_failure_names_its_statement_and_a_replayed_one_moves_to_the_next_token() -> None:
    old = BatchStatementError("division by zero", index=0, replayed=True)
    new = BatchStatementError("division by zero", index=1)
    batches = ScriptedBatches(old, new)
    runner, ledger = runner_and_ledger(batches)
    statements = split_script("INSERT INTO t VALUES (1);\nUPDATE t SET a = 1 / 0", SOURCE).statements
    run = runner.in_one_transaction(statements, ledger)
    assert [token for _, token, _ in batches.sent] == [client_token("run-1", "key", g) for g in ("1", "2")]
    assert [o.status for o in run.outcomes] == [Status.ROLLED_BACK, Status.FAILED]
    assert run.outcomes[1].note == "division by zero" and isinstance(run.error, ExecutionError)
    assert str(run.error) == (
        "statement 2 (line 2: UPDATE t SET a = 1 / 0) failed: division by zero; the script was rolled back, "
        "nothing committed"
    )


def test_a_failed_record_is_named() -> None:
    batches = ScriptedBatches(BatchStatementError("permission denied for relation state", index=3))
    runner, ledger = runner_and_ledger(batches)
    statements = split_script("INSERT INTO t VALUES (1);\nSELECT 1", SOURCE).statements
    run = runner.in_one_transaction(statements, ledger)
    assert [o.status for o in run.outcomes] == [Status.ROLLED_BACK, Status.ROLLED_BACK]
    assert str(run.error).startswith("the script's record in the state table failed: permission denied")
