"""The front door as a process of the stack, started and stopped like the local Redshift API server."""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from local_stack.ports import LOOPBACK, port_open
from local_stack.procs import read_pid, reap, spawn_module, terminate, wait_for

log = logging.getLogger(__name__)

PROCESS_MARKER = "local_stack.front_door"


@dataclass
class FrontDoorServer:
    """``python -m local_stack.front_door --state-dir STATE_DIR`` on a loopback port; its pid is kept in
    ``pid_path``."""

    state_dir: Path
    log_path: Path
    pid_path: Path
    port: int
    host: str = LOOPBACK
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        """Launch it (it reads ``endpoints.json`` in ``state_dir``) without waiting for it."""
        self._proc = spawn_module(PROCESS_MARKER, self.state_dir, self.log_path, self.pid_path)

    def pid(self) -> int | None:
        """Its pid, if it is running."""
        return read_pid(self.pid_path, PROCESS_MARKER)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until its port accepts connections."""
        proc = self._proc
        wait_for(
            lambda: port_open(self.port, self.host),
            f"the front door on {self.host}:{self.port}",
            self.log_path,
            timeout=timeout,
            alive=(lambda: proc.poll() is None) if proc else None,
        )
        log.info("front door listening on %s:%d", self.host, self.port)

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate it (its relayed connections close with it); no-op when not running."""
        pid = self.pid()
        if pid is not None:
            terminate(pid, "the front door", timeout=timeout)
        reap(self._proc)
        self._proc = None
        self.pid_path.unlink(missing_ok=True)
