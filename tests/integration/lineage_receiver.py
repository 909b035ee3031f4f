"""A real HTTP lineage endpoint on 127.0.0.1 for the tests: it records the JSON body of every POST, as Marquez
would receive it, and answers 201. A test module imports the fixtures (``*_fixture``, used by their names)."""

from __future__ import annotations

import gzip
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class Receiver:
    """``url`` to give the step; ``events`` the bodies posted, in arrival order, and ``paths`` where they went."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                with receiver._lock:
                    receiver.events.append(json.loads(body))
                    receiver.paths.append(self.path)
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="lineage-receiver", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` events have arrived (posts from another process may still be in flight)."""
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    def runs(self) -> dict[str, list[dict[str, Any]]]:
        """The events by run id, in the order they arrived."""
        found: dict[str, list[dict[str, Any]]] = {}
        with self._lock:
            for event in self.events:
                found.setdefault(event["run"]["runId"], []).append(event)
        return found

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[Receiver]:
    started = Receiver()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(name="closed_port")
def closed_port_fixture() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(name="openlineage_environment", autouse=True)
def openlineage_environment_fixture() -> Iterator[None]:
    """The ``OPENLINEAGE*`` variables as they were before the test: the client adds some of its own when it reads
    ``OPENLINEAGE_URL`` (``OpenLineageClient._alias_env_vars``), which would turn lineage on in later tests."""
    before = {key: value for key, value in os.environ.items() if key.startswith("OPENLINEAGE")}
    try:
        yield
    finally:
        for key in [key for key in os.environ if key.startswith("OPENLINEAGE")]:
            del os.environ[key]
        os.environ.update(before)
