"""What a run tells the world about itself besides its outputs: its figures as Amazon CloudWatch metrics
(``metrics``). It imports only ``glue_elt.core`` and ``glue_elt.aws`` (and ``glue_elt.errors``).

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
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
