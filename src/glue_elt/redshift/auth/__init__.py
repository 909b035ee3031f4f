"""Who a step connects as: the secret format (``spec``), secrets read from AWS Secrets Manager (``secrets``),
Redshift's temporary credentials for secrets without a password (``temporary``) and the endpoint look-up for
secrets without a host (``endpoints``).

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from glue_elt.redshift.auth.endpoints import EndpointLookup
    from glue_elt.redshift.auth.secrets import SecretStore
    from glue_elt.redshift.auth.spec import ConnectionSpec, RedshiftCredentials
    from glue_elt.redshift.auth.temporary import TemporaryCredentials

__all__ = [
    "ConnectionSpec",
    "EndpointLookup",
    "RedshiftCredentials",
    "SecretStore",
    "TemporaryCredentials",
]

_LAZY = {
    "ConnectionSpec": "glue_elt.redshift.auth.spec",
    "RedshiftCredentials": "glue_elt.redshift.auth.spec",
    "SecretStore": "glue_elt.redshift.auth.secrets",
    "TemporaryCredentials": "glue_elt.redshift.auth.temporary",
    "EndpointLookup": "glue_elt.redshift.auth.endpoints",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
