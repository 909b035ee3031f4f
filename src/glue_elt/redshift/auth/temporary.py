"""Temporary database passwords for secrets that hold none (IAM authentication), cached and renewed before expiry.

Which API answers depends on the secret (see ``glue_elt.redshift.auth.spec``):

- a cluster and a ``username``: ``redshift:GetClusterCredentials``, whose user is ``IAM:<username>`` (``IAMA:`` with
  ``auto_create``), a login acting as that database user, in the secret's ``db_groups`` for the session;
- a cluster alone: ``redshift:GetClusterCredentialsWithIAM``, and a workgroup: ``redshift-serverless:GetCredentials``;
  the caller's IAM identity is the database user (``IAM:<user>``, ``IAMR:<role>``).

The calls are made with the clients of the identity that read the secret (the assumed role's with
``--assume_role_arn``). Each secret's login is kept and asked for anew ``margin`` before it expires (or at the
``NextRefreshTime`` AWS gives, when earlier), so connections opened late in a long run get a valid password; open
connections are not affected (the password is checked when logging in). A password is registered for redaction as it
arrives and never logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from glue_elt.aws.clients import AwsClients
from glue_elt.aws.errors import api_failure
from glue_elt.core.redaction import register_secret
from glue_elt.errors import SecretError
from glue_elt.redshift.auth.spec import AuthMethod, ConnectionSpec

logger = logging.getLogger(__name__)

DURATION_SECONDS = 3600
"""The lifetime asked for: AWS's longest (900 to 3600 seconds), so that a long run asks seldom."""
REFRESH_MARGIN = dt.timedelta(minutes=5)
"""A login is renewed this long before it expires, so that it is never presented at the last second."""
DEFAULT_LIFETIME = dt.timedelta(seconds=900)
"""AWS's default lifetime, assumed when an answer names no expiration."""

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time, UTC."""
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class TemporaryLogin:
    """A database user and its temporary password (never in ``repr``), with when it was issued and ends."""

    user: str
    password: str = field(repr=False)
    issued_at: dt.datetime
    expiration: dt.datetime
    next_refresh: dt.datetime | None = None

    def renew_at(self, margin: dt.timedelta) -> dt.datetime:
        """When to ask for a new login: ``margin`` before the expiration, or at ``next_refresh`` if that is earlier
        (and later than the issue: an answer cannot ask to be renewed before it was given)."""
        due = self.expiration - margin
        if self.next_refresh is not None and self.issued_at < self.next_refresh < due:
            return self.next_refresh
        return due


@dataclass(frozen=True)
class _Call:
    service: str
    method: str
    action: str
    arguments: dict[str, Any]


class TemporaryCredentials:
    """Logins per secret from the temporary-credential APIs; thread-safe (one call per secret at a time)."""

    def __init__(
        self,
        clients: AwsClients,
        *,
        clock: Clock = utc_now,
        margin: dt.timedelta = REFRESH_MARGIN,
        duration_seconds: int = DURATION_SECONDS,
    ) -> None:
        self._clients = clients
        self._clock = clock
        self._margin = margin
        self._duration = duration_seconds
        self._logins: dict[str, TemporaryLogin] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def login(self, spec: ConnectionSpec) -> TemporaryLogin:
        """A login for ``spec``'s target that is not due for renewal; raises ``SecretError`` or ``UnreachableError``."""
        with self._secret_lock(spec.secret_name):
            current = self._logins.get(spec.secret_name)
            if current is None or self._clock() >= current.renew_at(self._margin):
                current = self._logins[spec.secret_name] = self._issue(spec)
            return current

    def discard(self, secret_name: str, password: str) -> None:
        """Forget ``secret_name``'s login if its password is ``password``: the server refused it before its time
        (revoked, or a clock that is off), so the next ``login`` asks AWS again."""
        with self._secret_lock(secret_name):
            current = self._logins.get(secret_name)
            if current is not None and current.password == password:
                del self._logins[secret_name]

    def _secret_lock(self, secret_name: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(secret_name, threading.Lock())

    def _issue(self, spec: ConnectionSpec) -> TemporaryLogin:
        from botocore.exceptions import BotoCoreError, ClientError

        call = credential_call(spec, self._duration)
        try:
            answer = getattr(self._clients.client(call.service), call.method)(**call.arguments)
        except (BotoCoreError, ClientError) as error:
            what = f"secret {spec.secret_name!r}: {call.action} for {spec.endpoint_name} failed"
            raise api_failure(error, what, permission_needed(spec)) from None
        login = read_login(answer, self._clock())
        if not login.user or not login.password:
            raise SecretError(f"secret {spec.secret_name!r}: {call.action} answered without a user or password")
        register_secret(login.password)
        logger.info(
            "secret %r: temporary credentials for %s from %s, valid until %s",
            spec.secret_name,
            login.user,
            call.action,
            login.expiration.isoformat(timespec="seconds"),
        )
        return login


def credential_call(spec: ConnectionSpec, duration_seconds: int) -> _Call:
    """The API call that gives ``spec``'s target a temporary password."""
    if spec.auth is AuthMethod.SERVERLESS_IAM:
        workgroup = spec.workgroup_name
        serverless = {"workgroupName": workgroup, "dbName": spec.database, "durationSeconds": duration_seconds}
        return _Call("redshift-serverless", "get_credentials", "GetCredentials", serverless)
    cluster: dict[str, Any] = {
        "ClusterIdentifier": spec.cluster_identifier,
        "DbName": spec.database,
        "DurationSeconds": duration_seconds,
    }
    if spec.auth is AuthMethod.CLUSTER_IAM:
        return _Call("redshift", "get_cluster_credentials_with_iam", "GetClusterCredentialsWithIAM", cluster)
    if spec.auth is AuthMethod.CLUSTER_USER:
        arguments: dict[str, Any] = {**cluster, "DbUser": spec.user, "AutoCreate": spec.auto_create}
        if spec.db_groups:
            arguments["DbGroups"] = list(spec.db_groups)
        return _Call("redshift", "get_cluster_credentials", "GetClusterCredentials", arguments)
    raise ValueError(f"secret {spec.secret_name!r} holds a password: it needs no temporary credentials")


def permission_needed(spec: ConnectionSpec) -> str:
    """What the caller's IAM policy must allow for ``spec``'s credential call (resource types as IAM names them)."""
    if spec.auth is AuthMethod.SERVERLESS_IAM:
        return f"redshift-serverless:GetCredentials on workgroup {spec.workgroup_name} (ARN ending workgroup/<its id>)"
    dbname = f"dbname:{spec.cluster_identifier}/{spec.database}"
    if spec.auth is not AuthMethod.CLUSTER_USER:
        return f"redshift:GetClusterCredentialsWithIAM on {dbname}"
    dbuser = f"dbuser:{spec.cluster_identifier}/{spec.user}"
    needs = [f"redshift:GetClusterCredentials on {dbuser} and {dbname}"]
    if spec.auto_create:
        needs.append(f"redshift:CreateClusterUser on {dbuser} (auto_create)")
    if spec.db_groups:
        groups = ", ".join(f"dbgroup:{spec.cluster_identifier}/{group}" for group in spec.db_groups)
        needs.append(f"redshift:JoinGroup on {groups} (db_groups)")
    return ", ".join(needs)


def read_login(answer: dict[str, Any], now: dt.datetime) -> TemporaryLogin:
    """A credential API's answer as a login: ``DbUser``/``DbPassword``/``Expiration``/``NextRefreshTime``
    (``redshift``) or the same in camelCase (``redshift-serverless``)."""

    def value(name: str) -> Any:
        return answer.get(name, answer.get(name[0].lower() + name[1:]))

    expiration = _aware(value("Expiration")) or now + DEFAULT_LIFETIME
    return TemporaryLogin(
        user=str(value("DbUser") or ""),
        password=str(value("DbPassword") or ""),
        issued_at=now,
        expiration=expiration,
        next_refresh=_aware(value("NextRefreshTime")),
    )


def _aware(moment: object) -> dt.datetime | None:
    """A timestamp from botocore as an aware datetime (botocore's are aware; a naive one is taken as UTC)."""
    if not isinstance(moment, dt.datetime):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)
