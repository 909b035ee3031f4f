"""Running a split SQL script on one cluster: in one transaction, statement by statement in autocommit mode, or
as a dry run of EXPLAINs. Every way returns the statements' outcomes and the error that stopped it, if any. This is
the driver's way (statement by statement on a connection); ``batches.BatchScriptRunner`` sends the same work through
the Data API, as batches.

Exactly once per run id: the script's completion is recorded in the state table (``RunLedger``), in the
script's own transaction; in autocommit mode each statement's completion is recorded right after it. Two runs of
one run id at once (a re-run while the first still runs) are told apart at the end of the script's transaction:
it locks the state table's commit lock (``state.commit_lock_name``), then asks the state table on another connection
whether the run id committed the script meanwhile, and rolls back if so. Under SNAPSHOT isolation nothing else would
stop the second run from committing the script again (dg/c_serial_isolation.html). The lock is held only from there
to the commit, and only scripts take it.

After a stop (``glue_elt.core.stopping``) the executor sends nothing: the statement it refused is not run, the run
fails with the refusal and, in one transaction, nothing commits. In autocommit mode the record of a statement that
has committed is still written: without it a re-run would run the statement again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from glue_elt.core.redaction import redact
from glue_elt.core.retry import RetryPolicy
from glue_elt.core.sizes import truncate_utf8
from glue_elt.core.stopping import NOT_SENT, stop_scope
from glue_elt.errors import ExecutionError, GlueELTError, StoppedError, UnreachableError, with_prefix
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.state import TARGET_TABLE_BYTES, RunLedger
from glue_elt.redshift.tags import row_tag
from glue_elt.steps.redshift_sql.outcomes import (
    SCRIPT_KIND,
    STATEMENT_KIND,
    Outcome,
    Run,
    Sent,
    Status,
    log_outcome,
    reported_rows,
    statement_keys,
    with_suffix,
)
from glue_elt.steps.redshift_sql.script import Statement
from glue_elt.steps.redshift_sql.tables import TableRef, created_earlier

logger = logging.getLogger(__name__)
NOT_EXPLAINABLE = "not checked (EXPLAIN does not accept this statement)"


class ScriptRunner:
    """Runs one script's statements on ``secret_name``'s cluster, retrying transient errors with ``retry``."""

    def __init__(self, executor: Executor, secret_name: str, retry: RetryPolicy, key: str, target: str) -> None:
        self._executor = executor
        self._secret = secret_name
        self._retry = retry
        self._key = key
        self._target = truncate_utf8(target, TARGET_TABLE_BYTES)  # the script's path, as the state table holds it

    def in_one_transaction(self, statements: tuple[Statement, ...], ledger: RunLedger) -> Run:
        """Every statement and the script's record in one transaction; a transient error retries all of it,
        after asking the state table whether a failed attempt committed after all."""
        run = Run()
        if ledger.committed(self._secret, self._key) is not None:
            return self._skipped(statements, run)
        attempts = [0]

        def attempt() -> str:
            attempts[0] += 1
            run.outcomes.clear()
            if attempts[0] > 1 and ledger.look_up(self._secret, self._key) is not None:
                return "skipped"
            with self._executor.transaction(self._secret) as session:
                for statement in statements:
                    started = time.monotonic()
                    try:
                        with row_tag(statement.number):
                            rows = session.execute(statement.text)
                    except StoppedError:
                        raise  # not sent: the statement is not run
                    except ExecutionError as error:
                        run.outcomes.append(self._failed(statement, error, started, len(statements)))
                        raise with_prefix(error, f"{statement.label} failed: ") from None
                    seconds = time.monotonic() - started
                    run.outcomes.append(Outcome(statement, Status.SUCCEEDED, reported_rows(rows), seconds))
                    log_outcome(run.outcomes[-1], len(statements))
                ledger.lock(session, self._secret)
                if ledger.look_up_beside(self._secret, self._key) is not None:
                    raise _CommittedMeanwhileError
                ledger.record(session, self._secret, self._key, self._target, SCRIPT_KIND, len(statements))
            return "committed"

        try:
            run.status = self._retry.call(f"script {self._target}", attempt)
        except _CommittedMeanwhileError:
            logger.info("another run of this run id committed the script meanwhile; this one rolled back")
            return self._skipped(statements, Run())
        except GlueELTError as error:
            run.outcomes = [
                Outcome(o.statement, Status.ROLLED_BACK, o.rows, o.seconds) if o.status is Status.SUCCEEDED else o
                for o in run.outcomes
            ]
            self._not_run(statements, run)
            statement_failed = any(o.status is Status.FAILED for o in run.outcomes)
            suffix = (
                "; the script was rolled back, nothing committed"
                if statement_failed or isinstance(error, StoppedError)
                else "; the script's transaction did not complete (if it committed, a re-run with the same run id "
                "skips it)"
            )
            run.status, run.error = "failed", with_suffix(error, suffix)
            return run
        if run.status == "skipped":
            logger.info("a failed attempt had committed the script after all (its acknowledgement was lost)")
            return self._skipped(statements, Run())
        return run

    def in_autocommit(self, statements: tuple[Statement, ...], ledger: RunLedger) -> Run:
        """Each statement on its own, in order, its completion recorded right after it; statements this run id
        recorded before are skipped, so a re-run resumes after the last one that committed."""
        run = Run()
        if ledger.committed(self._secret, self._key) is not None:
            return self._skipped(statements, run)
        for statement, key in zip(statements, statement_keys(self._target, statements)):
            done = ledger.committed(self._secret, key)
            if done is not None:
                run.outcomes.append(Outcome(statement, Status.SKIPPED, reported_rows(done)))
                log_outcome(run.outcomes[-1], len(statements))
                continue
            started = time.monotonic()
            try:
                if self._retry.stop is not None and self._retry.stop.requested:  # no new statement starts
                    raise StoppedError(NOT_SENT)
                sent = self._retry.call(statement.label, self._execute(statement, key, ledger))
            except GlueELTError as error:
                stopped = isinstance(error, StoppedError)
                if not stopped:  # one that was not sent is not run
                    run.outcomes.append(self._failed(statement, error, started, len(statements)))
                failure = with_prefix(error, f"{statement.label}{': ' if stopped else ' failed: '}")
                resume = f"{_committed_before(statement.number)}; a re-run with the same run id resumes at statement "
                resume += str(statement.number)
                run.status, run.error = "failed", with_suffix(failure, f" (autocommit mode: {resume})")
                self._not_run(statements, run)
                return run
            status = Status.SKIPPED if sent.replayed else Status.SUCCEEDED
            seconds = time.monotonic() - started
            run.outcomes.append(Outcome(statement, status, reported_rows(sent.rows), seconds, query_id=sent.query_id))
            log_outcome(run.outcomes[-1], len(statements))
            self._record(ledger, statement, key, sent.rows, run)
            if run.error is not None:
                self._not_run(statements, run)
                return run
        self._record(ledger, None, self._key, len(statements), run)
        return run

    def dry_run(self, statements: tuple[Statement, ...]) -> Run:
        """EXPLAIN each statement EXPLAIN accepts, each on its own; nothing is written. A statement that fails
        while using a table an earlier statement creates is not checked rather than failed."""
        run = Run(status="checked")
        uses = created_earlier(statements)
        for statement in statements:
            try:
                outcome = self._check(statement, uses.get(statement.number, []))
            except StoppedError as error:
                run.status, run.error = "failed", error
                self._not_run(statements, run)
                return run
            except UnreachableError as error:
                run.status, run.error = "failed", with_prefix(error, f"{statement.label}: EXPLAIN failed: ")
                self._not_run(statements, run)
                return run
            run.outcomes.append(outcome)
            log_outcome(outcome, len(statements))
        if any(o.status is Status.FAILED for o in run.outcomes):
            run.status = "check failed"
        return run

    def _check(self, statement: Statement, created_earlier: list[TableRef]) -> Outcome:
        if not statement.explainable:
            return Outcome(statement, Status.NOT_CHECKED, note=NOT_EXPLAINABLE)
        started = time.monotonic()
        try:
            self._retry.call(statement.label, self._explain(statement))
        except (UnreachableError, StoppedError):
            raise
        except GlueELTError as error:
            if not created_earlier:
                return self._failed(statement, error, started)
            names = ", ".join(ref.written for ref in created_earlier)
            note = f"not checked: uses {names}, which the script creates first"
            return Outcome(statement, Status.NOT_CHECKED, note=note)
        return Outcome(statement, Status.CHECKED, seconds=time.monotonic() - started)

    def _execute(self, statement: Statement, key: str, ledger: RunLedger) -> Callable[[], Sent]:
        """Send ``statement`` on its own (autocommit mode); ``key`` is its key in ``ledger``."""

        def execute() -> Sent:
            with row_tag(statement.number):
                return Sent(self._executor.execute(self._secret, statement.text))

        return execute

    def _explain(self, statement: Statement) -> Callable[[], object]:
        def explain() -> object:
            with row_tag(statement.number):
                return self._executor.query(self._secret, "EXPLAIN " + statement.text)

        return explain

    def _record(self, ledger: RunLedger, statement: Statement | None, key: str, rows: int, run: Run) -> None:
        """Record a statement (or, with ``None``, the whole script) as committed, in its own transaction."""

        def record() -> None:
            self._write_record(ledger, key, SCRIPT_KIND if statement is None else STATEMENT_KIND, rows)

        try:
            with stop_scope(None):  # what committed is recorded even after a stop (see the module's docstring)
                self._retry.call(f"state table for {self._target}", record)
        except GlueELTError as error:
            what = "the script" if statement is None else f"{statement.label}"
            run.status = "failed"
            run.error = with_prefix(
                error,
                f"{what} committed, but recording that in the state table failed (a re-run with the same run id "
                "would run it again): ",
            )

    def _write_record(self, ledger: RunLedger, key: str, kind: str, rows: int) -> None:
        """Append ``key``'s commit record in a transaction of its own."""
        with self._executor.transaction(self._secret) as session:
            ledger.record(session, self._secret, key, self._target, kind, rows)

    def _failed(self, statement: Statement, error: GlueELTError, started: float, total: int = 0) -> Outcome:
        """A failed outcome with a secret-free message; logged when ``total`` is given."""
        outcome = Outcome(statement, Status.FAILED, seconds=time.monotonic() - started, note=redact(str(error)))
        if total:
            log_outcome(outcome, total)
        return outcome

    def _skipped(self, statements: tuple[Statement, ...], run: Run) -> Run:
        run.status = "skipped"
        run.outcomes = [Outcome(s, Status.SKIPPED) for s in statements]
        return run

    def _not_run(self, statements: tuple[Statement, ...], run: Run) -> None:
        seen = {o.statement.number for o in run.outcomes}
        run.outcomes.extend(Outcome(s, Status.NOT_RUN) for s in statements if s.number not in seen)


class _CommittedMeanwhileError(Exception):
    """Raised in the script's transaction (which then rolls back) when the run id committed it meanwhile."""


def _committed_before(number: int) -> str:
    if number == 1:
        return "nothing committed"
    return "statement 1 committed" if number == 2 else f"statements 1 to {number - 1} committed"
