"""Who a step connects as: the secret format (``spec``), secrets read from AWS Secrets Manager (``secrets``),
Redshift's temporary credentials for secrets without a password (``temporary``) and the endpoint look-up for
secrets without a host (``endpoints``).

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports

if TYPE_CHECKING:
    from glue_elt.redshift.auth.endpoints import EndpointLookup as EndpointLookup
    from glue_elt.redshift.auth.secrets import SecretStore as SecretStore
    from glue_elt.redshift.auth.spec import ConnectionSpec as ConnectionSpec
    from glue_elt.redshift.auth.spec import RedshiftCredentials as RedshiftCredentials
    from glue_elt.redshift.auth.temporary import TemporaryCredentials as TemporaryCredentials

__all__, __getattr__ = exports(__name__)
