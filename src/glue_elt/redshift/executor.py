"""What a step needs from whatever runs its SQL on Redshift: the ``Executor`` and ``Session`` protocols, and ``Row``.

The implementations: ``RedshiftExecutor`` (``glue_elt.redshift.driver``, ``redshift_connector`` over the wire
protocol) and ``DataApiExecutor`` (``glue_elt.redshift.data_api``, the Redshift Data API);
``glue_elt.redshift.factory`` builds the one a step runs with.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

Row = tuple[Any, ...]


class Session(Protocol):
    """Statements inside a transaction that an executor manages."""

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run (or, for a batch, add) one statement; return the rows it affected (``-1`` when not known)."""
        ...

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """Run one query and return its rows."""
        ...


class Executor(Protocol):
    """What steps need from a connection owner: single statements, queries, transactions, and clean-up.

    ``RedshiftExecutor`` is the wire-protocol implementation; tests may pass any object with these methods.
    """

    def execute(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement on its own; return the rows it affected."""
        ...

    def query(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """Run one query on its own and return its rows."""
        ...

    def query_beside(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """``query`` on a connection that no transaction holds, so it may be called inside a ``transaction``
        block (the load's look-up while its transaction holds the target's lock)."""
        ...

    def transaction(self, secret_name: str) -> AbstractContextManager[Session]:
        """A transaction that commits when the block ends and rolls back when it raises."""
        ...

    def close(self) -> None:
        """Close every connection."""
        ...


@runtime_checkable
class Cancellable(Protocol):
    """An executor that can end, on the server, the statements it has running (a stop of the run)."""

    def cancel_running(self) -> None:
        """End every statement this executor has running now; the calls running them then fail."""
        ...


@runtime_checkable
class SecretReleasing(Protocol):
    """An executor that holds connections per secret (the driver's; the Data API holds none) and can close a
    secret's once no more work needs them."""

    def release_secret(self, secret_name: str) -> None:
        """Close ``secret_name``'s connections; a later call for it opens new ones."""
        ...
