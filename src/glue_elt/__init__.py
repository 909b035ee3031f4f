"""glue-elt: AWS Glue ELT steps, and the framework they are built on.

The framework: ``GlueELTStep`` (base of all steps), ``Param`` (a typed job parameter), ``Executor`` /
``RedshiftExecutor`` / ``DataApiExecutor``, ``RetryPolicy``, ``StateTable`` / ``RunLedger`` and the exception
tree rooted at ``GlueELTError``. The steps: ``RedshiftCrossAccountDataMigration`` (with its result types) and
``RedshiftSqlStep``, each imported on first use, so a step imports only what it needs.

The code is in packages by layer, each importing only those below it: ``glue_elt.core`` (pure: parameters, retry
policy, run id, redaction, sizes), ``glue_elt.aws`` (boto3 clients, S3 documents) with ``glue_elt.observability``
beside it (a run's figures as CloudWatch metrics), ``glue_elt.redshift`` (the
target: executors, names, catalog, state table, credentials) and ``glue_elt.steps`` (the step base and the steps);
``tests/unit/test_layers.py`` holds them to it.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import lazy_attributes
from glue_elt.core.params import Param
from glue_elt.core.retry import RetryPolicy
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
from glue_elt.redshift.driver.executor import RedshiftExecutor
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.state import RunLedger, StateTable
from glue_elt.steps.base import GlueELTStep

if TYPE_CHECKING:
    from glue_elt.redshift.data_api.executor import DataApiExecutor
    from glue_elt.steps.redshift_cross_account_migration.model import (
        MigrationResult,
        MigrationRow,
        RowOutcome,
        RowStatus,
    )
    from glue_elt.steps.redshift_cross_account_migration.step import RedshiftCrossAccountDataMigration
    from glue_elt.steps.redshift_sql.step import RedshiftSqlStep

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
    "DataApiExecutor": "glue_elt.redshift.data_api.executor",
    "RedshiftCrossAccountDataMigration": "glue_elt.steps.redshift_cross_account_migration.step",
    "RedshiftSqlStep": "glue_elt.steps.redshift_sql.step",
    "MigrationResult": "glue_elt.steps.redshift_cross_account_migration.model",
    "MigrationRow": "glue_elt.steps.redshift_cross_account_migration.model",
    "RowOutcome": "glue_elt.steps.redshift_cross_account_migration.model",
    "RowStatus": "glue_elt.steps.redshift_cross_account_migration.model",
}
"""Each step (and its result types) is imported on first use: ``python -m`` runs a step's module once, and
importing ``glue_elt`` for one step loads no other step's code."""


__getattr__ = lazy_attributes(__name__, _LAZY)
