"""Running a script through the Redshift Data API (``--executor data_api``): ``BatchScriptRunner``, and
``check_batches``, which refuses before anything runs what cannot be sent that way.

**One transaction** (the default): the script is one ``BatchExecuteStatement``: the executor's ``SET``s of
``--query_group`` and ``--statement_timeout_seconds`` (every batch opens with them), the script's statements as
written, then ``LOCK`` of the state table's commit lock and the script's record as one statement without parameters
(``RunLedger.record_of``; the server's ``GETDATE()``, so the text is the same every time it is built). The service
runs a batch's statements in order as one transaction and rolls all back when one fails (mgmt/data-api.html), so
the script and its record commit together, as with the driver. A batch takes at most 40 statements (botocore's
``redshift-data`` model: ``Sqls``), each at most 100 KB (mgmt/data-api.html); longer scripts are refused, never split:
two batches would be two transactions, and the script would no longer be all or nothing.

**Exactly once per run id**, as the migration step's batches: the batch's ``ClientToken`` is made of the run id, the
script's key and a generation (``redshift.batch.client_token``) that moves on only after a batch has ended in
failure. A lost answer, a retry, or a second process of the run id sends the same token and is answered with the
batch the service already has, awaited while it runs, for 8 hours (mgmt/data-api.html; after that, the state table
decides). An answer from before this process began (``replayed``) is an earlier process's batch: committed, the
script is skipped; failed, it runs anew under the next generation. A batch reported ABORTED outside a stop is
awaited by the executor until its session has ended; the state table then says whether it committed. The driver's
look-up beside the transaction cannot be part of one request; the ``LOCK`` before the record still serializes the
commits, so a driver run of the run id that commits after this batch finds its record once it holds the lock.

**Autocommit mode**: each statement is a batch of its own in ``ExecutionMode`` ``AUTO_COMMIT`` (botocore's model:
"each SQL statement is committed individually"; VACUUM and the others that cannot run in a transaction block can
run so), under a ``ClientToken`` of its own (run id, the statement's key, generation), then its record in a batch of
its own. A statement whose record a crash lost is answered on the re-run by its first batch (within 8 hours)
instead of running again. Statements are never sent together: in ``AUTO_COMMIT`` mode a failed statement "does not
affect the others", so the ones after it would still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from glue_elt.core.redaction import redact
from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import ConfigError, ExecutionError, GlueELTError, StoppedError, with_prefix
from glue_elt.redshift.batch import MAX_REPLAYED_BATCHES, BatchResult, BatchStatementError, client_token
from glue_elt.redshift.data_api.wire import MAX_STATEMENT_BYTES
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.state import RunLedger
from glue_elt.redshift.tags import RunTag, comment, row_tag, tagged
from glue_elt.steps.redshift_sql.outcomes import (
    SCRIPT_KIND,
    Outcome,
    Run,
    Sent,
    Status,
    log_outcome,
    reported_rows,
    with_suffix,
)
from glue_elt.steps.redshift_sql.run import ScriptRunner
from glue_elt.steps.redshift_sql.script import Script, Statement
from glue_elt.steps.redshift_sql.settings import SqlSettings

logger = logging.getLogger(__name__)
MAX_BATCH_STATEMENTS = 40
"""``BatchExecuteStatement`` takes 1 to 40 statements (botocore's ``redshift-data`` model, ``Sqls``)."""
STEP_STATEMENTS = 2
"""What the step adds to the script's batch: the commit lock's ``LOCK`` and the script's record."""
ROLLED_BACK = "; the script was rolled back, nothing committed"


class BatchingExecutor(Executor, Protocol):
    """An executor that also runs batches (``DataApiExecutor``)."""

    def run_batch(
        self, secret_name: str, statements: Sequence[str], client_token: str | None = None, *, autocommit: bool = False
    ) -> BatchResult:
        """See ``glue_elt.redshift.batch.BatchExecutor``."""
        ...


def script_room(settings: SqlSettings) -> int:
    """How many of the script's statements its one batch can hold, beside the ``SET``s and the step's own."""
    return MAX_BATCH_STATEMENTS - len(settings.session.statements()) - STEP_STATEMENTS


def check_batches(script: Script, settings: SqlSettings, run_id: str, source: str) -> None:
    """``ConfigError`` naming what the Data API cannot take, before anything runs: a statement over 100 KB as sent
    (with its tag), and in one transaction more statements than the batch can hold (``script_room``)."""
    problems: list[str] = []
    for statement in script.statements:
        size = len((comment(RunTag("sql", run_id), str(statement.number)) + statement.text).encode("utf-8"))
        if size > MAX_STATEMENT_BYTES:
            problems.append(
                f"{statement.label} is {size / 1024:.0f} KB as sent; the Data API takes at most 100 KB per statement"
            )
    room, count = script_room(settings), len(script.statements)
    if not settings.autocommit and count > room:
        with_sets = room < MAX_BATCH_STATEMENTS - STEP_STATEMENTS
        sets = " and the SET statements of --query_group and --statement_timeout_seconds" if with_sets else ""
        problems.append(
            f"it has {count} statements, and the script runs as one BatchExecuteStatement, which takes at most "
            f"{MAX_BATCH_STATEMENTS}: {room} of the script's beside the commit lock's LOCK and the script's "
            f"record{sets}. Split it into scripts of at most {room} statements (each a run of its own, atomic on "
            "its own), or run it with --non_transactional autocommit (each statement a request of its own; the "
            "script is then not atomic)"
        )
    if problems:
        raise ConfigError(
            f"SQL script {source} cannot run through the Data API (--executor data_api): {'; '.join(problems)}. "
            "Nothing ran. --executor driver takes it (up to 16 MB per statement, any number of statements)"
        )


class BatchScriptRunner(ScriptRunner):
    """``ScriptRunner`` through the Data API: the script and its record as one batch, or each statement as a batch
    of its own (see the module's docstring); the dry run is ``ScriptRunner``'s (one ``EXPLAIN`` per statement)."""

    def __init__(self, executor: BatchingExecutor, secret_name: str, retry: RetryPolicy, key: str, target: str) -> None:
        super().__init__(executor, secret_name, retry, key, target)
        self._batches = executor
        self._generations: dict[str, int] = {}

    def in_one_transaction(self, statements: tuple[Statement, ...], ledger: RunLedger) -> Run:
        """The script, the commit lock's ``LOCK`` and the script's record as one batch; a transient error retries
        it, under the same token unless the batch ended in failure, after asking the state table."""
        if ledger.committed(self._secret, self._key) is not None:
            return self._skipped(statements, Run())
        sqls = self._script_batch(statements, ledger)
        run = Run()
        attempts = [0]

        def attempt() -> str:
            attempts[0] += 1
            if attempts[0] > 1 and ledger.look_up(self._secret, self._key) is not None:
                return "skipped"
            return self._send_script(sqls, statements, ledger, run)

        try:
            run.status = self._retry.call(f"script {self._target}", attempt)
        except GlueELTError as error:
            return self._failed_batch(statements, error)
        if run.status == "skipped":
            logger.info("this run id had committed the script (an earlier or concurrent process's batch)")
            return self._skipped(statements, Run())
        return run

    def _script_batch(self, statements: tuple[Statement, ...], ledger: RunLedger) -> list[str]:
        sqls = []
        for statement in statements:
            with row_tag(statement.number):
                sqls.append(tagged(statement.text))
        lock = ledger.lock_statement(self._secret)
        record = ledger.record_of(self._secret, self._key, self._target, SCRIPT_KIND, len(statements))
        return [*sqls, lock, record]

    def _send_script(self, sqls: list[str], statements: tuple[Statement, ...], ledger: RunLedger, run: Run) -> str:
        for _ in range(MAX_REPLAYED_BATCHES):
            try:
                result = self._batches.run_batch(self._secret, sqls, self._token(ledger, self._key))
            except BatchStatementError as error:
                self._generations[self._key] = self._generation(self._key) + 1  # that batch has ended
                done = ledger.look_up(self._secret, self._key) if error.aborted else None
                if done is not None:  # reported ABORTED, yet it committed (its session has ended since)
                    run.outcomes = [Outcome(s, Status.SUCCEEDED) for s in statements]
                    return "skipped" if error.replayed else "committed"
                if error.replayed:
                    logger.info("an earlier process's batch of this script had failed; running it anew")
                    continue
                raise with_prefix(error, _failed_part(statements, error.index)) from None
            if result.replayed or result.other_statements:
                return "skipped"
            run.outcomes = [
                Outcome(s, Status.SUCCEEDED, reported_rows(rows), seconds, query_id=query_id or None)
                for s, rows, seconds, query_id in zip(statements, result.rows, result.seconds, result.query_ids)
            ]
            for outcome in run.outcomes:
                log_outcome(outcome, len(statements))
            return "committed"
        raise ExecutionError(f"{MAX_REPLAYED_BATCHES} batches of earlier processes for this script had failed")

    def _failed_batch(self, statements: tuple[Statement, ...], error: GlueELTError) -> Run:
        """The run of a script whose batch did not commit: the failed statement named (the batch's position), the
        others rolled back or not run."""
        run = Run(status="failed")
        count = len(statements)
        index = error.index if isinstance(error, BatchStatementError) else None
        if index is not None and index < count:
            failed, text = statements[index], str(error)
            note = text.removeprefix(_failed_part(statements, index))
            run.outcomes = [Outcome(s, Status.ROLLED_BACK) for s in statements[:index]]
            run.outcomes.append(Outcome(failed, Status.FAILED, note=redact(note)))
            log_outcome(run.outcomes[-1], count)
            self._not_run(statements, run)
            run.error = with_suffix(error, ROLLED_BACK)
            return run
        if isinstance(error, BatchStatementError):  # the lock, the record, or a position not known
            run.outcomes = [Outcome(s, Status.ROLLED_BACK) for s in statements]
            run.error = with_suffix(error, ROLLED_BACK)
            return run
        self._not_run(statements, run)
        suffix = (
            ROLLED_BACK
            if isinstance(error, StoppedError)
            else ("; the script's batch did not complete (if it committed, a re-run with the same run id skips it)")
        )
        run.error = with_suffix(error, suffix)
        return run

    def _execute(self, statement: Statement, key: str, ledger: RunLedger) -> Callable[[], Sent]:
        """The statement as a batch of its own in ``AUTO_COMMIT`` mode, under its own ``ClientToken``."""

        def execute() -> Sent:
            with row_tag(statement.number):
                sql = tagged(statement.text)
            for _ in range(MAX_REPLAYED_BATCHES):
                try:
                    result = self._batches.run_batch(self._secret, [sql], self._token(ledger, key), autocommit=True)
                except BatchStatementError as error:
                    self._generations[key] = self._generation(key) + 1
                    if error.replayed:
                        logger.info("%s: an earlier process's run of it had failed; running it anew", statement.label)
                        continue
                    raise
                if result.other_statements:
                    return Sent(-1, replayed=True)
                query_id = result.query_ids[0] if result.query_ids and result.query_ids[0] > 0 else None
                return Sent(result.rows[0] if result.rows else -1, query_id, result.replayed)
            raise ExecutionError(f"{MAX_REPLAYED_BATCHES} batches of earlier processes for this statement had failed")

        return execute

    def _write_record(self, ledger: RunLedger, key: str, kind: str, rows: int) -> None:
        """The record as one statement without parameters, in a batch of its own."""
        self._batches.run_batch(self._secret, [ledger.record_of(self._secret, key, self._target, kind, rows)])

    def _generation(self, key: str) -> int:
        return self._generations.get(key, 1)

    def _token(self, ledger: RunLedger, key: str) -> str:
        return client_token(ledger.run_id, ledger.scoped(key), str(self._generation(key)))


def _failed_part(statements: tuple[Statement, ...], index: int | None) -> str:
    """How an error of the script's batch at ``index`` is prefixed: the statement, the step's own, or nothing."""
    count = len(statements)
    if index is None or index > count + 1:
        return ""
    if index < count:
        return f"{statements[index].label} failed: "
    return "the commit lock's LOCK failed: " if index == count else "the script's record in the state table failed: "
