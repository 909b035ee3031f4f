"""What the stack's HTTP servers (moto, the local Redshift APIs) share: a pid file, a readiness probe, a stop."""

from __future__ import annotations

import logging
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import ClassVar

from local_stack.procs import read_pid, reap, terminate, wait_for

log = logging.getLogger(__name__)


class HttpServerProcess:
    """A server process on ``host:port`` whose pid is kept in ``pid_path``; subclasses start it.

    A subclass (a dataclass) provides ``log_path``, ``pid_path``, ``port``, ``host`` and ``_proc``, and sets
    ``PROCESS_MARKER`` (a word of its command line, to tell its pid from a reused one), ``HEALTH_PATH`` (a URL
    path that answers 200 once it serves) and ``NAME`` (for messages).
    """

    PROCESS_MARKER: ClassVar[str]
    HEALTH_PATH: ClassVar[str]
    NAME: ClassVar[str]
    log_path: Path
    pid_path: Path
    port: int
    host: str
    _proc: subprocess.Popen[bytes] | None

    @property
    def url(self) -> str:
        """Base URL of the endpoint."""
        return f"http://{self.host}:{self.port}"

    def pid(self) -> int | None:
        """The server's pid, if it is running."""
        return read_pid(self.pid_path, self.PROCESS_MARKER)

    def is_ready(self) -> bool:
        """True once ``HEALTH_PATH`` answers."""
        try:
            with urllib.request.urlopen(f"{self.url}{self.HEALTH_PATH}", timeout=1) as response:  # noqa: S310
                return int(response.status) == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until the server answers HTTP."""
        proc = self._proc
        wait_for(
            self.is_ready,
            f"{self.NAME} on {self.url}",
            self.log_path,
            timeout=timeout,
            alive=(lambda: proc.poll() is None) if proc else None,
        )
        log.info("%s listening on %s", self.NAME, self.url)

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server; no-op when not running."""
        pid = self.pid()
        if pid is not None:
            terminate(pid, self.NAME, timeout=timeout)
        reap(self._proc)
        self._proc = None
        self.pid_path.unlink(missing_ok=True)
