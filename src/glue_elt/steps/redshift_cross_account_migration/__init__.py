"""The migration step, ``RedshiftCrossAccountDataMigration``: copies tables from a Redshift data-share into the
target cluster, server-side. ``step`` is the step itself (``python -m glue_elt.steps.redshift_cross_account_migration``
runs it, through ``__main__``); the other modules are its parts: parameters (``settings``), the config file, the
model, validation, SQL, cluster inspection, the per-row runner, the orchestrator, and its reports and outputs.

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports

if TYPE_CHECKING:
    from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow as MigrationRow
    from glue_elt.steps.redshift_cross_account_migration.results import MigrationResult as MigrationResult
    from glue_elt.steps.redshift_cross_account_migration.results import RowOutcome as RowOutcome
    from glue_elt.steps.redshift_cross_account_migration.results import RowStatus as RowStatus
    from glue_elt.steps.redshift_cross_account_migration.step import (
        RedshiftCrossAccountDataMigration as RedshiftCrossAccountDataMigration,
    )

__all__, __getattr__ = exports(__name__)
