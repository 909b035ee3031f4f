"""Endpoints of a running stack and the files (``endpoints.json``, ``env``) that record them."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ENDPOINTS_FILE = "endpoints.json"
ENV_FILE = "env"

LOCAL_CLUSTER_ID = "glue-elt-local"
"""The one provisioned cluster the local Redshift API server knows (the PostgreSQL stand-in behind the front door)."""
LOCAL_WORKGROUP = "glue-elt-local"
"""The one Redshift Serverless workgroup it knows: the same database, reached the same way."""
LOCAL_ACCOUNT = "123456789012"
"""moto's default account; the local ARNs use it."""
LOCAL_REGION = "us-east-1"


@dataclass(frozen=True)
class StackEndpoints:
    """Where the running servers listen and how to log in.

    Clients reach the database at ``front_door_port``, the front door that answers as Redshift
    (``local_stack.front_door``); PgBouncer (``bouncer_port``) and PostgreSQL (``postgres_port``) sit behind it, for
    the stack's own use and for tests that need them raw.
    """

    host: str
    postgres_port: int
    bouncer_port: int
    front_door_port: int
    moto_port: int
    redshift_api_port: int
    database: str
    admin_user: str
    admin_password: str = field(repr=False)
    etl_user: str
    etl_password: str = field(repr=False)

    @property
    def moto_url(self) -> str:
        """Endpoint URL for every AWS service (moto)."""
        return f"http://{self.host}:{self.moto_port}"

    @property
    def redshift_api_url(self) -> str:
        """Endpoint URL of the local Redshift Data API / Serverless / credentials server (``local_stack.aws_api``)."""
        return f"http://{self.host}:{self.redshift_api_port}"

    def aws_env(self) -> dict[str, str]:
        """Environment variables pointing boto3 at moto with dummy credentials, and its ``redshift-data``,
        ``redshift-serverless`` and ``redshift`` clients at the local Redshift API server (boto3's service-specific
        endpoint variables win over ``AWS_ENDPOINT_URL``)."""
        return {
            "AWS_ENDPOINT_URL": self.moto_url,
            "AWS_ENDPOINT_URL_REDSHIFT_DATA": self.redshift_api_url,
            "AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS": self.redshift_api_url,
            "AWS_ENDPOINT_URL_REDSHIFT": self.redshift_api_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "AWS_REGION": LOCAL_REGION,
        }

    def redshift_secret(self, **overrides: object) -> str:
        """A Secrets Manager secret string in AWS's Redshift format for the migration user, through the front
        door, without TLS (``None`` as an override removes a key)."""
        payload: dict[str, object] = {
            "engine": "redshift",
            "username": self.etl_user,
            "password": self.etl_password,
            "host": self.host,
            "port": self.front_door_port,
            "dbname": self.database,
            "ssl": False,
        }
        payload.update(overrides)
        return json.dumps({key: value for key, value in payload.items() if value is not None})

    def shell_env(self) -> dict[str, str]:
        """``aws_env()`` plus ``GLUE_ELT_STACK_*`` connection settings for demo and test code."""
        prefix = "GLUE_ELT_STACK_"
        return {
            **self.aws_env(),
            f"{prefix}PG_HOST": self.host,
            f"{prefix}PG_PORT": str(self.front_door_port),
            f"{prefix}BOUNCER_PORT": str(self.bouncer_port),
            f"{prefix}POSTGRES_PORT": str(self.postgres_port),
            f"{prefix}PG_DB": self.database,
            f"{prefix}ADMIN_USER": self.admin_user,
            f"{prefix}ADMIN_PASSWORD": self.admin_password,
            f"{prefix}ETL_USER": self.etl_user,
            f"{prefix}ETL_PASSWORD": self.etl_password,
            f"{prefix}CLUSTER_ID": LOCAL_CLUSTER_ID,
            f"{prefix}WORKGROUP": LOCAL_WORKGROUP,
        }

    def to_json(self) -> str:
        """Serialise (passwords included) for ``endpoints.json``."""
        return json.dumps(dataclasses.asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> StackEndpoints:
        """Inverse of ``to_json``."""
        return cls(**json.loads(text))


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    path.chmod(0o600)


def write_state_files(state_dir: Path, ep: StackEndpoints) -> None:
    """Write ``endpoints.json`` and the shell-sourceable ``env`` file (both mode 0600)."""
    write_private(state_dir / ENDPOINTS_FILE, ep.to_json())
    lines = [f"export {key}={shlex.quote(value)}\n" for key, value in ep.shell_env().items()]
    header = "# written by `python -m local_stack up`; source it from a shell\n"
    write_private(state_dir / ENV_FILE, header + "".join(lines))


def load_endpoints(state_dir: Path) -> StackEndpoints | None:
    """The endpoints recorded in ``state_dir``, or None if there are none."""
    try:
        return StackEndpoints.from_json((state_dir / ENDPOINTS_FILE).read_text())
    except FileNotFoundError:
        return None
