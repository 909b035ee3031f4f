"""PostgreSQL 16 from the ``pgserver`` wheel, listening on 127.0.0.1 with password auth only."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from local_stack.ports import LOOPBACK
from local_stack.procs import (
    StackError,
    as_service_user,
    hand_to_service_user,
    read_pid,
    reap,
    run,
    running_as_root,
    spawn,
    terminate,
    wait_for,
)

log = logging.getLogger(__name__)

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "password_encryption": "'scram-sha-256'",
    "max_connections": "150",
    "shared_buffers": "32MB",
    # A sort's or hash's memory: Redshift gives a query its WLM slot's share of the queue's memory (manual WLM: "WLM
    # allocates the available memory for a service class equally to each slot", the default queue 5 slots,
    # dg/r_wlm_query_slot_count.html, dg/cm-c-defining-query-queues.html; automatic WLM sizes each query's memory,
    # repost.aws/knowledge-center/redshift-wlm-memory-allocation), a share of a node's memory, where PostgreSQL's
    # default is 4 MB: the chunk plan's exact percentiles over 1M values then sorted on disk (a 16 MB temp file,
    # 0.5 to 1 s) instead of in memory (0.15 s). 64 MB holds that sort; it is the stand-in's choice, not a Redshift
    # figure (no page found here gives a slot's memory in bytes).
    "work_mem": "64MB",
    # Throwaway data: trade durability for speed.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    # Log lines name the session's user, database and stage (%i: PARSE, BIND, the command tag, idle...), so
    # local_stack.statement_log can count one user's statements; update_process_title keeps %i current.
    "log_line_prefix": "'%m [%p] %q%u@%d [%i] '",
    "update_process_title": "on",
}


PGINSTALL_ENV = "GLUE_ELT_PGINSTALL"
"""The ``pginstall`` directory of a ``pgserver`` installed for another Python: pgserver has no wheel for Python
3.13 and later, and its PostgreSQL binaries do not depend on the Python that runs the tests."""


def pg_bin_dir() -> Path:
    """The ``bin`` directory of the PostgreSQL build shipped in the ``pgserver`` wheel.

    As root the servers run as an unprivileged user, who may not be able to reach a virtualenv inside a
    private directory (a 0700 home or ``mktemp -d``); the build is then used from a world-readable copy.
    """
    spec = importlib.util.find_spec("pgserver")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if locations:
        install = Path(locations[0]) / "pginstall"
    elif os.environ.get(PGINSTALL_ENV):
        install = Path(os.environ[PGINSTALL_ENV])
    else:
        raise StackError(
            "the `pgserver` package is not installed (pip install 'pgserver>=0.1.4'; on Python 3.13 and later, "
            f"which it has no wheel for, set {PGINSTALL_ENV} to the pgserver/pginstall directory of another Python)"
        )
    if not (install / "bin" / "postgres").is_file():
        raise StackError(f"no PostgreSQL binaries in {install / 'bin'}; reinstall the `pgserver` wheel")
    if running_as_root():
        install = _shared_copy(install)
    return install / "bin"


def _pgserver_version(site: Path) -> str:
    """The version of the pgserver installed in ``site`` (from its dist-info), for the shared copy's name."""
    found = sorted(site.glob("pgserver-*.dist-info"))
    return found[-1].name.removeprefix("pgserver-").removesuffix(".dist-info") if found else "unknown"


def _shared_copy(install: Path) -> Path:
    """A copy of ``install`` (and the wheel's bundled ``pgserver.libs``, found via the binaries' RPATH
    ``$ORIGIN/../../../pgserver.libs``) under the system temp dir, readable by every user; made once."""
    site = install.parent.parent
    root = Path(tempfile.gettempdir()) / f"glue-elt-pgserver-{_pgserver_version(site)}"
    target = root / "pgserver" / "pginstall"
    if (target / "bin" / "postgres").is_file():
        return target
    staging = Path(tempfile.mkdtemp(prefix=root.name + "-", dir=root.parent))
    shutil.copytree(install, staging / "pgserver" / "pginstall", symlinks=True)
    if (site / "pgserver.libs").is_dir():
        shutil.copytree(site / "pgserver.libs", staging / "pgserver.libs", symlinks=True)
    for path in [staging, *staging.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | (0o755 if path.is_dir() else 0o444))
    try:
        staging.rename(root)
    except OSError:  # another process won the race; its copy is as good as ours
        shutil.rmtree(staging, ignore_errors=True)
    return target


