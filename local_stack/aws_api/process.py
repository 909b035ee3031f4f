"""The local Redshift API server as a process of the stack, started and stopped like moto."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_stack.ports import LOOPBACK
from local_stack.procs import read_pid, reap, spawn, terminate, wait_for

log = logging.getLogger(__name__)

PROCESS_MARKER = "local_stack.aws_api"


@dataclass
class RedshiftApiServer:
    """``python -m local_stack.aws_api --state-dir STATE_DIR`` on a loopback port; its pid is kept in ``pid_path``."""

    state_dir: Path
    log_path: Path
    pid_path: Path
    port: int
    host: str = LOOPBACK
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        """Base URL of the endpoint."""
        return f"http://{self.host}:{self.port}"

    def pid(self) -> int | None:
        """The server's pid, if it is running."""
        return read_pid(self.pid_path, PROCESS_MARKER)

    def start(self) -> None:
        """Launch the server (it reads ``endpoints.json`` in ``state_dir``) without waiting for it."""
        cmd = [sys.executable, "-m", PROCESS_MARKER, "--state-dir", str(self.state_dir)]
        self._proc = spawn(cmd, self.log_path, cwd=Path(__file__).resolve().parents[2])
        self.pid_path.write_text(f"{self._proc.pid}\n")

    def is_ready(self) -> bool:
        """True once ``/_local/health`` answers."""
        try:
            with urllib.request.urlopen(f"{self.url}/_local/health", timeout=1) as response:  # noqa: S310
                return int(response.status) == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until the server answers HTTP."""
        proc = self._proc
        wait_for(
            self.is_ready,
            f"the local Redshift API server on {self.url}",
            self.log_path,
            timeout=timeout,
            alive=(lambda: proc.poll() is None) if proc else None,
        )
        log.info("local Redshift APIs listening on %s", self.url)

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server; no-op when not running."""
        pid = self.pid()
        if pid is not None:
            terminate(pid, "the local Redshift API server", timeout=timeout)
        reap(self._proc)
        self._proc = None
        self.pid_path.unlink(missing_ok=True)


def set_faults(url: str, **faults: Any) -> dict[str, Any]:
    """``POST /_local/faults`` (a test control of the fake server; see ``local_stack.aws_api.server``)."""
    request = urllib.request.Request(  # noqa: S310
        f"{url}/_local/faults",
        data=json.dumps(faults).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        answer: dict[str, Any] = json.loads(response.read())
    return answer
