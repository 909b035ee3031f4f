"""PgBouncer (Debian package) in front of the local PostgreSQL, as Redshift clients see it."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from local_stack.ports import LOOPBACK, port_open
from local_stack.postgres import run_psql
from local_stack.procs import (
    StackError,
    as_service_user,
    hand_to_service_user,
    read_pid,
    reap,
    spawn,
    terminate,
    wait_for,
)

log = logging.getLogger(__name__)

# Startup parameters redshift_connector sends that PostgreSQL would reject.
IGNORED_STARTUP_PARAMETERS = (
    "client_protocol_version,driver_version,os_version,driver_discovery_version,extra_float_digits"
)
# What PgBouncer itself sends on a server connection: its defaults, tagged so that local_stack.statement_log
# tells them from a client's statements.
SERVER_RESET_QUERY = (
    "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; RESET ROLE; DEALLOCATE ALL; UNLISTEN *; "
    "SELECT pg_advisory_unlock_all(); DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES /* pgbouncer server_reset_query */"
)
"""``DISCARD ALL`` spelled out (PostgreSQL's documented equivalent), plus ``RESET ROLE``: ``DISCARD ALL`` ends with the
session's role at NONE, which would drop a ``role`` that ``ALTER ROLE ... SET role`` gives a login (how
``local_stack.aws_api.credentials`` makes ``IAM:<user>`` act as ``<user>``) on every pooled reuse; ``RESET ROLE``
restores it (NONE for every other login). ``DISCARD ALL`` itself cannot share a query string with other statements."""
SERVER_CHECK_QUERY = "SELECT 1 /* pgbouncer server_check_query */"


def pgbouncer_binary() -> str:
    """Path of the ``pgbouncer`` executable, or a StackError explaining how to install it."""
    for candidate in (shutil.which("pgbouncer"), "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"):
        if candidate and Path(candidate).is_file():
            return candidate
    raise StackError("pgbouncer is not installed: run `apt-get install pgbouncer` (as root)")


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def parse_auth_file(text: str) -> dict[str, str]:
    """The ``"user" "password"`` lines of a PgBouncer auth file (doubled quotes inside a value are one quote)."""
    users: dict[str, str] = {}
    for line in text.splitlines():
        fields, rest = [], line.strip()
        while rest.startswith('"'):
            end = 1
            while True:
                end = rest.index('"', end)
                if rest[end + 1 : end + 2] != '"':
                    break
                end += 2
            fields.append(rest[1:end].replace('""', '"'))
            rest = rest[end + 1 :].strip()
        if len(fields) >= 2:
            users[fields[0]] = fields[1]
    return users


_AUTH_LOCK = threading.Lock()


@dataclass
class PgBouncer:
    """A PgBouncer whose config, auth file and pid file live in ``home`` (owned by the service user)."""

    home: Path
    log_path: Path
    port: int
    pg_port: int
    users: Mapping[str, str] = field(repr=False)
    admin_user: str
    host: str = LOOPBACK
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def config_path(self) -> Path:
        """The generated ``pgbouncer.ini``."""
        return self.home / "pgbouncer.ini"

    @property
    def pid_path(self) -> Path:
        """The pid file PgBouncer writes."""
        return self.home / "pgbouncer.pid"

    @property
    def auth_path(self) -> Path:
        """The plain-text auth file (``"user" "password"`` per line)."""
        return self.home / "userlist.txt"

    def write_config(self) -> None:
        """Write ``pgbouncer.ini`` and the plain-text auth file (mode 0600)."""
        auth_path = self.auth_path
        self._write_auth(dict(self.users))
        self.config_path.write_text(
            "[databases]\n"
            f"* = host={self.host} port={self.pg_port}\n"
            "\n[pgbouncer]\n"
            f"listen_addr = {self.host}\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = md5\n"
            f"auth_file = {auth_path}\n"
            f"admin_users = {self.admin_user}\n"
            "pool_mode = session\n"
            f"server_reset_query = {SERVER_RESET_QUERY}\n"
            f"server_check_query = {SERVER_CHECK_QUERY}\n"
            "max_client_conn = 200\n"
            "default_pool_size = 50\n"
            f"ignore_startup_parameters = {IGNORED_STARTUP_PARAMETERS}\n"
            f"pidfile = {self.pid_path}\n"
        )
        hand_to_service_user(self.config_path)

    def update_auth(self, changes: Mapping[str, str | None]) -> None:
        """Set (or, for None, remove) users' passwords in the auth file, then ``RELOAD`` so PgBouncer reads it.

        Used by the local AWS API server for temporary credentials; logins already made are not affected.
        """
        with _AUTH_LOCK:
            users = parse_auth_file(self.auth_path.read_text())
            for user, password in changes.items():
                if password is None:
                    users.pop(user, None)
                else:
                    users[user] = password
            self._write_auth(users)
            self.admin("RELOAD")

    def _write_auth(self, users: Mapping[str, str]) -> None:
        staging = self.auth_path.with_name(self.auth_path.name + ".new")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("".join(f"{_quote(u)} {_quote(p)}\n" for u, p in users.items()))
        hand_to_service_user(staging)
        staging.replace(self.auth_path)

    def pid(self) -> int | None:
        """PgBouncer's pid, if it is running."""
        return read_pid(self.pid_path, "pgbouncer")

    def start(self, timeout: float = 15.0) -> None:
        """Start PgBouncer (detached) and wait until its port accepts connections."""
        if self.pid() is not None:
            raise StackError(f"PgBouncer is already running (pid file {self.pid_path})")
        self.pid_path.unlink(missing_ok=True)  # stale: its process is gone
        proc = self._proc = spawn(as_service_user([pgbouncer_binary(), str(self.config_path)]), self.log_path)
        wait_for(
            lambda: self.pid() is not None and port_open(self.port, self.host),
            f"PgBouncer on {self.host}:{self.port}",
            self.log_path,
            timeout=timeout,
            alive=lambda: proc.poll() is None,
        )
        log.info("PgBouncer listening on %s:%d -> PostgreSQL port %d", self.host, self.port, self.pg_port)

    def stop(self, timeout: float = 10.0) -> None:
        """Immediate shutdown (SIGTERM); no-op when not running."""
        pid = self.pid()
        if pid is not None:
            terminate(pid, "pgbouncer", timeout=timeout)
        reap(self._proc)
        self._proc = None

    def admin(self, command: str) -> str:
        """Run a console command (``SHOW POOLS``, ``PAUSE``...) via psql; return rows as ``a|b|c`` lines.

        The console speaks only the simple query protocol, which redshift_connector does not use.
        """
        password = self.users[self.admin_user]
        return run_psql(self.host, self.port, self.admin_user, password, "pgbouncer", ["-c", command])