def run_psql(host: str, port: int, user: str, password: str, database: str, args: Sequence[str]) -> str:
    """Run the wheel's ``psql`` (unaligned, tuples only, stop on error) over TCP; return its output."""
    cmd = [str(pg_bin_dir() / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    cmd += ["-h", host, "-p", str(port), "-U", user, "-d", database, *args]
    return run(cmd, "psql " + " ".join(args)[:80], env={"PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"})


@dataclass
class PostgresServer:
    """One PostgreSQL cluster whose files live in ``home`` (owned by the service user)."""

    home: Path
    log_path: Path
    port: int
    admin_user: str
    admin_password: str = field(repr=False)
    host: str = LOOPBACK
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.home / "data"

    def _bin(self, name: str) -> str:
        return str(pg_bin_dir() / name)

    def init(self) -> None:
        """Create the cluster with ``admin_user`` as superuser and write its config."""
        pw_file = self.home / "admin.pw"
        pw_file.write_text(self.admin_password + "\n")
        pw_file.chmod(0o600)
        hand_to_service_user(pw_file)
        cmd = [
            self._bin("initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            self.admin_user,
            f"--pwfile={pw_file}",
            "--auth=scram-sha-256",
            "--no-sync",
            "--locale=C",
            "--encoding=UTF8",
        ]
        try:
            run(as_service_user(cmd), "initdb", cwd=self.home, timeout=120)
        finally:
            pw_file.unlink(missing_ok=True)
        settings = {**SERVER_SETTINGS, "port": str(self.port)}
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# local_stack\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        (self.data_dir / "pg_hba.conf").write_text(
            "# local_stack: TCP from loopback only, password (SCRAM) auth\nhost all all 127.0.0.1/32 scram-sha-256\n"
        )

    def pid(self) -> int | None:
        """The postmaster's pid, if it is running."""
        return read_pid(self.data_dir / "postmaster.pid", "postgres")

    def is_ready(self) -> bool:
        """True once the server accepts connections on its TCP port."""
        cmd = [self._bin("pg_isready"), "-q", "-h", self.host, "-p", str(self.port), "-t", "1"]
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, check=False).returncode == 0

    def start(self, timeout: float = 30.0) -> None:
        """Start the postmaster (detached) and wait until it accepts connections."""
        cmd = as_service_user([self._bin("postgres"), "-D", str(self.data_dir)])
        proc = self._proc = spawn(cmd, self.log_path, cwd=self.home)
        wait_for(
            self.is_ready,
            f"PostgreSQL on {self.host}:{self.port}",
            self.log_path,
            timeout=timeout,
            alive=lambda: proc.poll() is None,
        )
        log.info("PostgreSQL listening on %s:%d", self.host, self.port)

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (``pg_ctl stop -m fast``); no-op when not running."""
        pid = self.pid()
        if pid is not None:
            cmd = [self._bin("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast", "-w"]
            cmd += ["-t", str(int(timeout))]
            try:
                run(as_service_user(cmd), "pg_ctl stop", cwd=self.home, timeout=timeout + 5)
            except StackError as exc:
                log.warning("%s; terminating postmaster %d", exc, pid)
                terminate(pid, "postgres", timeout=timeout)
        reap(self._proc)
        self._proc = None

    def psql(self, statements: Sequence[str], database: str = "postgres") -> str:
        """Run statements (each in its own transaction) as the admin over TCP; return psql's output."""
        args = [arg for statement in statements for arg in ("-c", statement)]
        return run_psql(self.host, self.port, self.admin_user, self.admin_password, database, args)
