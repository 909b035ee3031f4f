"""What a run tells the world about itself besides its outputs: its figures as Amazon CloudWatch metrics
(``metrics``) and OpenLineage run events (``lineage``, with the dataset and job names of ``lineage_naming``).
Nothing here may hold up or fail a run. ``metrics`` imports only ``glue_elt.core`` and ``glue_elt.aws``; the lineage
modules read ``glue_elt.redshift``'s connection spec to name datasets.

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more;
the OpenLineage client (the optional extra ``glue-elt[lineage]``) is imported only when lineage is configured.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports

if TYPE_CHECKING:
    from glue_elt.observability.metrics import Figure as Figure
    from glue_elt.observability.metrics import dimensions as dimensions
    from glue_elt.observability.metrics import metric_data as metric_data
    from glue_elt.observability.metrics import publish as publish

__all__, __getattr__ = exports(__name__)
