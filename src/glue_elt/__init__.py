"""glue-elt: AWS Glue ELT steps, and the framework they are built on.

The framework: ``GlueELTStep`` (base of all steps), ``Param`` (a typed job parameter), ``Executor`` /
``RedshiftExecutor`` / ``DataApiExecutor``, ``RetryPolicy``, ``StateTable`` / ``RunLedger``, the exception
tree rooted at ``GlueELTError``, and ``configure_logging`` (the steps' log on stderr, as the command shows it, for
code that calls ``run()``). The steps: ``RedshiftCrossAccountDataMigration`` (with its result types) and
``RedshiftSqlStep``, each imported on first use, so a step imports only what it needs.

The code is in packages by layer, each importing only those below it: ``glue_elt.core`` (pure: parameters, retry
policy, run id, redaction, sizes), ``glue_elt.aws`` (boto3 clients, S3 documents) with ``glue_elt.observability``
beside it (a run's figures as CloudWatch metrics), ``glue_elt.redshift`` (the
target: executors, names, catalog, state table, credentials) and ``glue_elt.steps`` (the step base and the steps);
``tests/unit/test_layers.py`` holds them to it.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports
from glue_elt.core.params import Param as Param
from glue_elt.core.retry import RetryPolicy as RetryPolicy
from glue_elt.errors import ConfigError as ConfigError
from glue_elt.errors import ExecutionError as ExecutionError
from glue_elt.errors import GlueELTError as GlueELTError
from glue_elt.errors import LoadCheckError as LoadCheckError
from glue_elt.errors import ObjectNotFoundError as ObjectNotFoundError
from glue_elt.errors import OutputError as OutputError
from glue_elt.errors import SecretError as SecretError
from glue_elt.errors import UnreachableError as UnreachableError
from glue_elt.errors import ValidationError as ValidationError
from glue_elt.redshift.driver.executor import RedshiftExecutor as RedshiftExecutor
from glue_elt.redshift.executor import Executor as Executor
from glue_elt.redshift.state import RunLedger as RunLedger
from glue_elt.redshift.state import StateTable as StateTable
from glue_elt.steps.base import GlueELTStep as GlueELTStep
from glue_elt.steps.base import configure_logging as configure_logging

# Each step (and its result types) is imported on first use: ``python -m`` runs a step's module once, and importing
# ``glue_elt`` for one step loads no other step's code.
if TYPE_CHECKING:
    from glue_elt.redshift.data_api.executor import DataApiExecutor as DataApiExecutor
    from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow as MigrationRow
    from glue_elt.steps.redshift_cross_account_migration.results import MigrationResult as MigrationResult
    from glue_elt.steps.redshift_cross_account_migration.results import RowOutcome as RowOutcome
    from glue_elt.steps.redshift_cross_account_migration.results import RowStatus as RowStatus
    from glue_elt.steps.redshift_cross_account_migration.step import (
        RedshiftCrossAccountDataMigration as RedshiftCrossAccountDataMigration,
    )
    from glue_elt.steps.redshift_sql.step import RedshiftSqlStep as RedshiftSqlStep

__all__, __getattr__ = exports(__name__)
