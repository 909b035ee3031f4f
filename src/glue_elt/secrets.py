"""Redshift credentials from AWS Secrets Manager, fetched once per secret per run.

The secret holds AWS's Redshift secret format: ``username``, ``password``, ``host``, ``port`` and
``dbname`` (``database`` is accepted too), plus an optional ``ssl`` flag (default true). ``secret_name``
may be a name or a full ARN. Region and endpoint come from boto3's standard configuration.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glue_elt.aws import call_failure
from glue_elt.errors import ConfigError, GlueELTError, SecretError
from glue_elt.redaction import register_secret

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

REQUIRED_KEYS = ("username", "password", "host", "port")
ACCESS_DENIED_CODES = ("AccessDeniedException", "AccessDenied", "403")
"""Error codes meaning the caller may not read the secret: Secrets Manager's own code, the generic one, and
the bare HTTP status botocore reports when a 403 reply carries no code it can parse."""


@dataclass(frozen=True)
class RedshiftCredentials:
    """Where and as whom to connect; the password never appears in ``repr``."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(repr=False)
    ssl: bool = True


def credentials_from_secret(secret_name: str, secret_string: str) -> RedshiftCredentials:
    """Parse a Redshift secret's JSON text; errors name the secret and the key, never a value."""
    try:
        payload: Any = json.loads(secret_string)
    except ValueError:
        raise SecretError(f"secret {secret_name!r} is not valid JSON") from None
    if not isinstance(payload, dict):
        raise SecretError(f"secret {secret_name!r} is not a JSON object")
    if isinstance(payload.get("password"), str):
        register_secret(payload["password"])
    missing = [key for key in REQUIRED_KEYS if payload.get(key) in (None, "")]
    if payload.get("dbname") in (None, "") and payload.get("database") in (None, ""):
        missing.append("dbname")
    if missing:
        raise SecretError(f"secret {secret_name!r} lacks key(s): {', '.join(missing)}")
    try:
        port = int(payload["port"])
    except (TypeError, ValueError):
        raise SecretError(f"secret {secret_name!r} has a non-numeric 'port'") from None
    return RedshiftCredentials(
        host=str(payload["host"]),
        port=port,
        database=str(payload.get("dbname") or payload["database"]),
        user=str(payload["username"]),
        password=str(payload["password"]),
        ssl=_ssl_flag(secret_name, payload.get("ssl", True)),
    )


def _ssl_flag(secret_name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise SecretError(f"secret {secret_name!r} has an 'ssl' value that is not true or false")


class SecretStore:
    """Fetches and caches Redshift credentials (and failures) per secret name."""

    def __init__(self, client: SecretsManagerClient | None = None) -> None:
        self._client = client
        self._cache: dict[str, RedshiftCredentials | GlueELTError] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, secret_name: str) -> RedshiftCredentials:
        """The credentials in ``secret_name``; raises ``SecretError`` (cached) when unusable."""
        with self._lock:
            lock = self._locks.setdefault(secret_name, threading.Lock())
        with lock:  # one fetch per secret; different secrets are fetched concurrently
            if secret_name not in self._cache:
                try:
                    self._cache[secret_name] = self._fetch(secret_name)
                except GlueELTError as error:  # a secret's failure fails each of its rows alike
                    self._cache[secret_name] = error
            cached = self._cache[secret_name]
        if isinstance(cached, GlueELTError):
            raise cached
        return cached

    def _fetch(self, secret_name: str) -> RedshiftCredentials:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._secrets_client().get_secret_value(SecretId=secret_name)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "ClientError")
            raise SecretError(f"secret {secret_name!r} could not be read: {_explain(code)}") from None
        except BotoCoreError as error:
            raise call_failure(error, f"secret {secret_name!r} could not be read", SecretError) from None
        secret_string = response.get("SecretString")
        if secret_string is None:
            raise SecretError(f"secret {secret_name!r} holds binary data, not a JSON SecretString")
        return credentials_from_secret(secret_name, secret_string)

    def _secrets_client(self) -> SecretsManagerClient:
        with self._lock:
            if self._client is None:
                import boto3

                self._client = boto3.client("secretsmanager")
            return self._client


def _explain(code: str) -> str:
    """The error code of a failed ``GetSecretValue``, in words for access denials (other codes as they are)."""
    if code in ACCESS_DENIED_CODES:
        return (
            f"access denied ({code}): the AWS credentials in use need secretsmanager:GetSecretValue on this "
            f"secret and kms:Decrypt on its KMS key"
        )
    return code


def assumed_role_secrets_client(role_arn: str) -> SecretsManagerClient:
    """A Secrets Manager client acting as ``role_arn`` (one STS AssumeRole call).

    This is how a job reads secrets that another account owns when a role there trusts the job's role.
    """
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="glue-elt")
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "ClientError")
        raise ConfigError(f"could not assume role {role_arn}: {code}") from None
    except BotoCoreError as error:
        raise call_failure(error, f"could not assume role {role_arn}", ConfigError) from None
    credentials = response["Credentials"]
    register_secret(credentials["SecretAccessKey"])
    register_secret(credentials["SessionToken"])
    return boto3.client(
        "secretsmanager",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
