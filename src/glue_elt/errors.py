"""The one exception tree of glue-elt.

Run-level problems (bad parameters, unreadable config) raise ``ConfigError`` before anything runs.
Row-level problems (``ValidationError``, ``SecretError``, ``ExecutionError``) fail only their own row.
"""

from __future__ import annotations


class GlueELTError(Exception):
    """Root of every error glue-elt raises on purpose."""


class ConfigError(GlueELTError):
    """Job parameters or the config file are unusable; nothing was run."""


class ValidationError(GlueELTError):
    """A migration row is malformed (names, columns, filter or load type)."""


class SecretError(GlueELTError):
    """A secret is missing, unreadable or lacks a key. Never carries the secret's values."""


class ExecutionError(GlueELTError):
    """The database refused a statement or the connection failed.

    ``transient`` marks failures worth retrying (lost connection, server restart, serialization
    failure, deadlock); ``sqlstate`` is the server's code when it sent one.
    """

    def __init__(self, message: str, *, transient: bool = False, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.sqlstate = sqlstate


class OutputError(GlueELTError):
    """A result file (e.g. the error file) could not be written."""
