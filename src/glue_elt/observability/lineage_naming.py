"""How glue-elt names its lineage: the Redshift datasets it reads and writes, and its jobs.

Datasets follow the OpenLineage naming spec (OpenLineage/OpenLineage ``spec/Naming.md``, "Redshift"): namespace
``redshift://{cluster_identifier}.{region_name}:{port}``, name ``{database}.{schema}.{table}``. The spec picks cluster
identifier plus region because it is "the only common unique id available" to SQL and to the Data API, so a table
gets the same name whether glue-elt reached it through the driver or the Data API, and the same name other producers
(Airflow's Redshift extractor, OpenLineage ``integration/airflow``: ``RedshiftSQLExtractor._get_authority``) give it.

A secret (``glue_elt.redshift.auth.spec``) names its target by ``host``, by ``cluster_identifier`` /
``workgroup_name``, or both. The authority ``{identifier}.{region}`` is found in this order:

1. identifier: the secret's ``cluster_identifier`` (or ``workgroup_name``), else the first label of an AWS endpoint
   host (``examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com``, Serverless
   ``wg.123456789012.us-west-2.redshift-serverless.amazonaws.com``);
2. region: the third label of such a host, else the job's AWS region (boto3's configuration);
3. when there is no identifier or no region (a VPC endpoint, a proxy, a local server): the host itself, lower-cased.

The port is the secret's (5439 when it gives none). A step that cannot see the cluster it reads from (the
consumer of a data share sees only its own) is given that cluster's namespace (``--source_namespace``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.auth.spec import DEFAULT_PORT, ConnectionSpec

SCHEME = "redshift"
AWS_HOST = re.compile(
    r"^(?P<identifier>[a-z0-9-]+)\.[a-z0-9-]+\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
    r"\.redshift(?:-serverless)?\.amazonaws\.com(?:\.cn)?\.?$"
)
"""A Redshift endpoint host of AWS: ``<cluster>.<unique id>.<region>.redshift.amazonaws.com`` or
``<workgroup>.<account>.<region>.redshift-serverless.amazonaws.com`` (``.cn`` in the China regions)."""
DEFAULT_SCHEMA = "public"
"""The schema an unqualified table name is taken to be in: Redshift's default ``search_path`` is ``'$user',
public`` (dg/r_search_path.html), and no user schema named after the user is assumed."""


def redshift_namespace(
    host: str | None,
    port: int = DEFAULT_PORT,
    identifier: str | None = None,
    region: str | None = None,
) -> str:
    """``redshift://{identifier}.{region}:{port}`` by the rules of the module documentation; ``ValueError`` when
    neither a host nor an identifier is known."""
    found = AWS_HOST.match(host.strip().lower()) if host else None
    name = identifier or (found["identifier"] if found else None)
    place = (found["region"] if found else None) or region
    if name and place:
        authority = f"{name.lower()}.{place.lower()}"
    elif host:
        authority = host.strip().lower().rstrip(".")
    elif name:
        authority = name.lower()
    else:
        raise ValueError("a Redshift namespace needs a host or a cluster identifier")
    return f"{SCHEME}://{authority}:{port}"


def spec_namespace(spec: ConnectionSpec, region: str | None) -> str:
    """The namespace of the cluster or workgroup ``spec`` names, ``region`` being the job's AWS region."""
    identifier = spec.cluster_identifier or spec.workgroup_name
    return redshift_namespace(spec.host, spec.port, identifier, region)


def aws_region() -> str | None:
    """The job's AWS region, from boto3's standard configuration (``None`` when none is set)."""
    import boto3

    region: str | None = boto3.session.Session().region_name
    return region


def secret_specs(executor: object) -> Callable[[str], ConnectionSpec]:
    """What each secret says, read through ``executor``'s own store (the secrets it connects with, read once per
    run), or through a store of the job's own for an executor that has none."""
    store = getattr(executor, "secrets", None)
    return store.spec if isinstance(store, SecretStore) else SecretStore().spec


def dataset_name(database: str, schema: str, table: str) -> str:
    """``{database}.{schema}.{table}`` as the catalog spells the parts (an empty schema is ``public``)."""
    return f"{database}.{schema or DEFAULT_SCHEMA}.{table}"


def job_name(step: str, subject: str) -> str:
    """``{step}.{subject}``: the step's package name and what one job of it is about (a target table's dataset
    name, a script's S3 location)."""
    return f"{step}.{subject}"


def check_namespace(text: str) -> str:
    """``text`` if it is a dataset namespace (``scheme://authority``), else ``ValueError``."""
    scheme, separator, authority = text.strip().partition("://")
    if not separator or not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme) or not authority or "/" in authority:
        raise ValueError(f"{text!r} is not a dataset namespace (scheme://authority, e.g. redshift://c.us-east-1:5439)")
    return text.strip()
