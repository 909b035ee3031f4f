"""The runner's retry, skip and truncate logic against a scripted executor (no server)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import ExecutionError
from glue_elt.redshift.batch import BatchResult, BatchStatementError
from glue_elt.redshift.names import Identifier
from glue_elt.redshift.state import RunLedger, StateTable
from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow, OverwriteMode
from glue_elt.steps.redshift_cross_account_migration.results import RowStatus
from glue_elt.steps.redshift_cross_account_migration.runner import LoadOptions, PreparedRow, RowRunner
from glue_elt.steps.redshift_cross_account_migration.sql import load_sql
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

STATE = StateTable.parse("glue_elt.migration_state")


class ScriptedExecutor:
    """Records every statement as ``(where, sql)``; ``fail`` maps a statement prefix to errors raised in turn,
    ``lost_commit`` makes the first commit succeed on the "server" and then report a lost connection."""

    def __init__(
        self,
        fail: dict[str, list[Exception]] | None = None,
        *,
        lost_commit: bool = False,
        found: dict[str, list[list[tuple[Any, ...]]]] | None = None,
    ) -> None:
        self.log: list[tuple[str, str]] = []
        self.fail = fail or {}
        self.lost_commit = lost_commit
        self.found = found or {}  # rows a transaction's queries return in turn, by statement prefix
        self.committed: list[list[str]] = []
        self.elsewhere: int | None = None  # rows another process committed for the row, seen from beside

    def _run(self, where: str, sql: str) -> None:
        self.log.append((where, sql))
        for prefix, errors in self.fail.items():
            if sql.startswith(prefix) and errors:
                raise errors.pop(0)

    def execute(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> int:
        self._run("autocommit", sql)
        return 0

    def query(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        self._run("autocommit", sql)
        if sql.startswith("SELECT rows_affected") and self.committed:
            return [(5,)]
        return []

    def query_beside(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        self._run("beside", sql)
        if sql.startswith("SELECT rows_affected") and (self.committed or self.elsewhere is not None):
            return [(5 if self.committed else self.elsewhere,)]
        return []

    @contextlib.contextmanager
    def transaction(self, secret_name: str) -> Iterator[Any]:
        executor, statements = self, []

        class Session:
            def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
                executor._run("transaction", sql)
                statements.append(sql)
                return 5

            def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
                executor._run("transaction", sql)
                for prefix, answers in executor.found.items():
                    if sql.startswith(prefix) and answers:
                        return answers.pop(0)
                return []

        yield Session()
        self.committed.append(statements)
        if self.lost_commit:
            self.lost_commit = False
            raise ExecutionError("connection reset by peer", transient=True)

    def close(self) -> None:
        pass


def prepared(load_type: str = "append", mode: OverwriteMode = OverwriteMode.DELETE) -> PreparedRow:
    plan = validate_row(MigrationRow("shared_db.s.t", "a.t", "secret", load_type=load_type))
    return PreparedRow(plan.row, "key", plan, load_sql(plan, (Identifier("id"),), mode))


def runner_for(executor: ScriptedExecutor, mode: OverwriteMode = OverwriteMode.DELETE) -> tuple[RowRunner, RunLedger]:
    ledger = RunLedger(executor, "run-1")  # type: ignore[arg-type]
    ledger.open("secret", STATE, "dev", exists=True, schema_exists=True)
    executor.log.clear()
    runner = RowRunner(executor, ledger, RetryPolicy(2, 0.0), LoadOptions(mode))  # type: ignore[arg-type]
    return runner, ledger


def test_a_transient_failure_is_retried_after_a_look_up_outside_the_transaction() -> None:
    executor = ScriptedExecutor({'INSERT INTO "a"': [ExecutionError("1023", transient=True)]})
    runner, _ = runner_for(executor)
    outcome = runner.load(prepared())
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SUCCEEDED, 5)
    kinds = [(where, sql.split()[0]) for where, sql in executor.log]
    assert kinds == [
        ("transaction", "LOCK"),
        ("beside", "SELECT"),  # the look-up once the lock is held: another connection, outside the transaction
        ("transaction", "INSERT"),  # attempt 1 fails on the insert
        ("autocommit", "SELECT"),  # the retry's look-up: its own statement
        ("transaction", "LOCK"),
        ("beside", "SELECT"),
        ("transaction", "INSERT"),
        ("transaction", "INSERT"),  # the state record
    ]


def test_a_row_another_process_committed_while_this_one_waited_for_the_lock_is_skipped() -> None:
    executor = ScriptedExecutor()
    runner, _ = runner_for(executor)
    executor.elsewhere = 9
    outcome = runner.load(prepared())
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SKIPPED, 9)
    assert [sql.split()[0] for _, sql in executor.log] == ["LOCK", "SELECT"]
    assert executor.committed == []  # the transaction that held the lock rolled back


def test_a_lost_commit_acknowledgement_is_found_by_the_look_up_and_not_loaded_again() -> None:
    executor = ScriptedExecutor(lost_commit=True)
    runner, _ = runner_for(executor)
    outcome = runner.load(prepared())
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SKIPPED, 5)
    assert len(executor.committed) == 1


def test_a_row_committed_earlier_in_the_run_sends_nothing() -> None:
    executor = ScriptedExecutor()
    runner, ledger = runner_for(executor)
    ledger._committed[("secret", "key")] = 7
    outcome = runner.load(prepared())
    assert (outcome.status, outcome.rows_affected, executor.log) == (RowStatus.SKIPPED, 7, [])


def test_truncate_runs_alone_before_the_transaction() -> None:
    executor = ScriptedExecutor()
    runner, _ = runner_for(executor, OverwriteMode.TRUNCATE)
    runner.load(prepared("overwrite", OverwriteMode.TRUNCATE))
    # the look-up comes first even on a first attempt: a TRUNCATE would empty a load another process committed
    assert executor.log[0][0] == "autocommit" and executor.log[0][1].startswith("SELECT rows_affected")
    assert executor.log[1] == ("autocommit", 'TRUNCATE "a"."t"')
    assert [sql.split()[0] for _, sql in executor.log[2:4]] == ["LOCK", "SELECT"]  # the target must still be empty
    assert all(where == "transaction" for where, _ in executor.log[2:])


def test_truncate_mode_starts_again_when_the_target_was_written_after_its_truncate() -> None:
    executor = ScriptedExecutor(found={'SELECT 1 FROM "a"."t"': [[(1,)]]})
    runner, _ = runner_for(executor, OverwriteMode.TRUNCATE)
    outcome = runner.load(prepared("overwrite", OverwriteMode.TRUNCATE))
    assert outcome.status is RowStatus.SUCCEEDED
    assert [sql for _, sql in executor.log].count('TRUNCATE "a"."t"') == 2
    assert len(executor.committed) == 1


def test_terminal_errors_are_not_retried() -> None:
    executor = ScriptedExecutor({'INSERT INTO "a"': [ExecutionError("permission denied", sqlstate="42501")]})
    runner, _ = runner_for(executor)
    outcome = runner.load(prepared())
    assert outcome.status is RowStatus.FAILED and outcome.error == "permission denied"
    assert [sql.split()[0] for _, sql in executor.log] == ["LOCK", "SELECT", "INSERT"]


def test_preflight_keeps_the_error_class_and_sqlstate() -> None:
    executor = ScriptedExecutor({"EXPLAIN": [ExecutionError('column "x" does not exist', sqlstate="42703")]})
    runner, _ = runner_for(executor)
    try:
        runner.preflight(prepared())
    except ExecutionError as error:
        assert (str(error), error.sqlstate) == ('pre-flight check failed: column "x" does not exist', "42703")
    else:
        raise AssertionError("the pre-flight did not fail")


class ScriptedBatches(ScriptedExecutor):
    """A batch executor: ``answers`` are the results (or errors) of ``run_batch`` in turn; tokens are recorded."""

    def __init__(self, *answers: BatchResult | BatchStatementError) -> None:
        super().__init__()
        self.answers = list(answers)
        self.tokens: list[str | None] = []

    def run_batch(self, secret_name: str, statements: Sequence[str], client_token: str | None = None) -> BatchResult:
        self.tokens.append(client_token)
        self.log.append(("batch", statements[0]))
        answer = self.answers.pop(0)
        if isinstance(answer, BatchStatementError):
            raise answer
        return answer


def batch_result(rows: int, *, replayed: bool = False) -> BatchResult:
    return BatchResult("id", (-1, -1, rows, -1, -1), replayed)  # LOCK, count, INSERT (index 2), record, drop


def test_an_earlier_processs_failed_batch_moves_the_row_to_a_new_token_without_a_retry() -> None:
    """A re-run of the run id within 8 hours is answered with the old batch; its failure is not this run's."""
    old = BatchStatementError("ERROR: relation does not exist", index=3, replayed=True)
    executor = ScriptedBatches(old, batch_result(20))
    ledger = RunLedger(executor, "run-1")  # type: ignore[arg-type]
    ledger.open("secret", STATE, "dev", exists=True, schema_exists=True)
    runner = RowRunner(executor, ledger, RetryPolicy(0, 0.0), LoadOptions())  # type: ignore[arg-type]
    outcome = runner.load(prepared())
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SUCCEEDED, 20)
    assert len(executor.tokens) == 2 and executor.tokens[0] != executor.tokens[1]
    assert executor.log[-1] == ("batch", 'LOCK "a"."t"')


