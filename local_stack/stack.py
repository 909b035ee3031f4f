"""The local stack: PostgreSQL behind PgBouncer behind the front door (standing in for Redshift) plus moto for AWS
APIs."""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import redshift_connector
from redshift_connector.core import Connection

from local_stack.aws_api.process import RedshiftApiServer
from local_stack.endpoints import (
    ENDPOINTS_FILE,
    ENV_FILE,
    StackEndpoints,
    load_endpoints,
    write_state_files,
)
from local_stack.front_door.process import FrontDoorServer
from local_stack.moto import MotoServer
from local_stack.pgbouncer import PgBouncer
from local_stack.ports import LOOPBACK, free_ports
from local_stack.postgres import PostgresServer
from local_stack.procs import StackError, hand_to_service_user, make_traversable, read_pid
from local_stack.redshift_views import redshift_views_sql
from local_stack.roles import bootstrap_sql, quote_ident, source_schema_sql, target_schema_sql
from local_stack.statement_log import StatementLog, parse_statements, statement_log

__all__ = ["LocalStack", "StackEndpoints"]

log = logging.getLogger(__name__)

DATABASE = "shared_db"
ADMIN_USER = "admin"
ETL_USER = "etl_user"
SHARE_OWNER = "share_owner"
_STATE_FILES = (
    ENDPOINTS_FILE,
    ENV_FILE,
    "moto.pid",
    "moto.log",
    "postgres.log",
    "pgbouncer.log",
    "redshift_api.pid",
    "redshift_api.log",
    "front_door.pid",
    "front_door.log",
)


@dataclass
class _Servers:
    postgres: PostgresServer
    bouncer: PgBouncer
    moto: MotoServer
    redshift_api: RedshiftApiServer
    front_door: FrontDoorServer


