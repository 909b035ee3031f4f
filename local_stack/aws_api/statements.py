"""Data API statements kept in memory: their state, results, the idempotency tokens that name them, and retention.

**Retention**: a statement and its result stay for ``RETENTION`` (24 hours, the Data API's documented result
lifetime) or until ``MAX_STATEMENTS`` newer ones exist, whichever comes first, and all of them go when the server
stops. A ``ClientToken`` names its statement for ``TOKEN_LIFETIME`` (8 hours: "The client token expires after 8
hours", mgmt/data-api.html) while the statement is kept: the same token with the same request answers the same
``Id`` without running anything again, whatever that statement's outcome (a FAILED one too); with a different
request it is a ``ValidationException``. After that, the token names nothing and the request runs anew.
``expire_tokens`` (the ``expire_client_tokens`` test control) ends every token's life at once, as 8 hours would.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from local_stack.aws_api.protocol import ApiError, epoch, now, validation

RETENTION = dt.timedelta(hours=24)
TOKEN_LIFETIME = dt.timedelta(hours=8)
MAX_STATEMENTS = 10_000
_QUERY_IDS = itertools.count(1001)
"""Query ids as a cluster hands them out: increasing, one per statement run."""
TERMINAL = frozenset({"FINISHED", "FAILED", "ABORTED"})
_IGNORED_FOR_IDEMPOTENCY = frozenset({"ClientToken", "WaitTimeSeconds"})


@dataclass
class Result:
    """A statement's result set: column metadata and records as the Data API writes them."""

    columns: list[dict[str, Any]]
    records: list[list[dict[str, Any]]]


@dataclass
class Part:
    """One SQL statement: the whole of an ``ExecuteStatement``, or one of a batch's (``<Id>:<n>``)."""

    id: str
    sql: str
    created: dt.datetime
    status: str = "SUBMITTED"
    updated: dt.datetime | None = None
    started: dt.datetime | None = None
    ended: dt.datetime | None = None
    error: str | None = None
    has_result_set: bool = False
    rows: int = -1
    size: int = -1
    result: Result | None = None
    query_id: int = 0
    """Redshift's query id: 0 until the statement starts (awslabs/amazon-redshift-utils#515), then a new number."""

    def move(self, status: str, error: str | None = None) -> None:
        """Change status (and error), stamping the times."""
        moment = now()
        self.status, self.updated = status, moment
        if status == "STARTED":
            self.started = moment
            self.query_id = next(_QUERY_IDS)
        if status in TERMINAL:
            self.ended = moment
            self.error = error

    @property
    def duration_ns(self) -> int:
        """How long it ran, in nanoseconds (-1 until it ended, as the service reports it)."""
        if self.ended is None:
            return -1
        return int(((self.ended - (self.started or self.ended)).total_seconds()) * 1e9)

    def describe(self) -> dict[str, Any]:
        """The fields shared by ``DescribeStatement`` and its ``SubStatements``."""
        data: dict[str, Any] = {
            "Id": self.id,
            "Status": self.status,
            "CreatedAt": epoch(self.created),
            "UpdatedAt": epoch(self.updated or self.created),
            "QueryString": self.sql,
            "Duration": self.duration_ns,
            "HasResultSet": self.has_result_set,
            "ResultRows": self.rows,
            "ResultSize": self.size,
            "RedshiftQueryId": self.query_id,
        }
        if self.error is not None:
            data["Error"] = self.error
        return data


