"""The target, Amazon Redshift: the ``Executor`` protocol a step runs its SQL through and its two backends (``driver``:
``redshift_connector`` over the wire protocol; ``data_api``: the Redshift Data API), the facts about transient errors
they share, how a secret becomes credentials (``auth``), identifiers, the catalog, privileges, the credential
literals SQL may carry (``sql_secrets``: masked wherever SQL is shown), the state table, and the factory that builds a
step's executor. It imports only ``glue_elt.core`` and ``glue_elt.aws``.

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from glue_elt.redshift.executor import Executor, Row, Session
    from glue_elt.redshift.factory import ExecutorKind, build_executor
    from glue_elt.redshift.names import Identifier, TableName
    from glue_elt.redshift.state import RunLedger, StateTable

__all__ = [
    "Executor",
    "ExecutorKind",
    "Identifier",
    "Row",
    "RunLedger",
    "Session",
    "StateTable",
    "TableName",
    "build_executor",
]

_LAZY = {
    "Executor": "glue_elt.redshift.executor",
    "Row": "glue_elt.redshift.executor",
    "Session": "glue_elt.redshift.executor",
    "ExecutorKind": "glue_elt.redshift.factory",
    "build_executor": "glue_elt.redshift.factory",
    "RunLedger": "glue_elt.redshift.state",
    "StateTable": "glue_elt.redshift.state",
    "Identifier": "glue_elt.redshift.names",
    "TableName": "glue_elt.redshift.names",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
