"""AWS as glue-elt uses it: the boto3 clients of one identity (the job's, or a role it assumes; ``clients``), what a
failed boto3 call becomes, transient or not (``errors``, the one place that decides it), and documents read from and
written to S3 (``s3``). It imports only ``glue_elt.core`` (and ``glue_elt.errors``).

Its names below are imported on first use, so importing the package (or one of its modules) costs nothing more.
"""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports

if TYPE_CHECKING:
    from glue_elt.aws.clients import AwsClients as AwsClients
    from glue_elt.aws.clients import assumed_role_clients as assumed_role_clients
    from glue_elt.aws.s3 import S3Store as S3Store
    from glue_elt.aws.s3 import S3Uri as S3Uri

__all__, __getattr__ = exports(__name__)
