"""The armed test faults of the local API server (see ``local_stack.aws_api.server``'s docstring for each)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from local_stack.aws_api.statements import Statement


@dataclass
class Faults:
    """The armed test faults (see ``local_stack.aws_api.server``)."""

    throttle_next: int = 0
    throttle_operations: list[str] = field(default_factory=list)
    lose_response_of_next_batch: int = 0
    lose_response_mode: str = "close"
    deny_operations: list[str] = field(default_factory=list)
    omit_batch_error: bool = False
    report_aborted_next_batch: int = 0
    aborted_batch_queued_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def throttle(self, operation: str) -> bool:
        """Whether this call is to be throttled (counts it down)."""
        with self._lock:
            if self.throttle_next > 0 and (not self.throttle_operations or operation in self.throttle_operations):
                self.throttle_next -= 1
                return True
            return False

    def denies(self, operation: str) -> bool:
        """Whether calls of ``operation`` are refused (``deny_operations``)."""
        with self._lock:
            return operation in self.deny_operations

    def shape(self, operation: str, answer: dict[str, Any]) -> dict[str, Any]:
        """The answer as sent: a FAILED batch's ``DescribeStatement`` without its top-level ``Error`` when
        ``omit_batch_error`` is armed (the sub-statements keep theirs)."""
        with self._lock:
            omit = self.omit_batch_error
        if omit and operation == "DescribeStatement" and answer.get("Status") == "FAILED" and "SubStatements" in answer:
            return {key: value for key, value in answer.items() if key != "Error"}
        return answer

    def mark_batch(self, statement: Statement) -> None:
        """Arm a new batch, before it starts, with ``report_aborted_next_batch`` (counts it down)."""
        with self._lock:
            if self.report_aborted_next_batch > 0:
                self.report_aborted_next_batch -= 1
                statement.reported_status, statement.queued_seconds = "ABORTED", self.aborted_batch_queued_seconds

    def lose_batch(self) -> str | None:
        """The way to lose this batch's answer, or None (counts it down)."""
        with self._lock:
            if self.lose_response_of_next_batch > 0:
                self.lose_response_of_next_batch -= 1
                return self.lose_response_mode
            return None

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a ``POST /_local/faults`` body (``expire_credentials`` is the broker's, ``expire_client_tokens``
        the statement store's)."""
        with self._lock:
            if changes.get("reset"):
                self.throttle_next, self.throttle_operations, self.lose_response_of_next_batch = 0, [], 0
                self.lose_response_mode, self.deny_operations, self.omit_batch_error = "close", [], False
                self.report_aborted_next_batch, self.aborted_batch_queued_seconds = 0, 0.0
            self.throttle_next = int(changes.get("throttle_next", self.throttle_next))
            self.throttle_operations = list(changes.get("throttle_operations", self.throttle_operations))
            self.deny_operations = list(changes.get("deny_operations", self.deny_operations))
            self.omit_batch_error = bool(changes.get("omit_batch_error", self.omit_batch_error))
            self.report_aborted_next_batch = int(
                changes.get("report_aborted_next_batch", self.report_aborted_next_batch)
            )
            self.aborted_batch_queued_seconds = float(
                changes.get("aborted_batch_queued_seconds", self.aborted_batch_queued_seconds)
            )
            self.lose_response_of_next_batch = int(
                changes.get("lose_response_of_next_batch", self.lose_response_of_next_batch)
            )
            mode = str(changes.get("lose_response_mode", self.lose_response_mode))
            if mode not in ("close", "500", "close_running"):
                raise ValueError("lose_response_mode must be 'close', '500' or 'close_running'")
            self.lose_response_mode = mode

    def state(self) -> dict[str, Any]:
        """The armed faults as JSON."""
        with self._lock:
            return {
                "throttle_next": self.throttle_next,
                "throttle_operations": self.throttle_operations,
                "lose_response_of_next_batch": self.lose_response_of_next_batch,
                "lose_response_mode": self.lose_response_mode,
                "deny_operations": self.deny_operations,
                "omit_batch_error": self.omit_batch_error,
                "report_aborted_next_batch": self.report_aborted_next_batch,
                "aborted_batch_queued_seconds": self.aborted_batch_queued_seconds,
            }
