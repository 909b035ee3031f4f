"""Redshift targets from AWS Secrets Manager: each secret read once per run, parsed into a ``ConnectionSpec``, and
turned into the driver's credentials.

The secret formats are described in ``glue_elt.redshift.auth.spec``. ``secret_name`` may be a name or a full ARN. A
secret without a password gets temporary credentials (``glue_elt.redshift.auth.temporary``), one without a host has
its cluster's or workgroup's endpoint looked up (``glue_elt.redshift.auth.endpoints``); both with the clients that read
the secret. Region and endpoints come from boto3's standard configuration. A secret that does not exist is reported
with the region it was looked for in and the closest names the caller may list (``glue_elt.aws.secret_names``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from glue_elt.aws.clients import AwsClients
from glue_elt.aws.errors import refusal, secret_failure
from glue_elt.aws.secret_names import region_of, similar_names
from glue_elt.errors import ExecutionError, GlueELTError, SecretError
from glue_elt.redshift.auth.endpoints import EndpointLookup
from glue_elt.redshift.auth.spec import AuthMethod, ConnectionSpec, RedshiftCredentials, parse_connection
from glue_elt.redshift.auth.temporary import TemporaryCredentials

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

__all__ = ["RedshiftCredentials", "SecretStore", "credentials_from_secret", "stored_credentials"]
"""``RedshiftCredentials`` lives in ``glue_elt.redshift.auth.spec`` and is exported here too, where callers have
found it."""


def credentials_from_secret(secret_name: str, secret_string: str) -> RedshiftCredentials:
    """The driver's credentials in a password secret (``SecretError`` for any other kind)."""
    spec = parse_connection(secret_name, secret_string)
    return stored_credentials(spec)


def stored_credentials(spec: ConnectionSpec) -> RedshiftCredentials:
    """The credentials of a password secret that names its host."""
    if spec.auth is not AuthMethod.PASSWORD or spec.host is None or spec.user is None or spec.password is None:
        raise SecretError(f"secret {spec.secret_name!r} holds no host, username and password")
    return RedshiftCredentials(spec.host, spec.port, spec.database, spec.user, spec.password, spec.ssl)


class SecretStore:
    """Fetches and caches each secret's ``ConnectionSpec`` (or its permanent failure) per secret name, and gives the
    driver's credentials for it: the stored password, or a temporary one (renewed before it expires).

    A missing, denied or malformed secret fails each of its rows alike, read once; a transient failure (endpoint
    unreachable, throttled, HTTP 5xx: an ``UnreachableError``) is not kept, so the next row or retry reads again.

    ``clients`` read the secrets and make the Redshift calls; ``temporary`` (built on ``clients`` when not given)
    keeps the temporary logins, for a clock or a renewal margin of the caller's own.
    """

    def __init__(
        self,
        client: SecretsManagerClient | None = None,
        clients: AwsClients | None = None,
        temporary: TemporaryCredentials | None = None,
    ) -> None:
        self.clients = clients or AwsClients()
        self._client = client
        self._temporary = temporary or TemporaryCredentials(self.clients)
        self._endpoints = EndpointLookup(self.clients)
        self._cache: dict[str, ConnectionSpec | GlueELTError] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, secret_name: str) -> RedshiftCredentials:
        """The driver's credentials for ``secret_name``'s target, valid now; raises ``SecretError`` (or
        ``UnreachableError`` when an AWS API cannot be reached) when there are none."""
        spec = self.spec(secret_name)
        host, port = self._endpoints.address(spec)
        if spec.auth is AuthMethod.PASSWORD:
            return RedshiftCredentials(host, port, spec.database, str(spec.user), str(spec.password), spec.ssl)
        login = self._temporary.login(spec)
        return RedshiftCredentials(host, port, spec.database, login.user, login.password, spec.ssl)

    def discard_temporary(self, secret_name: str, refused: RedshiftCredentials) -> bool:
        """After the server refused ``refused``: forget them if they were temporary, so that the next ``get`` asks
        AWS for new ones. False for a stored password (asking again would not change it)."""
        if self.spec(secret_name).auth is AuthMethod.PASSWORD:
            return False
        self._temporary.discard(secret_name, refused.password)
        return True

    def spec(self, secret_name: str) -> ConnectionSpec:
        """What ``secret_name`` says about its target; raises ``SecretError`` (cached) when unusable, or
        ``UnreachableError`` (not cached) when it could not be read now."""
        with self._lock:
            lock = self._locks.setdefault(secret_name, threading.Lock())
        with lock:  # one fetch per secret; different secrets are fetched concurrently
            if secret_name not in self._cache:
                try:
                    self._cache[secret_name] = self._fetch(secret_name)
                except GlueELTError as error:
                    if isinstance(error, ExecutionError) and error.transient:
                        raise  # a blip: the next row or retry asks again
                    self._cache[secret_name] = error  # a permanent failure fails each of the secret's rows alike
            cached = self._cache[secret_name]
        if isinstance(cached, GlueELTError):
            raise cached
        return cached

    def _fetch(self, secret_name: str) -> ConnectionSpec:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            client = self._secrets_client()
            response = client.get_secret_value(SecretId=secret_name)
        except (BotoCoreError, ClientError) as error:
            if refusal(error)[0] != "ResourceNotFoundException":
                raise secret_failure(error, secret_name) from None
            region, similar = region_of(client, secret_name), similar_names(client, secret_name)
            raise secret_failure(error, secret_name, region, similar) from None
        secret_string = response.get("SecretString")
        if secret_string is None:
            raise SecretError(f"secret {secret_name!r} holds binary data, not a JSON SecretString")
        return parse_connection(secret_name, secret_string, response.get("ARN"))

    def _secrets_client(self) -> SecretsManagerClient:
        with self._lock:
            if self._client is None:
                self._client = self.clients.client("secretsmanager")
            return self._client
