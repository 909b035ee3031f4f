"""A real HTTP proxy on 127.0.0.1 in front of one AWS endpoint (the moto server) that fails chosen requests: a network
blip or an AWS 5xx for exactly the calls a test names, every other request passed on unchanged. Counts what it saw.

Point one boto3 service at it with ``AWS_ENDPOINT_URL_<SERVICE>`` (botocore's service-specific endpoint variable), and
set ``AWS_MAX_ATTEMPTS=1`` so that one failed request is one failed call (no retry by botocore hides it).
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host"})


class FaultyProxy:
    """Forwards to ``upstream``; the next ``fail_next[operation]`` requests of a JSON API ``operation`` (the
    ``X-Amz-Target``'s last part) fail: ``mode`` ``"close"`` drops the connection unanswered, ``"500"`` answers an
    HTTP 500 ``InternalServiceError`` as AWS's JSON services do."""

    def __init__(self, upstream: str, mode: str = "close") -> None:
        self.upstream = urlsplit(upstream)
        self.mode = mode
        self.fail_next: Counter[str] = Counter()
        self.seen: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _take_fault(self, operation: str) -> bool:
        with self._lock:
            self.seen[operation] += 1
            if self.fail_next[operation] > 0:
                self.fail_next[operation] -= 1
                self.failed[operation] += 1
                return True
            return False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

            def do_POST(self) -> None:
                self._forward()

            def do_GET(self) -> None:
                self._forward()

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = str(self.headers.get("X-Amz-Target", "")).rpartition(".")[2]
                if proxy._take_fault(operation):
                    if proxy.mode == "close":
                        self.close_connection = True
                        self.connection.close()
                        return
                    payload = json.dumps({"__type": "InternalServiceError", "message": "injected"}).encode()
                    self._answer(500, [("Content-Type", "application/x-amz-json-1.1")], payload)
                    return
                upstream = http.client.HTTPConnection(proxy.upstream.hostname or "", proxy.upstream.port, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    reply = upstream.getresponse()
                    data = reply.read()
                    kept = [(k, v) for k, v in reply.getheaders() if k.lower() not in HOP_HEADERS]
                    self._answer(reply.status, kept, data)
                finally:
                    upstream.close()

            def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@contextmanager
def faulty_proxy(upstream: str, mode: str = "close") -> Iterator[FaultyProxy]:
    """A started ``FaultyProxy`` in front of ``upstream``, shut down on exit."""
    proxy = FaultyProxy(upstream, mode)
    proxy._thread.start()
    try:
        yield proxy
    finally:
        proxy._server.shutdown()
        proxy._server.server_close()
