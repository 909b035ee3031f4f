"""What a run tells the world about itself besides its outputs: its figures as Amazon CloudWatch metrics
(``metrics``) and OpenLineage run events (``lineage``, with the dataset and job names of ``lineage_naming``).
Nothing here may hold up or fail a run. ``metrics`` imports only ``glue_elt.core`` and ``glue_elt.aws``; the lineage
modules read ``glue_elt.redshift``'s connection spec to name datasets.

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more;
the OpenLineage client (the optional extra ``glue-elt[lineage]``) is imported only when lineage is configured.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from glue_elt.observability.metrics import Figure, dimensions, metric_data, publish

__all__ = [
    "Figure",
    "dimensions",
    "metric_data",
    "publish",
]

_LAZY = {
    "Figure": "glue_elt.observability.metrics",
    "dimensions": "glue_elt.observability.metrics",
    "metric_data": "glue_elt.observability.metrics",
    "publish": "glue_elt.observability.metrics",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
