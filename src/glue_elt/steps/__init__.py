"""Ready-to-run glue-elt steps, and what they share: ``base`` (``GlueELTStep``, the template every step follows) and
``shared_params`` (the job parameters steps share). Each step is a package of its own, run by ``python -m
glue_elt.steps.<step>``; only ``glue_elt.cli`` and ``glue_elt`` itself (on first use) import a step, and no step
imports another.

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports

if TYPE_CHECKING:
    from glue_elt.steps.base import GlueELTStep as GlueELTStep

__all__, __getattr__ = exports(__name__)
