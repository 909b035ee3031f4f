"""glue-elt: AWS Glue ELT steps.

Public surface: ``GlueELTStep`` (base of all steps), ``RedshiftCrossAccountDataMigration`` (the
cross-account migration step), ``RedshiftExecutor`` and the exception tree rooted at ``GlueELTError``.
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
from glue_elt.migration.model import MigrationResult, MigrationRow, RowOutcome, RowStatus
from glue_elt.step import GlueELTStep

if TYPE_CHECKING:
    from glue_elt.steps.redshift_cross_account_migration import RedshiftCrossAccountDataMigration

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
    "RowOutcome",
    "RowStatus",
    "SecretError",
    "ValidationError",
]


def __getattr__(name: str) -> object:
    # Imported lazily so ``python -m glue_elt.steps.redshift_cross_account_migration`` runs the module once.
    if name == "RedshiftCrossAccountDataMigration":
        from glue_elt.steps.redshift_cross_account_migration import RedshiftCrossAccountDataMigration

        return RedshiftCrossAccountDataMigration
    raise AttributeError(f"module 'glue_elt' has no attribute {name!r}")
