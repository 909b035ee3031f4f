"""The wire-protocol backend: ``RedshiftExecutor`` runs SQL through ``redshift_connector`` on pooled connections
(``executor``, ``pool``), and ``errors`` turns the driver's errors into glue-elt's (transient or not, secret-free).

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

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


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
