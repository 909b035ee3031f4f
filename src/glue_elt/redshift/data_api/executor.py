"""Runs SQL through the Amazon Redshift Data API (``redshift-data``): no driver, no open connection, no VPC route.

Each statement is submitted, then ``DescribeStatement`` is polled with backoff until it ends; results are read
with ``GetStatementResult``. A transaction is one ``BatchExecuteStatement`` (the service runs its statements in
one transaction and rolls all back when one fails), so a transaction's statements cannot return results before
it ends: ``run_batch`` returns each sub-statement's row count afterwards, and code that must stop a transaction
on a condition writes the condition as a statement that fails
(``glue_elt.steps.redshift_cross_account_migration.batch_load``).

A batch sent with a ``ClientToken`` the service already knows is answered with the batch that token first named,
"without performing any further actions", whatever its outcome, for 8 hours (mgmt/data-api.html). The executor
tells such an answer from a batch of its own by the service's clock: a batch created before the first statement
this executor ran is an earlier process's (``replayed``), so a caller can tell an old failure from a new one. A
token refused because its first request had other statements is answered by that request's batch too, found by
its ``StatementName`` (``glue_elt.redshift.data_api.earlier``).

Once the run's stop was requested (``glue_elt.core.stopping``), nothing more is submitted: ``ExecuteStatement`` and
``BatchExecuteStatement`` ask ``refuse_if_stopped`` right before they go (after taking their submission's number,
so a submission that passed the check before the stop is cancelled by ``cancel_running`` once its id is known).
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from glue_elt.core.stopping import refuse_if_stopped
from glue_elt.errors import ExecutionError
from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.batch import BatchResult, BatchStatementError
from glue_elt.redshift.data_api.aborted import ACTIVE_SESSION, await_end
from glue_elt.redshift.data_api.batch_session import BatchSession
from glue_elt.redshift.data_api.calls import DataApiCalls
from glue_elt.redshift.data_api.earlier import batch_name, named_batch
from glue_elt.redshift.data_api.errors import TOKEN_REFUSALS, RefusedRequestError, ended_badly
from glue_elt.redshift.data_api.pace import Pacer
from glue_elt.redshift.data_api.wire import (
    check_size,
    failed_part,
    named_parameters,
    result_rows,
    same_statements,
)
from glue_elt.redshift.executor import Row
from glue_elt.redshift.session import NO_SETTINGS, SessionSettings
from glue_elt.redshift.sql_secrets import mask_sql
from glue_elt.redshift.tags import tagged

logger = logging.getLogger(__name__)
POLL_DELAYS = (0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 3.0)
"""Seconds between ``DescribeStatement`` calls; the last one repeats until the statement ends."""
ENDED = frozenset({"FINISHED", "FAILED", "ABORTED"})
POLL = "DescribeStatement"


class DataApiExecutor:
    """``execute``, ``query``, ``transaction`` and ``run_batch`` per secret name through the Data API.

    The secret says which cluster or workgroup and who runs the SQL
    (``glue_elt.redshift.data_api.wire.data_api_target``). ``calls`` counts the API calls by operation
    (``DescribeStatement`` being the polling). ``pacer`` spaces the calls under the account's quotas and waits out
    busy answers (``glue_elt.redshift.data_api.pace``).
    """

    def __init__(
        self,
        secrets: SecretStore | None = None,
        *,
        poll_delays: Sequence[float] = POLL_DELAYS,
        sleep: Callable[[float], None] = time.sleep,
        pacer: Pacer | None = None,
        session: SessionSettings = NO_SETTINGS,
    ) -> None:
        self._secrets = secrets or SecretStore()
        self._session = session
        self._sets = [tagged(sql) for sql in session.statements()]
        self._api = DataApiCalls(self._secrets, pacer or Pacer())
        self._poll_delays = tuple(poll_delays)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._began: datetime | None = None
        self._running: set[str] = set()
        self._submissions = itertools.count()
        self._cancel_before = 0
        self._stopping = False
        """Submissions numbered below this were in flight or running when ``cancel_running`` was called."""
        self.calls: Counter[str] = self._api.counts

    @property
    def secrets(self) -> SecretStore:
        """The secrets this executor reaches its targets with (each one's ``ConnectionSpec`` says where it is)."""
        return self._secrets

    def execute(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement on its own (the service commits it); return the rows it affected."""
        described = self._run(secret_name, sql, params)
        return int(described.get("ResultRows", -1))

    def query(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """Run one query on its own and return all its rows (every result page)."""
        described = self._run(secret_name, sql, params)
        if not described.get("HasResultSet"):
            return []
        return result_rows(lambda request: self._call("GetStatementResult", request), str(described["Id"]))

    def query_beside(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """The same as ``query``: the Data API holds no connection, so no transaction can be in the way."""
        return self.query(secret_name, sql, params)

    @contextmanager
    def transaction(self, secret_name: str) -> Iterator[BatchSession]:
        """Statements sent as one ``BatchExecuteStatement`` when the block ends without an error."""
        session = BatchSession()
        yield session
        if session.statements:
            self.run_batch(secret_name, session.statements)

    def run_batch(
        self, secret_name: str, statements: Sequence[str], client_token: str | None = None, *, autocommit: bool = False
    ) -> BatchResult:
        """Run ``statements`` as one transaction; raises ``BatchStatementError`` naming the failed statement. With
        ``autocommit`` the batch's ``ExecutionMode`` is ``AUTO_COMMIT``: each statement commits on its own, and one
        that fails does not undo the others (botocore's ``redshift-data`` model), so send one statement per batch
        when a failure must stop the ones after it.

        The same ``client_token`` names the same batch: sent again (after a lost answer, or by a re-run), it is
        not run twice; the service answers with the first one's id, which is then polled.
        """
        sqls = [tagged(sql) for sql in statements]
        for number, sql in enumerate(sqls, 1):
            check_size(sql, f"statement {number} of the batch")
        sets = len(self._sets)  # the session settings open the batch: a batch is a session of its own
        request: dict[str, Any] = {**self._target(secret_name), "Sqls": [*self._sets, *sqls]}
        if autocommit:
            request["ExecutionMode"] = "AUTO_COMMIT"
        if client_token is not None:
            request.update(ClientToken=client_token, StatementName=batch_name(client_token))
        if logger.isEnabledFor(logging.DEBUG):  # secret literals masked, whatever handler the caller installed
            for sql in statements:
                logger.debug("SQL (batch): %s", mask_sql(sql).text)
        number = self._submitting()
        refuse_if_stopped()
        try:
            submitted = self._call("BatchExecuteStatement", request)
        except RefusedRequestError as refused:
            if client_token is None or refused.code not in TOKEN_REFUSALS:
                raise
            return self._earlier_batch(secret_name, request["StatementName"], refused, number)
        described = self._wait(str(submitted["Id"]), number)
        replayed = self._before_this_executor(described.get("CreatedAt"))
        ours = same_statements(described, request["Sqls"])  # else another request of the token answered
        status = described.get("Status")
        if status != "FINISHED":
            raise self._batch_failure(secret_name, described, sets if ours else None, replayed)
        if not ours:
            logger.info("batch %s answered this ClientToken with other statements; its outcome answers this one",
                        described.get("Id"))  # fmt: skip
            return BatchResult(str(described["Id"]), (), replayed=True, other_statements=True)
        parts = described.get("SubStatements", [])[sets:]
        rows = tuple(int(part.get("ResultRows", -1)) for part in parts)
        query_ids = tuple(int(part.get("RedshiftQueryId") or 0) for part in parts)
        seconds = tuple(max(int(part.get("Duration") or 0), 0) / 1e9 for part in parts)
        return BatchResult(str(described["Id"]), rows, replayed, query_ids, seconds=seconds)

    def _earlier_batch(self, secret_name: str, name: str, refused: RefusedRequestError, number: int) -> BatchResult:
        """The answer of the batch named ``name`` that an earlier request of the token started with other
        statements (see ``earlier``), awaited; no such batch to be seen: the refusal stands."""
        try:
            found = named_batch(lambda request: self._call("ListStatements", request), name)
        except ExecutionError as error:
            raise ExecutionError(f"{refused} (looking for the batch its ClientToken names failed: {error})") from None
        if found is None:
            raise refused
        logger.info(
            "batch %s was sent earlier under this ClientToken with other statements (another --query_group, "
            "--statement_timeout_seconds or --state_table, or changed columns); its outcome answers this one",
            found,
        )
        described = self._wait(found, number)
        if described.get("Status") != "FINISHED":
            raise self._batch_failure(secret_name, described, None, True)
        return BatchResult(found, (), replayed=True, other_statements=True)

    def _batch_failure(
        self, secret_name: str, described: Mapping[str, Any], sets: int | None, replayed: bool
    ) -> BatchStatementError:
        """The error of a batch that did not finish. ``sets``: how many session settings open it (``None`` when the
        batch is another request's, whose positions are not this one's). A batch reported ABORTED is awaited until
        its session has ended (``aborted``), unless this executor is stopping (its process is about to end; a re-run
        waits for it instead)."""
        failure = self._ended_badly(described)
        index = failed_part(described)
        index = None if index is None or sets is None or index < sets else index - sets
        aborted = described.get("Status") == "ABORTED" and not self._stopping
        if aborted:
            await_end(functools.partial(self._active_sessions, secret_name), described, self._sleep, self._poll_delays)
        return BatchStatementError(
            str(failure),
            index=index,
            transient=failure.transient,
            replayed=replayed,
            aborted=aborted,
            stopped_by_limit=failure.stopped_by_limit,
        )

    def _active_sessions(self, secret_name: str, pid: int) -> int:
        return int(self.query(secret_name, ACTIVE_SESSION, [pid])[0][0])

    def close(self) -> None:
        """Nothing to close: the Data API holds no connection open for the caller."""

    def _run(self, secret_name: str, sql: str, params: Sequence[Any] | None) -> Mapping[str, Any]:
        if logger.isEnabledFor(logging.DEBUG):  # secret literals masked, whatever handler the caller installed
            logger.debug("SQL: %s", mask_sql(sql).text)
        text, parameters = named_parameters(tagged(sql), params)
        check_size(text, "the statement")
        request: dict[str, Any] = {**self._target(secret_name)}
        if parameters:
            request["Parameters"] = parameters
        number = self._submitting()
        refuse_if_stopped()
        if self._sets:  # no session between calls: the statement runs behind the settings, in a batch of its own
            # AUTO_COMMIT: each statement its own transaction, as the driver's autocommit; in TRANSACTION mode a query
            # of a data share would open a transaction by reading the share, which a consumer refuses
            # (aws/amazon-redshift-python-driver#247). SET holds for the batch's session either way.
            batch = {**request, "Sqls": [*self._sets, text], "ExecutionMode": "AUTO_COMMIT"}
            submitted = self._call("BatchExecuteStatement", batch)
        else:
            submitted = self._call("ExecuteStatement", {**request, "Sql": text})
        described = self._wait(str(submitted["Id"]), number)
        self._note_start(described.get("CreatedAt"))
        if described.get("Status") != "FINISHED":
            raise self._ended_badly(described)
        parts = described.get("SubStatements")
        return parts[-1] if self._sets and parts else described

    def _ended_badly(self, described: Mapping[str, Any]) -> ExecutionError:
        """The error of a statement that did not finish; a statement stopped by the statement timeout says so."""
        return ended_badly(described, self._session)

    def _note_start(self, created: object) -> None:
        """Remember the service's time of this executor's first statement (an ``ExecuteStatement``, whose token is
        always new, so its answer is never an earlier process's statement)."""
        if isinstance(created, datetime):
            with self._lock:
                if self._began is None or created < self._began:
                    self._began = created

    def _before_this_executor(self, created: object) -> bool:
        """Whether a statement was created before this executor's first one (by the service's clock)."""
        with self._lock:
            began = self._began
        return isinstance(created, datetime) and began is not None and created < began

    def _cancel(self, statement_id: str) -> None:
        try:
            self._call("CancelStatement", {"Id": statement_id})
        except ExecutionError as error:
            logger.info("statement %s was not cancelled: %s", statement_id, error)

    def _submitting(self) -> int:
        """The number of a submission about to be sent."""
        with self._lock:
            return next(self._submissions)

    def _wait(self, statement_id: str, number: int) -> Mapping[str, Any]:
        """Poll ``DescribeStatement`` with backoff until the statement has ended (``cancel_running`` may end it;
        a statement whose submission was in flight when it was called is cancelled as soon as its id is known)."""
        with self._lock:
            self._running.add(statement_id)
            cancel_now = number < self._cancel_before
        if cancel_now:
            self._cancel(statement_id)
        try:
            for attempt in itertools.count():
                described = self._call(POLL, {"Id": statement_id})
                if described.get("Status") in ENDED:
                    return described
                self._sleep(self._poll_delays[min(attempt, len(self._poll_delays) - 1)])
        finally:
            with self._lock:
                self._running.discard(statement_id)
        raise AssertionError("unreachable")  # pragma: no cover (itertools.count never ends)

    def cancel_running(self) -> None:
        """``CancelStatement`` for every statement this executor is waiting for; the service ends it (ABORTED)
        and rolls its batch back, and the wait for it then fails. One that ended meanwhile is refused by the
        service, which is fine."""
        with self._lock:
            running = sorted(self._running)
            self._cancel_before = next(self._submissions)
            self._stopping = True
        for statement_id in running:
            self._cancel(statement_id)
        if running:
            logger.info("cancelled %d running statement(s) through the Data API", len(running))

    def _target(self, secret_name: str) -> dict[str, str]:
        return self._api.target(secret_name)

    def _call(self, operation: str, request: dict[str, Any]) -> Mapping[str, Any]:
        return self._api.call(operation, request)
