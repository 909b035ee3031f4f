"""glue-elt: AWS Glue ELT steps.

Public surface: ``GlueELTStep`` (base of all steps), ``RedshiftCrossAccountDataMigration`` (the
cross-account migration step), ``RedshiftSqlStep`` (runs a SQL script), ``RedshiftExecutor`` and the exception
tree rooted at ``GlueELTError``. The steps and the migration's result types are imported on first use, so a
step imports only what it needs.
"""

from typing import TYPE_CHECKING

from glue_elt.errors import (
    ConfigError,
    ExecutionError,
    GlueELTError,
    OutputError,
    SecretError,
    ValidationError,
)
from glue_elt.executor import RedshiftExecutor
from glue_elt.step import GlueELTStep

if TYPE_CHECKING:
    from glue_elt.migration.model import MigrationResult, MigrationRow, RowOutcome, RowStatus
    from glue_elt.steps.redshift_cross_account_migration import RedshiftCrossAccountDataMigration
    from glue_elt.steps.redshift_sql import RedshiftSqlStep

__all__ = [
    "ConfigError",
    "ExecutionError",
    "GlueELTError",
    "GlueELTStep",
    "MigrationResult",
    "MigrationRow",
    "OutputError",
    "RedshiftCrossAccountDataMigration",
    "RedshiftExecutor",
    "RedshiftSqlStep",
    "RowOutcome",
    "RowStatus",
    "SecretError",
    "ValidationError",
]


MIGRATION_MODEL = frozenset({"MigrationResult", "MigrationRow", "RowOutcome", "RowStatus"})


def __getattr__(name: str) -> object:
    # Imported lazily so ``python -m glue_elt.steps.<step>`` runs the module once, and so the SQL step never
    # imports the migration package.
    if name == "RedshiftCrossAccountDataMigration":
        from glue_elt.steps.redshift_cross_account_migration import RedshiftCrossAccountDataMigration

        return RedshiftCrossAccountDataMigration
    if name == "RedshiftSqlStep":
        from glue_elt.steps.redshift_sql import RedshiftSqlStep

        return RedshiftSqlStep
    if name in MIGRATION_MODEL:
        from glue_elt.migration import model

        return getattr(model, name)
    raise AttributeError(f"module 'glue_elt' has no attribute {name!r}")
