"""The SQL step, ``RedshiftSqlStep``: runs a SQL script from S3 on a Redshift cluster, in one transaction, exactly
once per run id. ``step`` is the step itself (``python -m glue_elt.steps.redshift_sql`` runs it, through
``__main__``); ``settings`` reads its parameters, ``script`` splits the script, ``tables`` finds the tables a
statement names and ``run`` runs it.

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports

if TYPE_CHECKING:
    from glue_elt.steps.redshift_sql.step import RedshiftSqlStep as RedshiftSqlStep
    from glue_elt.steps.redshift_sql.step import SqlResult as SqlResult

__all__, __getattr__ = exports(__name__)
