"""glue-elt: AWS Glue ELT steps, and the framework they are built on.

The framework: ``GlueELTStep`` (base of all steps), ``Param`` (a typed job parameter), ``Executor`` /
``RedshiftExecutor`` / ``DataApiExecutor``, ``RetryPolicy``, ``StateTable`` / ``RunLedger`` and the exception
tree rooted at ``GlueELTError``. The steps: ``RedshiftCrossAccountDataMigration`` (with its result types) and
``RedshiftSqlStep``, each imported on first use, so a step imports only what it needs.
"""

from typing import TYPE_CHECKING

from glue_elt.errors import (
    ConfigError,
    ExecutionError,
    GlueELTError,
    LoadCheckError,
    ObjectNotFoundError,
    OutputError,
    SecretError,
    UnreachableError,
    ValidationError,
)
from glue_elt.executor import Executor, RedshiftExecutor
from glue_elt.params import Param
from glue_elt.retry import RetryPolicy
from glue_elt.state import RunLedger, StateTable
from glue_elt.step import GlueELTStep

if TYPE_CHECKING:
    from glue_elt.data_api import DataApiExecutor
    from glue_elt.migration.model import MigrationResult, MigrationRow, RowOutcome, RowStatus
    from glue_elt.steps.redshift_cross_account_migration import RedshiftCrossAccountDataMigration
    from glue_elt.steps.redshift_sql import RedshiftSqlStep

__all__ = [
    "ConfigError",
    "DataApiExecutor",
    "ExecutionError",
    "Executor",
    "GlueELTError",
    "GlueELTStep",
    "LoadCheckError",
    "MigrationResult",
    "MigrationRow",
    "ObjectNotFoundError",
    "OutputError",
    "Param",
    "RedshiftCrossAccountDataMigration",
    "RedshiftExecutor",
    "RedshiftSqlStep",
    "RetryPolicy",
    "RowOutcome",
    "RowStatus",
    "RunLedger",
    "SecretError",
    "StateTable",
    "UnreachableError",
    "ValidationError",
]


_LAZY = {
    "DataApiExecutor": "glue_elt.data_api",
    "RedshiftCrossAccountDataMigration": "glue_elt.steps.redshift_cross_account_migration",
    "RedshiftSqlStep": "glue_elt.steps.redshift_sql",
    "MigrationResult": "glue_elt.migration.model",
    "MigrationRow": "glue_elt.migration.model",
    "RowOutcome": "glue_elt.migration.model",
    "RowStatus": "glue_elt.migration.model",
}
"""Each step (and its result types) is imported on first use: ``python -m`` runs a step's module once, and
importing ``glue_elt`` for one step loads no other step's code."""


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'glue_elt' has no attribute {name!r}")