class LocalStack:
    """PostgreSQL + PgBouncer + the front door (``local_stack.front_door``) + moto + the local Redshift APIs
    (``local_stack.aws_api``) on 127.0.0.1; all files (data, logs, pids) live in ``state_dir``.

    Every ``start`` creates a fresh, empty cluster. Servers run in their own sessions, so they
    outlive the starting process until ``stop`` (possibly from another process via ``attach``).
    """

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir).absolute()
        self._endpoints: StackEndpoints | None = None
        self._servers: _Servers | None = None

    @classmethod
    def attach(cls, state_dir: Path) -> LocalStack:
        """A handle on a stack started earlier (e.g. by ``python -m local_stack up``)."""
        stack = cls(state_dir)
        if stack._use_saved() is None:
            raise StackError(f"no local stack state in {stack.state_dir} (missing {ENDPOINTS_FILE})")
        return stack

    @property
    def endpoints(self) -> StackEndpoints:
        """Endpoints of the started or attached stack."""
        if self._endpoints is None:
            raise StackError("the local stack is not started (call start() or LocalStack.attach())")
        return self._endpoints

    @property
    def pg_home(self) -> Path:
        """Directory owned by the server user: data dir, PgBouncer config and pid file."""
        return self.state_dir / "pg"

    def saved_endpoints(self) -> StackEndpoints | None:
        """Endpoints recorded in ``state_dir``, if any."""
        return load_endpoints(self.state_dir)

    def pids(self) -> dict[str, int | None]:
        """Pid of each server process recorded in ``state_dir`` (None when not running)."""
        return {
            "postgres": read_pid(self.pg_home / "data" / "postmaster.pid", "postgres"),
            "pgbouncer": read_pid(self.pg_home / "pgbouncer.pid", "pgbouncer"),
            "moto": read_pid(self.state_dir / "moto.pid", "moto.server"),
            "redshift_api": read_pid(self.state_dir / "redshift_api.pid", "local_stack.aws_api"),
            "front_door": read_pid(self.state_dir / "front_door.pid", "local_stack.front_door"),
        }

    def is_running(self) -> bool:
        """True if any server recorded in ``state_dir`` is alive."""
        return any(pid is not None for pid in self.pids().values())

    def start(self) -> StackEndpoints:
        """Start all servers on fresh free ports and create roles and ``shared_db``."""
        if self.is_running():
            raise StackError(
                f"a local stack is already running in {self.state_dir} ({self.pids()}); stop it first "
                f"(python -m local_stack down --state-dir {self.state_dir})"
            )
        began = time.monotonic()
        self.remove_state()
        endpoints = self._new_endpoints()
        self.pg_home.mkdir(parents=True, mode=0o700)
        hand_to_service_user(self.pg_home)
        make_traversable(self.pg_home)
        write_state_files(self.state_dir, endpoints)  # first, so `down` can clean up whatever follows
        servers = self._use(endpoints)
        try:
            servers.moto.start()  # boots while PostgreSQL initialises
            servers.redshift_api.start()  # reads endpoints.json; reaches the database only when called
            servers.postgres.init()
            servers.postgres.start()
            servers.postgres.psql(
                bootstrap_sql(endpoints.database, SHARE_OWNER, endpoints.etl_user, endpoints.etl_password)
            )
            servers.postgres.psql(redshift_views_sql(), database=endpoints.database)
            servers.bouncer.write_config()
            servers.bouncer.start()
            servers.front_door.start()
            servers.moto.wait_ready()
            servers.front_door.wait_ready()
            servers.redshift_api.wait_ready()
        except BaseException:
            self.stop()
            raise
        log.info("local stack up in %.1fs: %s", time.monotonic() - began, endpoints)
        return endpoints

    def stop(self, *, remove_state: bool = False) -> None:
        """Stop every server (waiting for exit); never raises. Optionally delete ``state_dir`` files."""
        try:
            servers = self._servers or self._use_saved()
        except (OSError, ValueError, TypeError) as exc:
            log.error("unreadable %s in %s (%s); cannot stop its servers", ENDPOINTS_FILE, self.state_dir, exc)
            servers = None
        if servers is not None:
            for name, stop in (
                ("the local Redshift API server", servers.redshift_api.stop),
                ("the front door", servers.front_door.stop),
                ("PgBouncer", servers.bouncer.stop),
                ("PostgreSQL", servers.postgres.stop),
                ("moto", servers.moto.stop),
            ):
                try:
                    stop()
                except Exception:
                    log.exception("could not stop %s", name)
        if remove_state:
            try:
                self.remove_state()
            except OSError:
                log.exception("could not remove the state in %s", self.state_dir)

    def remove_state(self) -> None:
        """Delete the files this class creates in ``state_dir`` (and the dir itself if then empty)."""
        shutil.rmtree(self.pg_home, ignore_errors=True)
        for name in _STATE_FILES:
            (self.state_dir / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.state_dir.rmdir()

    def start_bouncer(self) -> None:
        """(Re)start PgBouncer on its original port."""
        self._require().bouncer.start()

    def stop_bouncer(self) -> None:
        """Stop PgBouncer only (fault injection); PostgreSQL keeps running."""
        self._require().bouncer.stop()

    def bouncer_admin(self, command: str) -> str:
        """Run a PgBouncer console command such as ``SHOW POOLS``, ``PAUSE`` or ``RESUME``."""
        return self._require().bouncer.admin(command)

    @contextlib.contextmanager
    def statement_log(self, user: str | None = None) -> Iterator[StatementLog]:
        """Collect the statements ``user`` (default: the migration user) sends while the block runs.

        Sets ``log_statement = 'all'`` on the role and has PgBouncer reconnect its pooled server connections (role
        settings apply when a backend starts), then checks with a probe query that new sessions of the user are
        logged. When the block ends, the yielded ``StatementLog`` is filled from PostgreSQL's log (see
        ``local_stack.statement_log``), the role's previous setting is restored and the pool reconnected again.
        A session the user keeps open from before the block is not logged. Logging slows the server: never time
        anything inside the block.
        """
        servers, user = self._require(), user or self.endpoints.etl_user
        password = self._password(user)
        previous = self._role_setting(user, "log_statement")
        window, start, text = StatementLog(user), None, ""
        try:
            self._set_log_statement(user, "all")
            start = self._probe(user, password, servers.postgres.log_path)
            yield window
        finally:
            if start is not None:
                text = _read_log(servers.postgres.log_path, start)
            self._set_log_statement(user, previous)
            found = statement_log(text, user)
            window.statements, window.pooler = found.statements, found.pooler

    def admin_connect(self, database: str | None = None) -> Connection:
        """Superuser connection through the front door (autocommit on)."""
        ep = self.endpoints
        return self._connect(ep.admin_user, ep.admin_password, database)

    def etl_connect(self, database: str | None = None) -> Connection:
        """Migration-user connection through the front door (autocommit off, as the library gets it)."""
        ep = self.endpoints
        conn = self._connect(ep.etl_user, ep.etl_password, database)
        conn.autocommit = False
        return conn

    def create_source_schema(self, name: str) -> None:
        """Schema owned by ``share_owner``, read-only for the ETL user (existing and future tables)."""
        self._run_admin(source_schema_sql(name, SHARE_OWNER, self.endpoints.etl_user, [ADMIN_USER]))

    def create_target_schema(self, name: str) -> None:
        """Schema owned by the ETL user."""
        self._run_admin(target_schema_sql(name, self.endpoints.etl_user))

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _new_endpoints(self) -> StackEndpoints:
        pg_port, bouncer_port, door_port, moto_port, api_port = free_ports(5)
        return StackEndpoints(
            host=LOOPBACK,
            postgres_port=pg_port,
            bouncer_port=bouncer_port,
            front_door_port=door_port,
            moto_port=moto_port,
            redshift_api_port=api_port,
            database=DATABASE,
            admin_user=ADMIN_USER,
            admin_password=secrets.token_urlsafe(12),
            etl_user=ETL_USER,
            etl_password=secrets.token_urlsafe(12),
        )

    def _use(self, ep: StackEndpoints) -> _Servers:
        self._endpoints = ep
        self._servers = _Servers(
            postgres=PostgresServer(
                self.pg_home,
                self.state_dir / "postgres.log",
                ep.postgres_port,
                ep.admin_user,
                ep.admin_password,
            ),
            bouncer=PgBouncer(
                self.pg_home,
                self.state_dir / "pgbouncer.log",
                ep.bouncer_port,
                ep.postgres_port,
                users={ep.admin_user: ep.admin_password, ep.etl_user: ep.etl_password},
                admin_user=ep.admin_user,
            ),
            moto=MotoServer(self.state_dir / "moto.log", self.state_dir / "moto.pid", ep.moto_port),
            redshift_api=RedshiftApiServer(
                self.state_dir,
                self.state_dir / "redshift_api.log",
                self.state_dir / "redshift_api.pid",
                ep.redshift_api_port,
            ),
            front_door=FrontDoorServer(
                self.state_dir, self.state_dir / "front_door.log", self.state_dir / "front_door.pid", ep.front_door_port
            ),
        )
        return self._servers

    def _use_saved(self) -> _Servers | None:
        endpoints = self.saved_endpoints()
        return self._use(endpoints) if endpoints else None

    def _require(self) -> _Servers:
        if self._servers is None:
            raise StackError("the local stack is not started (call start() or LocalStack.attach())")
        return self._servers

    def _connect(self, user: str, password: str, database: str | None) -> Connection:
        ep = self.endpoints
        conn = redshift_connector.connect(
            host=ep.host,
            port=ep.front_door_port,
            database=database or ep.database,
            user=user,
            password=password,
            ssl=False,
            timeout=30,
        )
        conn.autocommit = True
        return conn

    def run_as_admin(self, *statements: str) -> None:
        """Run statements as the superuser, each committed on its own."""
        self._run_admin(list(statements))

    def run_as_etl(self, *statements: str) -> None:
        """Run statements as the migration user in one transaction, then commit."""
        with contextlib.closing(self.etl_connect()) as conn:
            cursor = conn.cursor()
            for statement in statements:
                cursor.execute(statement)
            conn.commit()

    def _password(self, user: str) -> str:
        ep = self.endpoints
        passwords = {ep.etl_user: ep.etl_password, ep.admin_user: ep.admin_password}
        if user not in passwords:
            raise ValueError(f"not a login user of the local stack: {user!r} (known: {', '.join(passwords)})")
        return passwords[user]

    def _role_setting(self, user: str, name: str) -> str | None:
        """The value ``ALTER ROLE user SET name`` gave (for every database), or None."""
        with contextlib.closing(self.admin_connect()) as conn:
            cursor = conn.cursor()
            cursor.execute(
                "SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = 0 "
                "AND setrole = (SELECT oid FROM pg_roles WHERE rolname = %s)",
                (user,),
            )
            row = cursor.fetchone()
        for item in (row[0] if row else None) or []:
            key, _, value = str(item).partition("=")
            if key == name:
                return value
        return None

    def _set_log_statement(self, user: str, value: str | None) -> None:
        """Set (or, for None, reset) the role's ``log_statement``, then close PgBouncer's pooled server connections
        so that the next sessions start with it."""
        role = quote_ident(user)
        if value is None:
            self._run_admin([f"ALTER ROLE {role} RESET log_statement"])
        else:
            literal = "'" + value.replace("'", "''") + "'"
            self._run_admin([f"ALTER ROLE {role} SET log_statement = {literal}"])
        self.bouncer_admin("RECONNECT")

    def _probe(self, user: str, password: str, log_path: Path) -> int:
        """Send a marked query as ``user`` through the front door; return the log's size after it. Raises StackError
        when PostgreSQL did not log it (statement logging is not in effect for new sessions)."""
        marker = f"statement_log probe {secrets.token_hex(6)}"
        before = log_path.stat().st_size
        with contextlib.closing(self._connect(user, password, None)) as conn:
            conn.cursor().execute(f"SELECT '{marker}'")
            after = log_path.stat().st_size
        if not any(marker in found.text for found in parse_statements(_read_log(log_path, before, after), user)):
            raise StackError(f"PostgreSQL did not log a probe statement of user {user}; see {log_path}")
        return after

    def _run_admin(self, statements: list[str]) -> None:
        with contextlib.closing(self.admin_connect()) as conn:
            cursor = conn.cursor()
            for statement in statements:
                cursor.execute(statement)


def _read_log(path: Path, start: int, end: int | None = None) -> str:
    """The complete lines of ``path`` between byte offsets ``start`` and ``end`` (default: its end)."""
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read() if end is None else handle.read(max(end - start, 0))
    return data[: data.rfind(b"\n") + 1].decode("utf-8", errors="replace")
