"""Process helpers shared by the server wrappers: privileges, waiting and stopping."""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

SERVICE_USER = "postgres"
"""Unprivileged OS user that runs PostgreSQL and PgBouncer when we are root (both refuse root)."""


class StackError(RuntimeError):
    """A local server could not be started, reached or stopped."""


def running_as_root() -> bool:
    """True when the effective user is root."""
    return os.geteuid() == 0


def as_service_user(cmd: Sequence[str]) -> list[str]:
    """Prefix ``cmd`` with ``runuser`` when root; otherwise run it as the current user."""
    if running_as_root():
        return ["runuser", "-u", SERVICE_USER, "--", *cmd]
    return list(cmd)


def hand_to_service_user(path: Path) -> None:
    """Give ``path`` to the service user (no-op unless root)."""
    if not running_as_root():
        return
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError as exc:
        raise StackError(
            f"running as root needs an unprivileged OS user {SERVICE_USER!r} (e.g. `useradd --system {SERVICE_USER}`)"
        ) from exc
    os.chown(path, entry.pw_uid, entry.pw_gid)


def make_traversable(path: Path) -> None:
    """Add o+x to each ancestor of ``path`` lacking it, so the service user can reach it (root only)."""
    if not running_as_root():
        return
    for parent in path.absolute().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            log.warning("adding o+x to %s so user %s can reach %s", parent, SERVICE_USER, path)
            parent.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def log_tail(path: Path, lines: int = 25) -> str:
    """Return the last ``lines`` lines of a log file (or a note that it is missing)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:]) or f"({path} is empty)"


def run(
    cmd: Sequence[str],
    what: str,
    *,
    timeout: float = 60.0,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run a short-lived command, returning stdout; raise StackError with its output on failure."""
    full_env = {**os.environ, **env} if env else None
    try:
        result = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise StackError(f"{what} did not finish within {timeout:.0f}s: {' '.join(cmd)}") from exc
    if result.returncode != 0:
        output = (result.stderr + result.stdout).strip()
        raise StackError(f"{what} failed (exit {result.returncode}):\n{output}")
    return result.stdout


def wait_for(
    ready: Callable[[], bool],
    what: str,
    log_path: Path,
    *,
    timeout: float,
    alive: Callable[[], bool] | None = None,
    interval: float = 0.05,
) -> None:
    """Poll ``ready`` until true; raise StackError (with the log tail) on timeout or early exit."""
    deadline = time.monotonic() + timeout
    while not ready():
        if alive is not None and not alive():
            raise StackError(f"{what}: the process exited; last lines of {log_path}:\n{log_tail(log_path)}")
        if time.monotonic() > deadline:
            raise StackError(
                f"timed out after {timeout:.0f}s waiting for {what}; last lines of {log_path}:\n{log_tail(log_path)}"
            )
        time.sleep(interval)


def pid_alive(pid: int) -> bool:
    """True if ``pid`` is a live process; zombies (exited, not yet reaped) count as dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def cmdline(pid: int) -> str:
    """The command line of ``pid`` with spaces for NULs, or "" if unreadable."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def read_pid(pid_file: Path, expect: str) -> int | None:
    """The pid in ``pid_file`` if that process is alive and its command line contains ``expect``."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if pid_alive(pid) and expect in cmdline(pid):
        return pid
    return None


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``pid`` to exit; True if it did."""
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def terminate(pid: int, what: str, *, timeout: float = 10.0, sig: int = signal.SIGTERM) -> None:
    """Send ``sig`` to ``pid`` and wait for it to exit, escalating to SIGKILL after ``timeout``."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    if wait_gone(pid, timeout):
        return
    log.warning("%s (pid %d) ignored signal %d for %.0fs; sending SIGKILL", what, pid, sig, timeout)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if not wait_gone(pid, 5.0):
        raise StackError(f"{what} (pid {pid}) did not exit even after SIGKILL")


def reap(proc: subprocess.Popen[bytes] | None, timeout: float = 5.0) -> None:
    """Collect the exit status of a child we started (so it leaves no zombie)."""
    if proc is None:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


def spawn(
    cmd: Sequence[str], log_path: Path, *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a long-running server in its own session, appending its output to ``log_path``.

    ``env`` adds to (or overrides) this process's environment for the server; ``None`` passes it unchanged.
    """
    full_env = {**os.environ, **env} if env else None
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def spawn_module(module: str, state_dir: Path, log_path: Path, pid_path: Path) -> subprocess.Popen[bytes]:
    """Start ``python -m module --state-dir state_dir`` (a stack server that reads ``endpoints.json`` there) from the
    repository's root, appending its output to ``log_path`` and writing its pid to ``pid_path``; does not wait."""
    cmd = [sys.executable, "-m", module, "--state-dir", str(state_dir)]
    proc = spawn(cmd, log_path, cwd=Path(__file__).resolve().parents[1])
    pid_path.write_text(f"{proc.pid}\n")
    return proc
