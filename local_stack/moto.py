"""moto in server mode: a local S3 / Secrets Manager / STS endpoint."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from local_stack.ports import LOOPBACK
from local_stack.procs import StackError, read_pid, reap, spawn, terminate, wait_for

log = logging.getLogger(__name__)

PROCESS_MARKER = "moto.server"


@dataclass
class MotoServer:
    """``python -m moto.server`` on a loopback port; its pid is kept in ``pid_path``.

    ``env`` holds extra environment variables for the server process, on top of this process's own:
    e.g. ``{"INITIAL_NO_AUTH_ACTION_COUNT": "0"}`` makes moto check every request against the IAM
    policies of its users (moto reads its settings from the environment when it starts).
    """

    log_path: Path
    pid_path: Path
    port: int
    host: str = LOOPBACK
    env: dict[str, str] = field(default_factory=dict)
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        """Base URL of the endpoint."""
        return f"http://{self.host}:{self.port}"

    def pid(self) -> int | None:
        """moto's pid, if it is running."""
        return read_pid(self.pid_path, PROCESS_MARKER)

    def start(self) -> None:
        """Launch the server without waiting for it (see ``wait_ready``)."""
        if importlib.util.find_spec("moto") is None:
            raise StackError(f"moto is not installed for {sys.executable} (pip install 'moto[server]')")
        cmd = [sys.executable, "-m", PROCESS_MARKER, "-H", self.host, "-p", str(self.port)]
        self._proc = spawn(cmd, self.log_path, env=self.env)
        self.pid_path.write_text(f"{self._proc.pid}\n")

    def is_ready(self) -> bool:
        """True once ``/moto-api/`` answers."""
        try:
            with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1) as response:  # noqa: S310
                return int(response.status) == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until the server answers HTTP."""
        proc = self._proc
        wait_for(
            self.is_ready,
            f"moto on {self.url}",
            self.log_path,
            timeout=timeout,
            alive=(lambda: proc.poll() is None) if proc else None,
        )
        log.info("moto listening on %s", self.url)

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server; no-op when not running."""
        pid = self.pid()
        if pid is not None:
            terminate(pid, "moto", timeout=timeout)
        reap(self._proc)
        self._proc = None
        self.pid_path.unlink(missing_ok=True)
