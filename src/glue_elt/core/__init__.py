"""Pure building blocks that know nothing of AWS or Redshift: typed job parameters and AWS Glue's argv (with the
check for mistyped names), the retry policy, run ids, the redaction of secret values from logs, and UTF-8 sizes. It
imports nothing of glue_elt but ``glue_elt.errors``.

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from glue_elt.core.param_source import ParamSource
    from glue_elt.core.params import Param, TextEnum
    from glue_elt.core.redaction import RedactingFilter, redact, register_secret
    from glue_elt.core.retry import RetryPolicy
    from glue_elt.core.run_id import resolve_run_id

__all__ = [
    "Param",
    "ParamSource",
    "RedactingFilter",
    "RetryPolicy",
    "TextEnum",
    "redact",
    "register_secret",
    "resolve_run_id",
]

_LAZY = {
    "Param": "glue_elt.core.params",
    "ParamSource": "glue_elt.core.param_source",
    "TextEnum": "glue_elt.core.params",
    "RedactingFilter": "glue_elt.core.redaction",
    "redact": "glue_elt.core.redaction",
    "register_secret": "glue_elt.core.redaction",
    "RetryPolicy": "glue_elt.core.retry",
    "resolve_run_id": "glue_elt.core.run_id",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
