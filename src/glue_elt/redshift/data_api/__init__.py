"""The Redshift Data API backend: ``DataApiExecutor`` sends and polls (``executor``), ``calls`` makes its paced and
counted calls of the service, ``errors`` is the one place that turns the API's errors into glue-elt's (transient,
terminal or unreachable), ``wire`` is what goes over the API and comes back (pure functions), ``pace`` keeps the calls
under the API's quotas, ``batch_session`` collects a transaction's statements, ``aborted`` waits for an aborted
batch's session, and ``earlier`` finds the batch a ``ClientToken`` names when the service refuses it for other
statements.

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports

if TYPE_CHECKING:
    from glue_elt.redshift.data_api.executor import DataApiExecutor as DataApiExecutor
    from glue_elt.redshift.data_api.pace import Pacer as Pacer

__all__, __getattr__ = exports(__name__)
