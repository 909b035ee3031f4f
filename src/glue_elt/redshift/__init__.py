"""The target, Amazon Redshift: the ``Executor`` protocol a step runs its SQL through and its two backends (``driver``:
``redshift_connector`` over the wire protocol; ``data_api``: the Redshift Data API), the facts about transient errors
they share, how a secret becomes credentials (``auth``), identifiers, the catalog, privileges, the credential
literals SQL may carry (``sql_secrets``: masked wherever SQL is shown), the state table, and the factory that builds a
step's executor. It imports only ``glue_elt.core`` and ``glue_elt.aws``.

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports

if TYPE_CHECKING:
    from glue_elt.redshift.executor import Executor as Executor
    from glue_elt.redshift.executor import Row as Row
    from glue_elt.redshift.executor import Session as Session
    from glue_elt.redshift.factory import ExecutorKind as ExecutorKind
    from glue_elt.redshift.factory import build_executor as build_executor
    from glue_elt.redshift.names import Identifier as Identifier
    from glue_elt.redshift.names import TableName as TableName
    from glue_elt.redshift.state import RunLedger as RunLedger
    from glue_elt.redshift.state import StateTable as StateTable

__all__, __getattr__ = exports(__name__)
