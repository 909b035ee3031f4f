"""What a secret says about a Redshift target: where it is, which database, and how to authenticate.

A secret holds JSON in AWS's Redshift secret format. It names the target in one of four ways:

- ``username`` + ``password`` (+ ``host``/``port``): a stored password (the original format);
- ``cluster_identifier`` (or AWS's key ``dbClusterIdentifier``) + ``username``, no password: temporary
  credentials from ``redshift:GetClusterCredentials`` for that database user (``auto_create``, ``db_groups``);
- ``cluster_identifier`` alone: ``redshift:GetClusterCredentialsWithIAM`` (the caller's IAM identity is the user);
- ``workgroup_name``: Redshift Serverless, ``redshift-serverless:GetCredentials`` (the caller's IAM identity).

``dbname`` (or ``database``) is always required. ``host`` and ``port`` may be left out when the cluster or
workgroup is named: they are then looked up (``DescribeClusters`` / ``GetWorkgroup``). The Data API needs no
host at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from glue_elt.core.params import TextEnum
from glue_elt.core.redaction import register_secret
from glue_elt.errors import SecretError

DEFAULT_PORT = 5439


class AuthMethod(TextEnum):
    """How the step obtains a database password for a target."""

    PASSWORD = "password"
    CLUSTER_USER = "cluster_user"
    """``redshift:GetClusterCredentials`` for the secret's ``username``."""
    CLUSTER_IAM = "cluster_iam"
    """``redshift:GetClusterCredentialsWithIAM``: the database user is the caller's IAM identity."""
    SERVERLESS_IAM = "serverless_iam"
    """``redshift-serverless:GetCredentials``: the database user is the caller's IAM identity."""


@dataclass(frozen=True)
class ConnectionSpec:
    """A target as its secret describes it; the password (when stored) never appears in ``repr``."""

    secret_name: str
    database: str
    host: str | None = None
    port: int = DEFAULT_PORT
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl: bool = True
    cluster_identifier: str | None = None
    workgroup_name: str | None = None
    auto_create: bool = False
    db_groups: tuple[str, ...] = ()
    secret_arn: str | None = None

    @property
    def auth(self) -> AuthMethod:
        """How this target authenticates (see the module documentation)."""
        if self.password is not None:
            return AuthMethod.PASSWORD
        if self.workgroup_name is not None:
            return AuthMethod.SERVERLESS_IAM
        return AuthMethod.CLUSTER_USER if self.user is not None else AuthMethod.CLUSTER_IAM

    @property
    def endpoint_name(self) -> str:
        """``cluster <id>``, ``workgroup <name>`` or ``host:port``, for messages."""
        if self.workgroup_name is not None:
            return f"workgroup {self.workgroup_name}"
        if self.cluster_identifier is not None:
            return f"cluster {self.cluster_identifier}"
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class RedshiftCredentials:
    """What the driver needs to log in: where, which database, as whom; the password never appears in ``repr``."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(repr=False)
    ssl: bool = True


def parse_connection(secret_name: str, secret_string: str, secret_arn: str | None = None) -> ConnectionSpec:
    """Parse a secret's JSON text; errors name the secret and the key, never a value."""
    try:
        payload: Any = json.loads(secret_string)
    except ValueError:
        raise SecretError(f"secret {secret_name!r} is not valid JSON") from None
    if not isinstance(payload, dict):
        raise SecretError(f"secret {secret_name!r} is not a JSON object")
    text = _Reader(secret_name, payload)
    password = text.optional("password")
    if password is not None:  # as the login sends it: a JSON number (73125599) is the text "73125599"
        register_secret(password)
    cluster = text.optional("cluster_identifier") or text.optional("dbClusterIdentifier")
    workgroup = text.optional("workgroup_name")
    user, host = text.optional("username"), text.optional("host")
    database = text.optional("dbname") or text.optional("database")
    missing = [] if database else ["dbname"]
    if password is not None and user is None:
        missing.insert(0, "username")
    if host is None and cluster is None and workgroup is None:
        missing.insert(0, "host")
    if host is not None and payload.get("port") in (None, ""):
        missing.append("port")
    if password is None and cluster is None and workgroup is None:
        missing.append("password (or cluster_identifier / workgroup_name for IAM authentication)")
    if missing:
        raise SecretError(f"secret {secret_name!r} lacks key(s): {', '.join(missing)}")
    if cluster is not None and workgroup is not None:
        raise SecretError(f"secret {secret_name!r} names both a cluster_identifier and a workgroup_name: keep one")
    if workgroup is not None and password is None and user is not None:
        raise SecretError(
            f"secret {secret_name!r} has a 'username' but no 'password' for workgroup {workgroup}: Redshift "
            "Serverless IAM authentication makes the caller's IAM identity the database user; remove 'username' "
            "or add its 'password'"
        )
    return ConnectionSpec(
        secret_name=secret_name,
        database=str(database),
        host=host,
        port=_port(secret_name, payload.get("port")),
        user=user,
        password=password,
        ssl=_flag(secret_name, "ssl", payload.get("ssl", True)),
        cluster_identifier=cluster,
        workgroup_name=workgroup,
        auto_create=_flag(secret_name, "auto_create", payload.get("auto_create", False)),
        db_groups=_groups(secret_name, payload.get("db_groups")),
        secret_arn=secret_arn,
    )


@dataclass(frozen=True)
class _Reader:
    secret_name: str
    payload: dict[str, Any]

    def optional(self, key: str) -> str | None:
        value = self.payload.get(key)
        if value in (None, ""):
            return None
        if isinstance(value, (dict, list, bool)):
            raise SecretError(f"secret {self.secret_name!r} has a '{key}' that is not text")
        return str(value)


def _port(secret_name: str, value: object) -> int:
    if value in (None, ""):
        return DEFAULT_PORT
    try:
        return int(str(value))
    except ValueError:
        raise SecretError(f"secret {secret_name!r} has a non-numeric 'port'") from None


def _flag(secret_name: str, key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise SecretError(f"secret {secret_name!r} has an '{key}' value that is not true or false")


def _groups(secret_name: str, value: object) -> tuple[str, ...]:
    if value in (None, "", []):
        return ()
    if isinstance(value, str):
        return tuple(group.strip() for group in value.split(",") if group.strip())
    if isinstance(value, list) and all(isinstance(group, str) and group for group in value):
        return tuple(value)
    raise SecretError(f"secret {secret_name!r} has 'db_groups' that are not a list of names")