@dataclass
class Statement:
    """A request the Data API accepted: one ``Part`` (``ExecuteStatement``) or several (``BatchExecuteStatement``)."""

    id: str
    parts: list[Part]
    batch: bool
    database: str
    target: dict[str, str]
    """What the answers echo: ``ClusterIdentifier`` or ``WorkgroupName``, ``DbUser``, ``SecretArn``."""
    parameters: list[dict[str, str]] | None
    mode: str = "TRANSACTION"
    name: str | None = None
    """``StatementName``, as given."""
    owner: tuple[str, str] = ("", "")
    """Who sent it: the caller's IAM identity (its role) and its access key (its session), for ``ListStatements``."""
    pid: int = 0
    cancel_requested: bool = False
    reported_status: str | None = None
    """A status reported whatever the SQL does (the ``report_aborted_next_batch`` fault)."""
    queued_seconds: float = 0.0
    """How long the batch's session waits, its transaction open, before its first statement (as in a WLM queue)."""
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def status(self) -> str:
        """A batch is FAILED or ABORTED when a part is, STARTED while one runs, FINISHED when all did."""
        if self.reported_status is not None:
            return self.reported_status
        states = [part.status for part in self.parts]
        for status in ("FAILED", "ABORTED"):
            if status in states and all(s in TERMINAL for s in states):
                return status
        if all(s == "FINISHED" for s in states):
            return "FINISHED"
        if any(s in ("STARTED", *TERMINAL) for s in states):
            return "STARTED"
        return states[0]

    def describe(self) -> dict[str, Any]:
        """``DescribeStatement``'s answer."""
        first, last = self.parts[0], self.parts[-1]
        data: dict[str, Any] = first.describe() if not self.batch else {"Id": self.id, "Status": self.status}
        ended = [p.ended for p in self.parts if p.ended] if self.status in TERMINAL else []
        started = [p.started for p in self.parts if p.started]
        errors = [p.error for p in self.parts if p.error and p.status == "FAILED"]
        if self.batch:
            data.update(
                CreatedAt=epoch(first.created),
                UpdatedAt=epoch(max((p.updated or p.created) for p in self.parts)),
                QueryString="",
                Duration=int((max(ended) - min(started or ended)).total_seconds() * 1e9) if ended else -1,
                HasResultSet=any(p.has_result_set for p in self.parts),
                ResultRows=sum(max(p.rows, 0) for p in self.parts) if self.status == "FINISHED" else -1,
                ResultSize=sum(max(p.size, 0) for p in self.parts) if self.status == "FINISHED" else -1,
                RedshiftQueryId=max((p.query_id for p in self.parts), default=0),
                SubStatements=[part.describe() for part in self.parts],
                ExecutionMode=self.mode,
            )
            if errors:
                data["Error"] = errors[0]
            elif last.status == "ABORTED" and last.error:
                data["Error"] = last.error
        data.update({"Database": self.database, "RedshiftPid": self.pid, "ResultFormat": "JSON", **self.target})
        if self.parameters:
            data["QueryParameters"] = self.parameters
        return data

    def listed(self) -> dict[str, Any]:
        """The statement as ``ListStatements`` shows it (botocore's ``StatementData``)."""
        data: dict[str, Any] = {
            "Id": self.id,
            "Status": self.status,
            "CreatedAt": epoch(self.parts[0].created),
            "UpdatedAt": epoch(max((p.updated or p.created) for p in self.parts)),
            "IsBatchStatement": self.batch,
            "ResultFormat": "JSON",
        }
        if self.batch:
            data["QueryStrings"] = [part.sql for part in self.parts]
        else:
            data["QueryString"] = self.parts[0].sql
        if self.name is not None:
            data["StatementName"] = self.name
        if "SecretArn" in self.target:
            data["SecretArn"] = self.target["SecretArn"]
        if self.parameters:
            data["QueryParameters"] = self.parameters
        return data


class StatementStore:
    """Statements by id and by ``(operation, ClientToken)``, pruned by age and count."""

    def __init__(self) -> None:
        self._statements: OrderedDict[str, Statement] = OrderedDict()
        self._tokens: dict[tuple[str, str], tuple[str, str, dt.datetime]] = {}
        self._lock = threading.RLock()

    def claim(self, operation: str, request: dict[str, Any], create: Any) -> tuple[Statement, bool]:
        """The statement this request's ``ClientToken`` already names, or ``create(new_id)`` registered under it.
        Returns ``(statement, created)``."""
        token = request.get("ClientToken")
        fingerprint = json.dumps(
            {k: v for k, v in request.items() if k not in _IGNORED_FOR_IDEMPOTENCY}, sort_keys=True
        )
        with self._lock:
            self._prune()
            if token is not None and (operation, token) in self._tokens:
                known_fingerprint, known_id, _ = self._tokens[(operation, token)]
                if known_fingerprint != fingerprint:
                    raise validation(f"ClientToken {token} was already used with different request parameters")
                if known_id in self._statements:
                    return self._statements[known_id], False
            statement: Statement = create(str(uuid.uuid4()))
            self._statements[statement.id] = statement
            if token is not None:
                self._tokens[(operation, token)] = (fingerprint, statement.id, now())
            return statement, True

    def find(self, statement_id: str) -> tuple[Statement, Part | None]:
        """The statement of ``Id`` (``<Id>:<n>`` names a batch part, returned as well)."""
        base, _, number = statement_id.partition(":")
        with self._lock:
            statement = self._statements.get(base)
        if statement is None:
            raise ApiError(
                "ResourceNotFoundException", f"Query does not exist: {statement_id}", ResourceId=statement_id
            )
        if not number:
            return statement, None
        index = int(number) if number.isdigit() else 0
        if not statement.batch or not 1 <= index <= len(statement.parts):
            raise ApiError(
                "ResourceNotFoundException", f"Query does not exist: {statement_id}", ResourceId=statement_id
            )
        return statement, statement.parts[index - 1]

    def newest_first(self) -> list[Statement]:
        """Every statement kept, the newest first."""
        with self._lock:
            return sorted(self._statements.values(), key=lambda s: s.parts[0].created, reverse=True)

    def active(self) -> int:
        """How many statements have not ended."""
        with self._lock:
            return sum(1 for s in self._statements.values() if not s.done.is_set())

    def _prune(self) -> None:
        oldest = now() - RETENTION
        for statement_id, statement in list(self._statements.items()):
            too_many = len(self._statements) > MAX_STATEMENTS
            if not statement.done.is_set() or (statement.parts[0].created > oldest and not too_many):
                continue
            del self._statements[statement_id]
        live, born_after = set(self._statements), now() - TOKEN_LIFETIME
        self._tokens = {key: value for key, value in self._tokens.items() if value[1] in live and value[2] > born_after}

    def expire_tokens(self) -> int:
        """Forget every ``ClientToken`` now (as their 8 hours would); returns how many there were."""
        with self._lock:
            count, self._tokens = len(self._tokens), {}
            return count
