"""The local Redshift API server as a process of the stack, started and stopped like moto."""

from __future__ import annotations

import json
import logging
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from local_stack.http_server import HttpServerProcess
from local_stack.ports import LOOPBACK
from local_stack.procs import spawn_module

log = logging.getLogger(__name__)

PROCESS_MARKER = "local_stack.aws_api"


@dataclass
class RedshiftApiServer(HttpServerProcess):
    """``python -m local_stack.aws_api --state-dir STATE_DIR`` on a loopback port; its pid is kept in ``pid_path``."""

    PROCESS_MARKER: ClassVar[str] = PROCESS_MARKER
    HEALTH_PATH: ClassVar[str] = "/_local/health"
    NAME: ClassVar[str] = "the local Redshift API server"

    state_dir: Path
    log_path: Path
    pid_path: Path
    port: int
    host: str = LOOPBACK
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        """Launch the server (it reads ``endpoints.json`` in ``state_dir``) without waiting for it."""
        self._proc = spawn_module(PROCESS_MARKER, self.state_dir, self.log_path, self.pid_path)


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


def request_counts(url: str, reset: bool = False) -> dict[str, Any]:
    """``GET /_local/requests`` (``POST`` with ``reset``): the calls the server received (see its docstring)."""
    method = "POST" if reset else "GET"
    request = urllib.request.Request(f"{url}/_local/requests", data=b"{}" if reset else None, method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        answer: dict[str, Any] = json.loads(response.read())
    return answer
