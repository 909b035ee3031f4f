"""The wire-protocol backend: ``RedshiftExecutor`` runs SQL through ``redshift_connector`` on pooled connections
(``executor``, ``pool``; ``connect`` opens one), and ``errors`` turns the driver's errors into glue-elt's (transient
or not, secret-free).

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports

if TYPE_CHECKING:
    from glue_elt.redshift.driver.errors import describe_db_error as describe_db_error
    from glue_elt.redshift.driver.errors import execution_error as execution_error
    from glue_elt.redshift.driver.errors import is_transient as is_transient
    from glue_elt.redshift.driver.executor import RedshiftExecutor as RedshiftExecutor
    from glue_elt.redshift.driver.pool import ConnectionPool as ConnectionPool

__all__, __getattr__ = exports(__name__)
