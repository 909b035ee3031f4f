"""The front door's TCP side: a threaded proxy on 127.0.0.1 that relays each client to PgBouncer through a
``Session`` (``local_stack.front_door.session``), answering SSL and GSS encryption requests ``N`` as PgBouncer does
here (no TLS).

Why threads: each connection is two blocking pumps (client to server, server to client); a lookup the session makes
(whether a schema exists) blocks only its own connection. No maintained Python library fits: pygwire needs Python
3.11+ and is beta, localstack/postgresql-proxy is an application (Python 3.13+) rather than a library.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterable

from local_stack.front_door.session import SchemaExists, Session
from local_stack.front_door.wire import (
    CANCEL_REQUEST,
    GSSENC_REQUEST,
    SSL_REQUEST,
    Message,
    error,
    split,
    startup,
    startup_length,
)

log = logging.getLogger(__name__)

CHUNK = 65536
Rewrite = Callable[[Message], Message]
UPSTREAM_TIMEOUT = 10.0


class FrontDoor:
    """A proxy listening on ``listen`` (port 0: any free one) in front of the server at ``upstream``."""

    def __init__(self, listen: tuple[str, int], upstream: tuple[str, int], schema_exists: SchemaExists) -> None:
        self.upstream = upstream
        self._schema_exists = schema_exists
        self._listener = socket.create_server(listen)
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens."""
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> FrontDoor:
        """Accept connections on a thread of its own."""
        self._thread = threading.Thread(target=self.serve_forever, name="front-door", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Accept connections until ``stop``."""
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                break
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # relay small messages at once
            threading.Thread(target=self._serve, args=(client,), name="front-door-client", daemon=True).start()

    def stop(self) -> None:
        """Stop listening and close every relayed connection (their threads end with them)."""
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def __enter__(self) -> FrontDoor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _track(self, *sockets: socket.socket) -> bool:
        with self._lock:
            if self._closed.is_set():
                return False
            self._sockets.update(sockets)
            return True

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            if not self._track(client):
                return
            packet, code, parameters = _read_startup(client)
            if packet is None:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=UPSTREAM_TIMEOUT)
                upstream.settimeout(None)
                upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as exc:
                log.info("cannot reach %s:%d: %s", *self.upstream, exc)
                client.sendall(_unreachable(self.upstream).encode())
                return
            if not self._track(upstream):
                return
            upstream.sendall(packet)
            if code == CANCEL_REQUEST:
                with contextlib.suppress(OSError):
                    upstream.recv(1)  # PgBouncer closes once it has passed the request on
                return
            session = Session(parameters.get("database") or parameters.get("user", ""), self._schema_exists)
            answers = threading.Thread(
                target=_pump, args=(upstream, client, session.from_server), name="front-door-server", daemon=True
            )
            answers.start()
            _pump(client, upstream, session.from_client)
            answers.join()
        except Exception:
            log.exception("a relayed connection failed")
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    _shut(sock)
                    sock.close()
                    with self._lock:
                        self._sockets.discard(sock)


def _read_startup(client: socket.socket) -> tuple[bytes | None, int, dict[str, str]]:
    """The client's start-up packet as sent, its code and parameters; SSL and GSS requests are answered ``N``."""
    while True:
        head = _recv_exactly(client, 4)
        if head is None:
            return None, 0, {}
        body = _recv_exactly(client, startup_length(head))
        if body is None:
            return None, 0, {}
        code, parameters = startup(body)
        if code in (SSL_REQUEST, GSSENC_REQUEST):
            client.sendall(b"N")
            continue
        return head + body, code, parameters


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _pump(source: socket.socket, target: socket.socket, rewrite: Rewrite) -> None:
    """Relay messages from ``source`` to ``target`` through ``rewrite`` until either side closes."""
    buffer = bytearray()
    try:
        while True:
            data = source.recv(CHUNK)
            if not data:
                break
            buffer += data
            target.sendall(b"".join(_encoded(rewrite(message) for message in split(buffer))))
    except OSError:
        pass
    except ValueError as exc:  # not the PostgreSQL protocol
        log.warning("closing a connection that sent a malformed message: %s", exc)
    finally:
        _shut(source)
        _shut(target)


def _encoded(messages: Iterable[Message]) -> Iterable[bytes]:
    return (message.encode() for message in messages)


def _unreachable(upstream: tuple[str, int]) -> Message:
    """What a client hears when PgBouncer cannot be reached: a FATAL connection failure (08006)."""
    host, port = upstream
    return error({"S": "FATAL", "V": "FATAL", "C": "08006", "M": f"could not connect to the server at {host}:{port}"})


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
