"""Running a split script through a fake executor and ledger: one transaction, autocommit mode, dry run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import pytest

from glue_elt.core.retry import RetryPolicy
from glue_elt.core.stopping import StopRequest, refuse_if_stopped, stop_scope
from glue_elt.errors import ExecutionError, StoppedError, UnreachableError
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.state import RunLedger
from glue_elt.steps.redshift_sql.outcomes import Status, script_key, statement_keys
from glue_elt.steps.redshift_sql.run import ScriptRunner
from glue_elt.steps.redshift_sql.script import Statement, split_script

SCRIPT = "CREATE TABLE s.t (a int);\nINSERT INTO s.t SELECT 1;\nUPDATE s.t SET a = 2"
TARGET = "s3://b/k.sql"


class FakeSession:
    def __init__(self, executor: FakeExecutor) -> None:
        self._executor = executor

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        return self._executor.run(sql, in_transaction=True)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        self._executor.run(sql, in_transaction=True)
        return []


class FakeExecutor:
    """Runs nothing: records statements, and raises the errors queued for statements that start with a prefix."""

    def __init__(self, failures: dict[str, list[Exception]] | None = None) -> None:
        self.failures = failures or {}
        self.log: list[str] = []
        self.committed: list[str] = []
        self._pending: list[str] = []

    def run(self, sql: str, *, in_transaction: bool) -> int:
        for prefix, errors in self.failures.items():
            if sql.startswith(prefix) and errors:
                raise errors.pop(0)
        self.log.append(sql)
        (self._pending if in_transaction else self.committed).append(sql)
        return 1

    def execute(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> int:
        return self.run(sql, in_transaction=False)

    def query(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        self.run(sql, in_transaction=False)
        return []

    @contextmanager
    def transaction(self, secret_name: str) -> Iterator[FakeSession]:
        self._pending = []
        try:
            yield FakeSession(self)
        except BaseException:
            self._pending = []
            raise
        self.committed.extend(self._pending)

    def close(self) -> None:
        pass


class FakeLedger:
    def __init__(
        self,
        committed: dict[str, int] | None = None,
        found_on_retry: int | None = None,
        found_beside: int | None = None,
    ) -> None:
        self.done = dict(committed or {})
        self.found_on_retry = found_on_retry
        self.found_beside = found_beside  # what another run of the run id committed meanwhile
        self.records: list[tuple[str, str, int]] = []
        self.look_ups = 0
        self.beside = 0

    def lock(self, session: FakeSession, secret_name: str) -> None:
        session.execute("LOCK state")

    def look_up_beside(self, secret_name: str, key: str) -> int | None:
        self.beside += 1
        return self.found_beside

    def committed(self, secret_name: str, key: str) -> int | None:
        return self.done.get(key)

    def look_up(self, secret_name: str, key: str) -> int | None:
        self.look_ups += 1
        return self.found_on_retry

    def record(self, session: FakeSession, secret_name: str, key: str, target: str, kind: str, rows: int) -> None:
        session.execute(f"RECORD {kind} {rows}")
        self.records.append((key, kind, rows))


def statements(text: str = SCRIPT) -> tuple[Statement, ...]:
    return split_script(text, TARGET).statements


def runner(executor: FakeExecutor, text: str = SCRIPT) -> ScriptRunner:
    return ScriptRunner(cast(Executor, executor), "sec", RetryPolicy(2, 0.0), script_key(text), TARGET)


def transient() -> ExecutionError:
    return ExecutionError("1023 (Serializable isolation violation)", transient=True, sqlstate="XX000")


def test_one_transaction_commits_every_statement_and_the_record_together() -> None:
    executor, ledger = FakeExecutor(), FakeLedger()
    run = runner(executor).in_one_transaction(statements(), cast(RunLedger, ledger))
    assert run.error is None and run.status == "committed"
    assert [o.status for o in run.outcomes] == [Status.SUCCEEDED] * 3
    assert executor.committed == [*(s.text for s in statements()), "LOCK state", "RECORD sql 3"]
    assert ledger.records == [(script_key(SCRIPT), "sql", 3)] and ledger.beside == 1


def test_a_script_another_run_of_the_run_id_committed_meanwhile_rolls_back() -> None:
    """Under SNAPSHOT isolation two runs of one run id could both commit the script: the second, once it holds the
    state table's lock, finds the first one's record and rolls back."""
    executor, ledger = FakeExecutor(), FakeLedger(found_beside=3)
    run = runner(executor).in_one_transaction(statements(), cast(RunLedger, ledger))
    assert run.status == "skipped" and run.error is None
    assert [o.status for o in run.outcomes] == [Status.SKIPPED] * 3
    assert executor.committed == [] and ledger.records == []


def test_a_failing_statement_rolls_everything_back_and_is_named_with_its_sqlstate() -> None:
    error = ExecutionError('relation "s.nope" does not exist [SQLSTATE 42P01]', sqlstate="42P01")
    executor = FakeExecutor({"INSERT": [error]})
    run = runner(executor).in_one_transaction(statements(), cast(RunLedger, FakeLedger()))
    assert executor.committed == []
    assert [o.status for o in run.outcomes] == [Status.ROLLED_BACK, Status.FAILED, Status.NOT_RUN]
    assert run.outcomes[1].note == 'relation "s.nope" does not exist [SQLSTATE 42P01]'
    assert isinstance(run.error, ExecutionError) and run.error.sqlstate == "42P01"
    assert str(run.error) == (
        'statement 2 (line 2: INSERT INTO s.t SELECT 1) failed: relation "s.nope" does not exist [SQLSTATE 42P01]; '
        "the script was rolled back, nothing committed"
    )


def test_a_transient_error_retries_the_whole_transaction_after_a_look_up() -> None:
    executor, ledger = FakeExecutor({"UPDATE": [transient()]}), FakeLedger()
    run = runner(executor).in_one_transaction(statements(), cast(RunLedger, ledger))
    assert run.error is None and [o.status for o in run.outcomes] == [Status.SUCCEEDED] * 3
    assert ledger.look_ups == 1 and len(ledger.records) == 1
    assert executor.log.count("CREATE TABLE s.t (a int)") == 2 and executor.committed.count("RECORD sql 3") == 1


def test_a_retry_finds_the_script_committed_by_an_attempt_whose_acknowledgement_was_lost() -> None:
    executor = FakeExecutor({"RECORD": [ExecutionError("connection reset by peer", transient=True)]})
    ledger = FakeLedger(found_on_retry=3)
    run = runner(executor).in_one_transaction(statements(), cast(RunLedger, ledger))
    assert run.status == "skipped" and run.error is None
    assert [o.status for o in run.outcomes] == [Status.SKIPPED] * 3


def test_a_script_this_run_id_committed_is_skipped_without_running_anything() -> None:
    executor = FakeExecutor()
    run = runner(executor).in_one_transaction(statements(), cast(RunLedger, FakeLedger({script_key(SCRIPT): 3})))
    assert run.status == "skipped" and executor.log == []


def test_retries_that_run_out_leave_an_error_that_says_the_transaction_did_not_complete() -> None:
    executor = FakeExecutor({"RECORD": [UnreachableError("could not connect")] * 3})
    run = runner(executor).in_one_transaction(statements(), cast(RunLedger, FakeLedger()))
    assert isinstance(run.error, UnreachableError)
    assert str(run.error).startswith("could not connect; the script's transaction did not complete")


def test_autocommit_runs_and_records_each_statement_then_the_script() -> None:
    executor, ledger = FakeExecutor(), FakeLedger()
    run = runner(executor).in_autocommit(statements(), cast(RunLedger, ledger))
    assert run.error is None and [o.status for o in run.outcomes] == [Status.SUCCEEDED] * 3
    keys = statement_keys(TARGET, statements())
    assert ledger.records == [(keys[0], "sql statement", 1), (keys[1], "sql statement", 1), (keys[2], "sql statement", 1),
                              (script_key(SCRIPT), "sql", 3)]  # fmt: skip


def test_autocommit_resumes_after_the_statements_this_run_id_committed() -> None:
    keys = statement_keys(TARGET, statements())
    executor = FakeExecutor()
    run = runner(executor).in_autocommit(statements(), cast(RunLedger, FakeLedger({keys[0]: -1, keys[1]: 1})))
    assert [o.status for o in run.outcomes] == [Status.SKIPPED, Status.SKIPPED, Status.SUCCEEDED]
    assert executor.log[0] == "UPDATE s.t SET a = 2"


def test_autocommit_failure_says_what_committed_and_where_a_rerun_resumes() -> None:
    executor = FakeExecutor({"UPDATE": [ExecutionError("division by zero [SQLSTATE 22012]", sqlstate="22012")]})
    run = runner(executor).in_autocommit(statements(), cast(RunLedger, FakeLedger()))
    assert [o.status for o in run.outcomes] == [Status.SUCCEEDED, Status.SUCCEEDED, Status.FAILED]
    assert str(run.error) == (
        "statement 3 (line 3: UPDATE s.t SET a = 2) failed: division by zero [SQLSTATE 22012] (autocommit mode: "
        "statements 1 to 2 committed; a re-run with the same run id resumes at statement 3)"
    )


class StoppingExecutor(FakeExecutor):
    """Refuses statements once the run's stop was requested, as the real executors do; requests the stop right after
    running a statement that starts with ``prefix``."""

    def __init__(self, stop: StopRequest, prefix: str) -> None:
        super().__init__()
        self.stop, self.prefix = stop, prefix

    def run(self, sql: str, *, in_transaction: bool) -> int:
        refuse_if_stopped()
        rows = super().run(sql, in_transaction=in_transaction)
        if sql.startswith(self.prefix):
            self.stop.request()
        return rows


def test_autocommit_still_records_a_statement_that_committed_before_the_stop_and_sends_nothing_else() -> None:
    stop = StopRequest()
    executor, ledger = StoppingExecutor(stop, "INSERT"), FakeLedger()
    script_runner = ScriptRunner(cast(Executor, executor), "sec", RetryPolicy(2, 0.0, stop), script_key(SCRIPT), TARGET)
    with stop_scope(stop):
        run = script_runner.in_autocommit(statements(), cast(RunLedger, ledger))
    keys = statement_keys(TARGET, statements())
    assert [o.status for o in run.outcomes] == [Status.SUCCEEDED, Status.SUCCEEDED, Status.NOT_RUN]
    assert ledger.records == [(keys[0], "sql statement", 1), (keys[1], "sql statement", 1)]
    assert "UPDATE s.t SET a = 2" not in executor.log
    assert isinstance(run.error, StoppedError)
    assert "statements 1 to 2 committed; a re-run with the same run id resumes at statement 3" in str(run.error)


def test_editing_one_statement_keeps_the_keys_of_the_others() -> None:
    edited = statements(SCRIPT.replace("a = 2", "a = 3"))
    assert statement_keys(TARGET, statements())[:2] == statement_keys(TARGET, edited)[:2]
    assert statement_keys(TARGET, statements())[2] != statement_keys(TARGET, edited)[2]
    twice = statements("SELECT 1; SELECT 1")
    assert len(set(statement_keys(TARGET, twice))) == 2


def test_dry_run_explains_what_explain_accepts_and_tells_apart_tables_the_script_creates() -> None:
    missing = ExecutionError('relation "s.t" does not exist [SQLSTATE 42P01]', sqlstate="42P01")
    bad = ExecutionError('column "nope" does not exist [SQLSTATE 42703]', sqlstate="42703")
    text = SCRIPT + ";\nSELECT nope FROM s.other;\nSELECT 1"
    executor = FakeExecutor({"EXPLAIN INSERT": [missing], "EXPLAIN UPDATE": [missing], "EXPLAIN SELECT nope": [bad]})
    run = runner(executor, text).dry_run(statements(text))
    assert [(o.status, o.note) for o in run.outcomes] == [
        (Status.NOT_CHECKED, "not checked (EXPLAIN does not accept this statement)"),
        (Status.NOT_CHECKED, "not checked: uses s.t, which the script creates first"),
        (Status.NOT_CHECKED, "not checked: uses s.t, which the script creates first"),
        (Status.FAILED, 'column "nope" does not exist [SQLSTATE 42703]'),
        (Status.CHECKED, None),
    ]
    assert run.status == "check failed" and run.error is None
    assert all(sql.startswith("EXPLAIN ") for sql in executor.log) and executor.committed == ["EXPLAIN SELECT 1"]


def test_dry_run_stops_when_the_cluster_is_unreachable() -> None:
    executor = FakeExecutor({"EXPLAIN": [UnreachableError("could not connect")] * 3})
    run = runner(executor).dry_run(statements())
    assert isinstance(run.error, UnreachableError)
    assert str(run.error) == "statement 2 (line 2: INSERT INTO s.t SELECT 1): EXPLAIN failed: could not connect"
    assert [o.status for o in run.outcomes] == [Status.NOT_CHECKED, Status.NOT_RUN, Status.NOT_RUN]


@pytest.mark.parametrize("text", ["SELECT 1", "SELECT 1 "])
def test_script_key_is_the_sha256_of_the_text(text: str) -> None:
    assert len(script_key(text)) == 64 and script_key(text) != script_key(text + "\n")
