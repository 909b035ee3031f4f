"""Temporary database credentials that really work on the stand-in, as Redshift's IAM authentication issues them.

Redshift lets a caller with IAM rights log in with a temporary password. PostgreSQL and PgBouncer know one
password per role, so each kind of credential gets a **login role** of its own:

- ``GetClusterCredentials(DbUser=u)`` returns ``IAM:u`` (``IAMA:u`` with ``AutoCreate``), as Redshift names it. That
  login role is a member of ``u`` and has ``ALTER ROLE ... SET role = 'u'``, so its sessions run as ``u``
  (``current_user`` is ``u``, new objects belong to ``u``; ``session_user`` shows the login role). PgBouncer's reset
  query ends with ``RESET ROLE`` so pooled reuse keeps that. ``AutoCreate`` creates ``u`` (``LOGIN``, no password)
  when missing; without it and without ``u`` the call still succeeds and the login fails, as AWS documents.
  ``DbGroups`` (existing NOLOGIN roles) are granted to ``u`` itself (Redshift: for the session only).
- The IAM identity variants (``GetClusterCredentialsWithIAM``, ``redshift-serverless:GetCredentials``, and the Data
  API without ``DbUser``/``SecretArn``) use the caller's identity: an assumed role ``arn:aws:sts::A:assumed-role/R/S``
  is database user ``IAMR:R``, an IAM user ``.../user/N`` is ``IAM:N``. There is no IAM here, so the identity is
  whatever **moto's STS ``GetCallerIdentity``** answers for the request's access key (moto's default keys give user
  ``moto``, so ``IAM:moto``; keys from ``sts.assume_role`` give ``IAMR:<role>``). That user is created when missing,
  with PUBLIC's rights only, like Redshift's auto-created IAM users.

Every login role gets ``PASSWORD ... VALID UNTIL <expiration>``, ``CONNECT``/``TEMPORARY`` on the database (every
Redshift user may connect; the stand-in's database revokes that from PUBLIC), and an entry in PgBouncer's auth file
followed by ``RELOAD``. While a login's password is valid for more than a minute, later calls return the **same**
password with the later expiration (Redshift would issue a new one and keep both valid; one role has one password).
``expire`` (the ``expire_credentials`` test hook) makes a login's password unknown at once. With ``lifetime_seconds``
set (the ``credential_seconds`` test hook) logins last that long whatever was asked, and a timer makes each password
unknown when it expires (PgBouncer checks its auth file, not ``VALID UNTIL``, and may hand out a pooled session).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import redshift_connector
from botocore.exceptions import ClientError

from local_stack.aws_api.protocol import ApiError, Caller, now
from local_stack.endpoints import StackEndpoints
from local_stack.pgbouncer import PgBouncer, parse_auth_file

MAX_NAME_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1 (Redshift allows 127)
REUSE_MARGIN = dt.timedelta(seconds=60)
_ARN = re.compile(r"arn:aws[a-z-]*:(?:sts|iam)::\d{12}:(?P<kind>assumed-role|user|root)(?:/(?P<path>.*))?")


def quote_name(name: str) -> str:
    """A double-quoted SQL identifier (any characters)."""
    return '"' + name.replace('"', '""') + '"'


def quote_text(value: str) -> str:
    """A SQL string literal read the same whatever ``standard_conforming_strings`` is (an ``E'…'`` string; the
    shared database has it off, as Redshift reads literals)."""
    return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True)
class Login:
    """What a client presents: user, password, and when the password expires."""

    user: str
    password: str = field(repr=False)
    expiration: dt.datetime


def identity_user(arn: str) -> str:
    """The Redshift database user of an IAM identity ARN (``IAMR:<role>`` or ``IAM:<user>``)."""
    found = _ARN.fullmatch(arn)
    if found is None:
        raise ApiError("ValidationException", f"cannot map the caller identity {arn} to a database user")
    if found["kind"] == "assumed-role":
        return "IAMR:" + (found["path"] or "").split("/")[0]
    return "IAM:" + ((found["path"] or "root").rsplit("/", 1)[-1])


class CredentialBroker:
    """Issues temporary logins (as the stack's superuser) and answers who a caller is (through moto)."""

    def __init__(self, endpoints: StackEndpoints, bouncer: PgBouncer) -> None:
        self.ep, self.bouncer = endpoints, bouncer
        self._issued: dict[str, Login] = {}
        self._identities: dict[tuple[str, str | None], str] = {}
        self._lock = threading.Lock()
        self.lifetime_seconds: int | None = None
        """The lifetime of every login issued from now on, in place of the one asked for (a test hook), or None."""

    @contextlib.contextmanager
    def admin(self) -> Iterator[Any]:
        """A superuser cursor through PgBouncer (autocommit)."""
        ep = self.ep
        conn = redshift_connector.connect(
            host=ep.host, port=ep.bouncer_port, database=ep.database, user=ep.admin_user,
            password=ep.admin_password, ssl=False, timeout=30,
        )  # fmt: skip
        try:
            conn.autocommit = True
            yield conn.cursor()
        finally:
            conn.close()

    def cluster_credentials(
        self, db_user: str, db_name: str | None, seconds: int, *, auto_create: bool, groups: list[str]
    ) -> Login:
        """``GetClusterCredentials``: a login that acts as ``db_user``."""
        login = ("IAMA:" if auto_create else "IAM:") + db_user
        _check_length(login)
        with self._lock, self.admin() as cursor:
            if not _role_exists(cursor, db_user):
                if not auto_create:  # AWS: "the command succeeds but the connection attempt will fail"
                    return Login(login, secrets.token_urlsafe(18), now() + dt.timedelta(seconds=seconds))
                cursor.execute(f"CREATE ROLE {quote_name(db_user)} LOGIN")
            for group in groups:
                if not _role_exists(cursor, group):
                    raise ApiError("InvalidParameterValue", f"database group {group!r} does not exist")
                cursor.execute(f"GRANT {quote_name(group)} TO {quote_name(db_user)}")
            return self._issue(cursor, login, db_name, seconds, acts_as=db_user)

    def iam_credentials(self, user: str, db_name: str | None, seconds: int) -> Login:
        """A login for an IAM identity's own database user (``IAM:...``/``IAMR:...``), created when missing."""
        _check_length(user)
        with self._lock, self.admin() as cursor:
            return self._issue(cursor, user, db_name, seconds, acts_as=None)

    def identity(self, caller: Caller) -> str:
        """The caller's database user, from moto's ``GetCallerIdentity`` for the caller's keys (cached)."""
        key = (caller.access_key, caller.session_token)
        if key not in self._identities:
            arn = self._client("sts", caller).get_caller_identity()["Arn"]
            self._identities[key] = identity_user(str(arn))
        return self._identities[key]

    def secret_login(self, caller: Caller, secret_id: str) -> tuple[str, str]:
        """``(username, password)`` of a Secrets Manager secret (read from moto with the caller's keys). A user
        PgBouncer does not know yet is added to its auth file with that password."""
        try:
            text = self._client("secretsmanager", caller).get_secret_value(SecretId=secret_id)["SecretString"]
        except ClientError as error:
            raise ApiError("ValidationException", str(error.response["Error"].get("Message", error))) from None
        try:
            secret = json.loads(text)
        except ValueError:
            secret = {}
        user, password = secret.get("username"), secret.get("password")
        if not user or not password:
            raise ApiError("ValidationException", "username and password in secret cannot be empty")
        with self._lock:
            if user not in parse_auth_file(self.bouncer.auth_path.read_text()):
                self.bouncer.update_auth({user: password})
        return str(user), str(password)

    def expire(self, users: list[str] | None) -> list[str]:
        """Make the passwords of issued logins (``None``: all of them) unknown now; returns the logins expired."""
        with self._lock:
            chosen = [user for user in self._issued if users is None or user in users]
            if not chosen:
                return []
            with self.admin() as cursor:
                for user in chosen:
                    password = secrets.token_urlsafe(24)
                    cursor.execute(f"ALTER ROLE {quote_name(user)} PASSWORD {quote_text(password)} VALID UNTIL 'now'")
                    del self._issued[user]
            self.bouncer.update_auth(dict.fromkeys(chosen))
            return chosen

    def _expire_if_current(self, login: Login) -> None:
        """Expire ``login`` unless its role has been given another password or expiration since (those stay)."""
        with self._lock:
            if self._issued.get(login.user) is not login:
                return
        self.expire([login.user])

    def cancel(self, pid: int) -> bool:
        """Cancel the statement running in backend ``pid`` (``pg_cancel_backend``)."""
        with self.admin() as cursor:
            cursor.execute("SELECT pg_cancel_backend(%s)", (pid,))
            row = cursor.fetchone()
        return bool(row and row[0])

    def _issue(self, cursor: Any, login: str, db_name: str | None, seconds: int, acts_as: str | None) -> Login:
        lifetime = self.lifetime_seconds
        seconds = seconds if lifetime is None else lifetime
        expiration = (now() + dt.timedelta(seconds=seconds)).replace(microsecond=0)
        current = self._issued.get(login)
        reuse = lifetime is None and current is not None and current.expiration > now() + REUSE_MARGIN
        password = current.password if reuse and current else secrets.token_urlsafe(24)
        if reuse and current:
            expiration = max(expiration, current.expiration)
        name = quote_name(login)
        if not _role_exists(cursor, login):
            cursor.execute(f"CREATE ROLE {name} LOGIN")
        until = expiration.strftime("%Y-%m-%d %H:%M:%S+00")
        cursor.execute(f"ALTER ROLE {name} PASSWORD {quote_text(password)} VALID UNTIL {quote_text(until)}")
        if acts_as is not None:
            cursor.execute(f"GRANT {quote_name(acts_as)} TO {name}")
            cursor.execute(f"ALTER ROLE {name} SET role = {quote_text(acts_as)}")
        else:
            cursor.execute(f"ALTER ROLE {name} RESET role")
        for database in _databases(cursor, db_name or self.ep.database):
            cursor.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {quote_name(database)} TO {name}")
        issued = self._issued[login] = Login(login, password, expiration)
        if not reuse:
            self.bouncer.update_auth({login: password})
        if lifetime is not None:
            timer = threading.Timer((expiration - now()).total_seconds(), self._expire_if_current, (issued,))
            timer.daemon = True
            timer.start()
        return issued

    def _client(self, service: str, caller: Caller) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.ep.moto_url,
            region_name=caller.region,
            aws_access_key_id=caller.access_key,
            aws_secret_access_key="local-stack",  # moto checks no signatures unless it enforces IAM
            aws_session_token=caller.session_token,
        )


def _check_length(name: str) -> None:
    if len(name.encode()) > MAX_NAME_BYTES:
        raise ApiError("InvalidParameterValue", f"database user {name!r} is longer than the stand-in's 63 bytes")


def _role_exists(cursor: Any, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    return cursor.fetchone() is not None


def _databases(cursor: Any, name: str) -> list[str]:
    cursor.execute("SELECT datname FROM pg_database WHERE datname = %s AND NOT datistemplate", (name,))
    return [str(row[0]) for row in cursor.fetchall()]
