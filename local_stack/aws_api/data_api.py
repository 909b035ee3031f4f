"""The Redshift Data API operations: ExecuteStatement, BatchExecuteStatement, DescribeStatement, GetStatementResult,
CancelStatement, ListStatements (request and answer shapes from botocore's ``redshift-data`` 2019-12-20 model).

Who runs the SQL, as the service decides it:

- ``ClusterIdentifier`` + ``DbUser``: temporary credentials for that user (``GetClusterCredentials`` without
  ``AutoCreate``), so the statement runs as ``DbUser``;
- ``SecretArn`` (with a cluster or a workgroup): the secret's ``username``/``password``, read from moto with the
  caller's keys;
- ``WorkgroupName``, or ``ClusterIdentifier`` alone: the caller's IAM identity (``IAMR:<role>``/``IAM:<user>``, see
  ``local_stack.aws_api.credentials``).

Statements run in a worker thread each; a client polls ``DescribeStatement`` (or passes ``WaitTimeSeconds``).
Not emulated (a ``ValidationException`` says so): sessions (``SessionId``, ``SessionKeepAliveSeconds``), the CSV
result format, ``WithEvent`` (accepted, no event is sent), ``ListStatements``' cluster, workgroup and database
filters, and the catalog operations.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Callable
from typing import Any

from local_stack.aws_api import runner
from local_stack.aws_api.credentials import CredentialBroker
from local_stack.aws_api.protocol import ApiError, Caller, epoch, now, validation
from local_stack.aws_api.sql_params import bind
from local_stack.aws_api.statements import TERMINAL, Part, Statement, StatementStore
from local_stack.endpoints import LOCAL_CLUSTER_ID, LOCAL_WORKGROUP, StackEndpoints

PAGE_ROWS = 1000
"""Records per ``GetStatementResult`` page (the service pages by size, up to 100 MB a page)."""
MAX_ACTIVE = 50
"""Statements allowed to run at once (PostgreSQL here has 150 connections; the service allows 500)."""
CREDENTIAL_SECONDS = 900
LIST_STATUSES = frozenset({"SUBMITTED", "PICKED", "STARTED", "FINISHED", "ABORTED", "FAILED", "ALL"})
NO_ENDPOINT = "Redshift endpoint doesn't exist in this region."
_WORKGROUP_ARN_SUFFIX = ":workgroup/"


class DataApi:
    """The operations, bound to the stack's endpoints, the credential broker and the statement store."""

    def __init__(self, endpoints: StackEndpoints, broker: CredentialBroker) -> None:
        self.ep, self.broker, self.store = endpoints, broker, StatementStore()
        self.on_new_batch: Callable[[Statement], None] | None = None
        """Called with each new batch before it starts (the server's test faults)."""

    def execute_statement(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """``ExecuteStatement``: one SQL statement."""
        sql = request.get("Sql")
        if not isinstance(sql, str) or not sql.strip():
            raise validation("Sql must not be empty")
        return self._submit("ExecuteStatement", request, caller, [sql], batch=False)

    def batch_execute_statement(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """``BatchExecuteStatement``: 1 to 40 statements, by default in one transaction."""
        sqls = request.get("Sqls")
        if not isinstance(sqls, list) or not 1 <= len(sqls) <= 40 or not all(isinstance(s, str) and s for s in sqls):
            raise validation("Sqls must hold 1 to 40 SQL statements")
        mode = request.get("ExecutionMode", "TRANSACTION")
        if mode not in ("TRANSACTION", "AUTO_COMMIT"):
            raise validation("ExecutionMode must be TRANSACTION or AUTO_COMMIT")
        return self._submit("BatchExecuteStatement", request, caller, sqls, batch=True)

    def describe_statement(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """``DescribeStatement`` of an ``Id`` (or of a batch part ``<Id>:<n>``)."""
        statement, part = self.store.find(str(request.get("Id", "")))
        _wait(statement, request)
        if part is None:
            return statement.describe()
        data = {**statement.describe(), **part.describe()}
        data.pop("SubStatements", None)
        return data

    def get_statement_result(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """``GetStatementResult``: one page of a finished statement's records."""
        statement_id = str(request.get("Id", ""))
        statement, part = self.store.find(statement_id)
        _wait(statement, request)
        if part is None and statement.batch:
            raise validation("BatchExecuteStatement result can only be retrieved with sub-statement id.")
        part = part or statement.parts[0]
        if part.status != "FINISHED" or part.result is None:
            raise ApiError(
                "ResourceNotFoundException",
                "Query does not have result. Please check query status with DescribeStatement.",
                ResourceId=statement_id,
            )
        start = _offset(request.get("NextToken"), part.id)
        records = part.result.records[start : start + PAGE_ROWS]
        answer: dict[str, Any] = {
            "Records": records,
            "ColumnMetadata": part.result.columns,
            "TotalNumRows": len(part.result.records),
        }
        if start + PAGE_ROWS < len(part.result.records):
            answer["NextToken"] = base64.urlsafe_b64encode(f"{part.id}|{start + PAGE_ROWS}".encode()).decode()
        return answer

    def cancel_statement(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """``CancelStatement``: stop a statement that has not ended (its running SQL through ``pg_cancel_backend``)."""
        statement_id = str(request.get("Id", ""))
        statement, _ = self.store.find(statement_id)
        if statement.done.is_set() or statement.status in TERMINAL:
            raise validation(
                f"Could not cancel a query that is already in {statement.status} state with ID: {statement_id}"
            )
        statement.cancel_requested = True
        for _ in range(25):  # the backend may start the query just after a cancel arrives: send it again
            if any(part.status == "STARTED" for part in statement.parts) and statement.pid:
                self.broker.cancel(statement.pid)
            if statement.done.wait(0.2):
                break
        return {"Status": True}

    def list_statements(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """``ListStatements``: the caller's statements, newest first. ``RoleLevel`` true (the default): those of its
        IAM identity, any session; false: those of this session (its access key). ``StatementName`` matches a
        prefix, case-sensitively; ``Status`` filters (the default FINISHED: "By default, only finished statements
        are shown"; ALL: any); ``MaxResults`` (0 to 100) per page, then a ``NextToken``."""
        status = str(request.get("Status", "FINISHED"))
        if status not in LIST_STATUSES:
            raise validation(f"Status must be one of {', '.join(sorted(LIST_STATUSES))}")
        limit = request.get("MaxResults", 100)
        if not isinstance(limit, int) or not 0 <= limit <= 100:
            raise validation("MaxResults must be between 0 and 100")
        prefix = str(request.get("StatementName", ""))
        mine = (0, self.broker.identity(caller)) if request.get("RoleLevel", True) else (1, caller.access_key)
        found = [
            statement.listed()
            for statement in self.store.newest_first()
            if statement.owner[mine[0]] == mine[1]
            and (statement.name or "").startswith(prefix)
            and status in ("ALL", statement.status)
        ]
        start, size = _offset(request.get("NextToken"), "list"), limit or 100
        page: dict[str, Any] = {"Statements": found[start : start + size]}
        if start + size < len(found):
            page["NextToken"] = base64.urlsafe_b64encode(f"list|{start + size}".encode()).decode()
        return page

    def wait_done(self, statement_id: str, timeout: float) -> bool:
        """Wait until the statement ended (used by the lost-response test hook)."""
        statement, _ = self.store.find(statement_id)
        return statement.done.wait(timeout)

    def _submit(
        self, operation: str, request: dict[str, Any], caller: Caller, sqls: list[str], *, batch: bool
    ) -> dict[str, Any]:
        for unsupported in ("SessionId", "SessionKeepAliveSeconds"):
            if request.get(unsupported) is not None:
                raise validation(f"{unsupported}: sessions are not emulated by the local Data API")
        if request.get("ResultFormat", "JSON") != "JSON":
            raise validation("ResultFormat CSV is not emulated by the local Data API (use JSON)")
        database = request.get("Database")
        if not isinstance(database, str) or not database:
            raise validation("Database must be given")
        target, resolve = self._who(request, caller, database)
        bound = bind(sqls, request.get("Parameters"))
        owner = (self.broker.identity(caller), caller.access_key)

        def create(statement_id: str) -> Statement:
            if self.store.active() >= MAX_ACTIVE:
                raise ApiError("ActiveStatementsExceededException", f"more than {MAX_ACTIVE} statements are running")
            created = now()
            parts = [
                Part(f"{statement_id}:{i}" if batch else statement_id, sql, created) for i, sql in enumerate(sqls, 1)
            ]
            mode = str(request.get("ExecutionMode", "TRANSACTION"))
            name = request.get("StatementName")
            return Statement(
                statement_id, parts, batch, database, target, request.get("Parameters"), mode,
                name=None if name is None else str(name), owner=owner,
            )  # fmt: skip

        statement, created = self.store.claim(operation, request, create)
        if created:
            if batch and self.on_new_batch is not None:
                self.on_new_batch(statement)
            worker = threading.Thread(
                target=runner.execute, args=(statement, resolve, self.ep, bound), name=f"statement-{statement.id}"
            )
            worker.daemon = True
            worker.start()
        _wait(statement, request)
        answer: dict[str, Any] = {
            "Id": statement.id,
            "CreatedAt": epoch(statement.parts[0].created),
            "Database": database,
        }
        answer.update(target)
        if request.get("WaitTimeSeconds") is not None:
            answer.update(
                Status=statement.status, RedshiftPid=statement.pid, HasResultSet=statement.describe()["HasResultSet"]
            )
        return answer

    def _who(self, request: dict[str, Any], caller: Caller, database: str) -> tuple[dict[str, str], runner.Resolver]:
        """What the answers echo and how the worker logs in."""
        cluster, workgroup = request.get("ClusterIdentifier"), request.get("WorkgroupName")
        db_user, secret = request.get("DbUser"), request.get("SecretArn")
        if bool(cluster) == bool(workgroup):
            raise validation("Either ClusterIdentifier or WorkgroupName must be given, not both")
        if db_user and secret:
            raise validation("DbUser and SecretArn cannot be given together")
        if workgroup and db_user:
            raise validation("DbUser is not supported with WorkgroupName")
        if cluster and cluster != LOCAL_CLUSTER_ID:
            raise validation(NO_ENDPOINT)
        if workgroup and str(workgroup).rsplit(_WORKGROUP_ARN_SUFFIX, 1)[-1] != LOCAL_WORKGROUP:
            raise validation(NO_ENDPOINT)
        target = {"ClusterIdentifier": str(cluster)} if cluster else {"WorkgroupName": str(workgroup)}
        if secret:
            user, password = self.broker.secret_login(caller, str(secret))
            target["SecretArn"] = str(secret)
            return target, lambda: (user, password)
        if db_user:
            name = str(db_user)
            target["DbUser"] = name

            def temporary() -> tuple[str, str]:
                login = self.broker.cluster_credentials(
                    name, database, CREDENTIAL_SECONDS, auto_create=False, groups=[]
                )
                return login.user, login.password

            return target, temporary
        identity = self.broker.identity(caller)
        target["DbUser"] = identity

        def iam() -> tuple[str, str]:
            login = self.broker.iam_credentials(identity, database, CREDENTIAL_SECONDS)
            return login.user, login.password

        return target, iam


def _wait(statement: Statement, request: dict[str, Any]) -> None:
    seconds = request.get("WaitTimeSeconds")
    if seconds is not None:
        if not isinstance(seconds, int) or not 1 <= seconds <= 30:
            raise validation("WaitTimeSeconds must be between 1 and 30")
        statement.done.wait(seconds)


def _offset(token: object, part_id: str) -> int:
    if token is None:
        return 0
    try:
        owner, _, number = base64.urlsafe_b64decode(str(token).encode()).decode().rpartition("|")
        if owner == part_id and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise validation("NextToken is not valid for this statement")
