"""Whether a run sends lineage, and how the official client is set up for it (``glue_elt.observability.lineage``).

Lineage is on when ``--openlineage_url`` is given or when the client would find a configuration of its own, in
the places it looks (``OpenLineageClient.config`` and ``_resolve_transport``, openlineage-python 1.45 to 1.54):
``OPENLINEAGE_URL``, ``OPENLINEAGE_CONFIG`` (a YAML file), ``openlineage.yml`` in the working directory or in
``~/.openlineage``, ``OPENLINEAGE__TRANSPORT__*`` variables. ``OPENLINEAGE_DISABLED=true`` turns it off. Nothing is
imported to decide: when none of them is set, the client is never made (it would print every event on the console).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_JOB_NAMESPACE = "glue-elt"
NAMESPACE_VARIABLE = "OPENLINEAGE_NAMESPACE"
"""The job namespace, as OpenLineage's Airflow and dbt integrations read it; ``glue-elt`` when unset."""
HTTP_TIMEOUT_SECONDS = 2.0
"""``--openlineage_url``: the HTTP transport's timeout (the client's default is 5 s, with 5 retries)."""
ENDPOINT = "api/v1/lineage"
INSTALL_HINT = "pip install glue-elt[lineage]"
ENVIRONMENT_SWITCHES = ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG")


def configured(url: str | None, environ: Mapping[str, str], home: Path | None = None) -> bool:
    """Whether lineage is on: ``--openlineage_url``, or a configuration the client would find (see the module
    documentation); ``OPENLINEAGE_DISABLED=true`` turns it off whatever else is set."""
    if environ.get("OPENLINEAGE_DISABLED", "").strip().lower() == "true":
        return False
    if url:
        return True
    if any(environ.get(name, "").strip() for name in ENVIRONMENT_SWITCHES):
        return True
    if any(name.startswith("OPENLINEAGE__TRANSPORT") for name in environ):
        return True
    places = [Path.cwd() / "openlineage.yml", (home or Path.home()) / ".openlineage" / "openlineage.yml"]
    return any(place.is_file() for place in places)


def split_url(url: str) -> tuple[str, str]:
    """``(base, endpoint)`` of ``--openlineage_url``: a URL ending in ``/api/v1/lineage`` is split there, any other
    one gets that endpoint, as with ``OPENLINEAGE_URL``."""
    base = url.strip().rstrip("/")
    if urlsplit(base).path.endswith("/" + ENDPOINT):
        return base[: -len(ENDPOINT) - 1], ENDPOINT
    return base, ENDPOINT


def job_namespace(environ: Mapping[str, str]) -> str:
    """``$OPENLINEAGE_NAMESPACE``, else ``glue-elt``."""
    return environ.get(NAMESPACE_VARIABLE, "").strip() or DEFAULT_JOB_NAMESPACE


def client_installed() -> bool:
    """Whether ``openlineage-python`` can be imported (found, not imported)."""
    try:
        return importlib.util.find_spec("openlineage.client") is not None
    except (ImportError, ValueError):
        return False


def client_factory(url: str | None) -> Callable[[], Any]:
    """Makes the client, on the sending thread: the standard configuration, or an HTTP transport to ``url``."""

    def make() -> Any:
        from openlineage.client import OpenLineageClient

        if not url:
            return OpenLineageClient()
        from openlineage.client.transport.http import HttpConfig, HttpTransport

        base, endpoint = split_url(url)
        config = {"url": base, "endpoint": endpoint, "timeout": HTTP_TIMEOUT_SECONDS, "retry": {"total": 0}}
        return OpenLineageClient(transport=HttpTransport(HttpConfig.from_dict(config)))

    return make