def test_an_earlier_processs_committed_batch_is_a_skip_and_a_lost_answer_keeps_the_token() -> None:
    lost = ExecutionError("connection reset", transient=True)
    executor = ScriptedBatches(batch_result(20, replayed=True))
    runner, _ = runner_for(executor)
    outcome = runner.load(prepared())
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SKIPPED, 20)

    executor = ScriptedBatches(batch_result(20))
    executor.run_batch = _fails_once(executor.run_batch, lost)  # type: ignore[method-assign]
    runner, _ = runner_for(executor)
    assert runner.load(prepared()).status is RowStatus.SUCCEEDED
    assert len(executor.tokens) == 2 and executor.tokens[0] == executor.tokens[1]  # the same batch, asked again


def test_a_batch_that_ran_other_statements_under_the_token_is_a_skip_with_the_rows_it_recorded() -> None:
    """A token refused for other statements is answered by its first request's committed batch, whose row counts
    are not this batch's: the rows come from the state table."""
    executor = ScriptedBatches(BatchResult("old", (), replayed=True, other_statements=True))
    executor.committed.append(["recorded by the other batch"])
    runner, _ = runner_for(executor)
    outcome = runner.load(prepared())
    assert (outcome.status, outcome.rows_affected) == (RowStatus.SKIPPED, 5)
    assert executor.log[-1] == ("autocommit", executor.log[-1][1]) and "rows_affected" in executor.log[-1][1]


