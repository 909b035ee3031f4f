"""Pure building blocks that know nothing of AWS or Redshift: typed job parameters and AWS Glue's argv (with the
check for mistyped names), the retry policy, run ids, the redaction of secret values from logs, and UTF-8 sizes. It
imports nothing of glue_elt but ``glue_elt.errors``.

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports

if TYPE_CHECKING:
    from glue_elt.core.param_source import ParamSource as ParamSource
    from glue_elt.core.params import Param as Param
    from glue_elt.core.params import TextEnum as TextEnum
    from glue_elt.core.redaction import RedactingFilter as RedactingFilter
    from glue_elt.core.redaction import redact as redact
    from glue_elt.core.redaction import register_secret as register_secret
    from glue_elt.core.retry import RetryPolicy as RetryPolicy
    from glue_elt.core.run_id import resolve_run_id as resolve_run_id

__all__, __getattr__ = exports(__name__)
