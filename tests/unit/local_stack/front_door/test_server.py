"""local_stack.front_door.server: the proxy's own answers (no server needed): SSL and GSS encryption requests
answered ``N``; an unreachable upstream answered with a FATAL connection failure."""

from __future__ import annotations

import socket
import struct
from contextlib import closing

from local_stack.front_door.server import FrontDoor
from local_stack.front_door.wire import GSSENC_REQUEST, SSL_REQUEST, error_fields, split
from local_stack.ports import LOOPBACK, free_ports


def never_asked(database: str, schema: str) -> bool:
    raise AssertionError("no look-up expected")


def test_encryption_requests_are_declined_and_an_unreachable_server_is_a_fatal_08006() -> None:
    (closed_port,) = free_ports(1)
    door = FrontDoor((LOOPBACK, 0), (LOOPBACK, closed_port), never_asked)
    with door, closing(socket.create_connection(door.address, timeout=10)) as client:
        for request in (SSL_REQUEST, GSSENC_REQUEST):
            client.sendall(struct.pack("!ii", 8, request))
            assert client.recv(1) == b"N"
        body = struct.pack("!i", 196608) + b"user\x00etl_user\x00database\x00shared_db\x00\x00"
        client.sendall(struct.pack("!i", len(body) + 4) + body)
        received = bytearray()
        while chunk := client.recv(4096):
            received += chunk
    (answer,) = split(received)
    fields = error_fields(answer.body)
    assert (answer.kind, fields["S"], fields["C"]) == (b"E", "FATAL", "08006")
    assert f"{LOOPBACK}:{closed_port}" in fields["M"]


def test_stop_closes_relayed_connections() -> None:
    with closing(socket.create_server((LOOPBACK, 0))) as upstream:
        door = FrontDoor((LOOPBACK, 0), upstream.getsockname()[:2], never_asked).start()
        client = socket.create_connection(door.address, timeout=10)
        body = struct.pack("!i", 196608) + b"user\x00u\x00\x00"
        client.sendall(struct.pack("!i", len(body) + 4) + body)
        server_side, _ = upstream.accept()
        with closing(server_side), closing(client):
            assert server_side.recv(4096).endswith(b"user\x00u\x00\x00")  # the start-up packet, as sent
            door.stop()
            assert client.recv(1) == b""  # closed by the front door
