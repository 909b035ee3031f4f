"""The wire-protocol backend: ``RedshiftExecutor`` runs SQL through ``redshift_connector`` on pooled connections
(``executor``, ``pool``; ``connect`` opens one), and ``errors`` turns the driver's errors into glue-elt's (transient
or not, secret-free).

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from glue_elt.redshift.driver.errors import describe_db_error, execution_error, is_transient
    from glue_elt.redshift.driver.executor import RedshiftExecutor
    from glue_elt.redshift.driver.pool import ConnectionPool

__all__ = [
    "ConnectionPool",
    "RedshiftExecutor",
    "describe_db_error",
    "execution_error",
    "is_transient",
]

_LAZY = {
    "RedshiftExecutor": "glue_elt.redshift.driver.executor",
    "ConnectionPool": "glue_elt.redshift.driver.pool",
    "describe_db_error": "glue_elt.redshift.driver.errors",
    "execution_error": "glue_elt.redshift.driver.errors",
    "is_transient": "glue_elt.redshift.driver.errors",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
