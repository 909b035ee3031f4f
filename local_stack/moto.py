"""moto in server mode: a local S3 / Secrets Manager / STS endpoint."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from local_stack.http_server import HttpServerProcess
from local_stack.ports import LOOPBACK
from local_stack.procs import StackError, spawn

log = logging.getLogger(__name__)


@dataclass
class MotoServer(HttpServerProcess):
    """``python -m moto.server`` on a loopback port; its pid is kept in ``pid_path``.

    ``env`` holds extra environment variables for the server process, on top of this process's own:
    e.g. ``{"INITIAL_NO_AUTH_ACTION_COUNT": "0"}`` makes moto check every request against the IAM
    policies of its users (moto reads its settings from the environment when it starts).
    """

    PROCESS_MARKER: ClassVar[str] = "moto.server"
    HEALTH_PATH: ClassVar[str] = "/moto-api/"
    NAME: ClassVar[str] = "moto"

    log_path: Path
    pid_path: Path
    port: int
    host: str = LOOPBACK
    env: dict[str, str] = field(default_factory=dict)
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        """Launch the server without waiting for it (see ``wait_ready``)."""
        if importlib.util.find_spec("moto") is None:
            raise StackError(f"moto is not installed for {sys.executable} (pip install 'moto[server]')")
        cmd = [sys.executable, "-m", self.PROCESS_MARKER, "-H", self.host, "-p", str(self.port)]
        self._proc = spawn(cmd, self.log_path, env=self.env)
        self.pid_path.write_text(f"{self._proc.pid}\n")