def test_truncate_mode_sends_a_new_token_with_every_attempt() -> None:
    """After an attempt's TRUNCATE an earlier batch's rows are gone: the service must run this attempt's batch."""
    changed = BatchStatementError("ERROR: division by zero", index=1)  # the empty guard: the target was written
    executor = ScriptedBatches(changed, batch_result(20))
    runner, _ = runner_for(executor, OverwriteMode.TRUNCATE)
    outcome = runner.load(prepared("overwrite", OverwriteMode.TRUNCATE))
    assert outcome.status is RowStatus.SUCCEEDED
    assert len(executor.tokens) == 2 and executor.tokens[0] != executor.tokens[1]
    assert [sql for _, sql in executor.log].count('TRUNCATE "a"."t"') == 2


def _fails_once(call: Any, error: Exception) -> Any:
    calls = [0]

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 1:
            executor_self = call.__self__
            executor_self.tokens.append(kwargs.get("client_token", args[2] if len(args) > 2 else None))
            raise error
        return call(*args, **kwargs)

    return wrapped


def test_a_target_created_meanwhile_is_loaded_at_once_by_a_transaction_that_opens_with_its_lock() -> None:
    plan = validate_row(MigrationRow("shared_db.s.t", "a.t", "secret", load_type="incremental", watermark_column="id"))
    create = 'CREATE TABLE "a"."t" ("id" INTEGER)'
    row = PreparedRow(plan.row, "key", plan, load_sql(plan, (Identifier("id"),), create=create))
    executor = ScriptedExecutor({"CREATE TABLE": [ExecutionError('relation "t" already exists')]})
    ledger = RunLedger(executor, "run-1")  # type: ignore[arg-type]
    ledger.open("secret", STATE, "dev", exists=True, schema_exists=True)
    executor.log.clear()
    runner = RowRunner(executor, ledger, RetryPolicy(0, 0.0), LoadOptions())  # type: ignore[arg-type]
    outcome = runner.load(row)
    assert (outcome.status, outcome.created) == (RowStatus.SUCCEEDED, False)
    kinds = [(where, sql.split()[0]) for where, sql in executor.log]
    assert kinds == [
        ("transaction", "CREATE"),  # fails: another process created the target; rolled back
        ("autocommit", "SELECT"),  # the row looked up: the other process may have loaded it
        ("transaction", "LOCK"),  # no CREATE now: the snapshot is taken after the lock
        ("beside", "SELECT"),
        ("transaction", "INSERT"),
        ("transaction", "INSERT"),
    ]
