"""PgBouncer (Debian package) in front of the local PostgreSQL, as Redshift clients see it."""

from __future__ import annotations

import logging
import shutil
import subprocess
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
SERVER_RESET_QUERY = "DISCARD ALL /* pgbouncer server_reset_query */"
SERVER_CHECK_QUERY = "SELECT 1 /* pgbouncer server_check_query */"


def pgbouncer_binary() -> str:
    """Path of the ``pgbouncer`` executable, or a StackError explaining how to install it."""
    for candidate in (shutil.which("pgbouncer"), "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"):
        if candidate and Path(candidate).is_file():
            return candidate
    raise StackError("pgbouncer is not installed: run `apt-get install pgbouncer` (as root)")


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


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

    def write_config(self) -> None:
        """Write ``pgbouncer.ini`` and the plain-text auth file (mode 0600)."""
        auth_path = self.home / "userlist.txt"
        auth_path.write_text("".join(f"{_quote(u)} {_quote(p)}\n" for u, p in self.users.items()))
        auth_path.chmod(0o600)
        hand_to_service_user(auth_path)
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
