"""The one exception tree of glue-elt, and what each branch means for the caller.

- ``ConfigError``: job parameters or the config file are unusable; nothing ran (exit status 2).
- ``UnreachableError``: the cluster or an AWS API could not be reached, even after retries (exit status 4
  when it stops the run or fails a row).
- Row-level problems fail only their own row (exit status 1): ``ValidationError`` (a malformed row),
  ``ObjectNotFoundError`` (a table that does not exist or is not visible), ``SecretError``,
  ``ExecutionError`` (the database refused a statement) and ``LoadCheckError`` (a check of the data failed,
  such as duplicate merge keys or a count mismatch: the database did not refuse anything).
- ``StoppedError`` (an ``ExecutionError``): the run was stopped, so the statement was never sent; the steps
  report it as cancelled.
- ``LimitError`` (an ``ExecutionError``): a time limit stopped the statement (the run's statement timeout or a WLM
  query monitoring rule); never transient, since another attempt meets the same limit.
"""

from __future__ import annotations

import copy
from typing import TypeVar

E = TypeVar("E", bound=BaseException)


class GlueELTError(Exception):
    """Root of every error glue-elt raises on purpose."""


class ConfigError(GlueELTError):
    """Job parameters or the config file are unusable; nothing was run."""


class ValidationError(GlueELTError):
    """A migration row is malformed (names, columns, filter or load type)."""


class ObjectNotFoundError(GlueELTError):
    """A table, schema or other object does not exist, or the user may not see it."""


class SecretError(GlueELTError):
    """A secret is missing, unreadable or lacks a key. Never carries the secret's values."""


class ExecutionError(GlueELTError):
    """The database refused a statement or the connection failed.

    ``transient`` marks failures worth retrying (lost connection, server restart, serialization
    failure, deadlock); ``sqlstate`` is the server's code when it sent one; ``stopped_by_limit`` says that a time
    limit stopped the statement (``LimitError``, or a batch one ended).
    """

    stopped_by_limit = False

    def __init__(self, message: str, *, transient: bool = False, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.sqlstate = sqlstate


class UnreachableError(ExecutionError):
    """The cluster or an AWS API could not be reached (connection refused, timed out, name not resolved)."""

    def __init__(self, message: str, *, sqlstate: str | None = None) -> None:
        super().__init__(message, transient=True, sqlstate=sqlstate)


class StoppedError(ExecutionError):
    """The run was asked to stop, so an executor refused to send a statement: nothing of it reached the server."""


class LimitError(ExecutionError):
    """A time limit stopped a statement: the run's ``--statement_timeout_seconds`` or a WLM query monitoring rule's
    abort action. Never transient: another attempt of the same statement would meet the same limit."""

    stopped_by_limit = True

    def __init__(self, message: str, *, sqlstate: str | None = None) -> None:
        super().__init__(message, transient=False, sqlstate=sqlstate)


class LoadCheckError(GlueELTError):
    """A check of the data failed and the row's transaction was rolled back (duplicate or NULL merge keys, a
    row count that differs from the source's); the database itself refused nothing."""


class OutputError(GlueELTError):
    """A result file (e.g. the error file) could not be written."""


def with_prefix(error: E, prefix: str) -> E:
    """A copy of ``error`` (same class, same attributes such as ``sqlstate``) whose message starts with
    ``prefix``."""
    prefixed = copy.copy(error)
    prefixed.args = (prefix + str(error), *error.args[1:])
    return prefixed
