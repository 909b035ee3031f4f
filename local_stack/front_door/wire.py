"""PostgreSQL v3 wire-protocol framing: just enough to read and rebuild the messages the front door rewrites.

Why: the front door (``local_stack.front_door``) sits between any client and PgBouncer and must find statements
(Query, Parse, Bind, Execute, Close) and answers (ErrorResponse, ReadyForQuery) in the byte stream. Every typed
message is one type byte, a big-endian Int32 length that counts itself, then the body; the start-up packet has no
type byte. Source: PostgreSQL 16 documentation, "Frontend/Backend Protocol", "Message Formats"
(https://www.postgresql.org/docs/16/protocol-message-formats.html).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
MAX_STARTUP = 10_000
"""PostgreSQL refuses a longer start-up packet (``MAX_STARTUP_PACKET_LENGTH``)."""

_INT32 = struct.Struct("!i")


@dataclass(frozen=True)
class Message:
    """One typed message: its type byte (``b"Q"``, ``b"E"`` ...) and its body (length excluded)."""

    kind: bytes
    body: bytes

    def encode(self) -> bytes:
        """The message as sent on the wire."""
        return self.kind + _INT32.pack(len(self.body) + 4) + self.body


def split(buffer: bytearray) -> Iterator[Message]:
    """The complete messages at the start of ``buffer``, removed from it as they are yielded (a partial one stays)."""
    while len(buffer) >= 5:
        (length,) = _INT32.unpack_from(buffer, 1)
        if length < 4:
            raise ValueError(f"a message of type {bytes(buffer[:1])!r} claims a length of {length}")
        if len(buffer) < 1 + length:
            return
        message = Message(bytes(buffer[:1]), bytes(buffer[5 : 1 + length]))
        del buffer[: 1 + length]
        yield message


def cstrings(body: bytes, count: int) -> tuple[list[str], int]:
    """The first ``count`` NUL-terminated strings of ``body`` and the offset after them."""
    values, offset = [], 0
    for _ in range(count):
        end = body.index(b"\0", offset)
        values.append(body[offset:end].decode("utf-8", errors="surrogateescape"))
        offset = end + 1
    return values, offset


def cstring(value: str) -> bytes:
    """``value`` as a NUL-terminated string."""
    return value.encode("utf-8", errors="surrogateescape") + b"\0"


def query(sql: str) -> Message:
    """A simple-protocol Query."""
    return Message(b"Q", cstring(sql))


def parse(name: str, sql: str, parameter_types: bytes) -> Message:
    """A Parse of ``sql`` as prepared statement ``name`` (``parameter_types``: the body's tail, kept as sent)."""
    return Message(b"P", cstring(name) + cstring(sql) + parameter_types)


def read_parse(body: bytes) -> tuple[str, str, bytes]:
    """A Parse's statement name, SQL and parameter-type tail."""
    (name, sql), offset = cstrings(body, 2)
    return name, sql, body[offset:]


def describe_statement(name: str) -> Message:
    """A Describe of prepared statement ``name``."""
    return Message(b"D", b"S" + cstring(name))


def error_fields(body: bytes) -> dict[str, str]:
    """An ErrorResponse's (or NoticeResponse's) fields by their code (``S``, ``C``, ``M``, ``D`` ...), in order."""
    fields: dict[str, str] = {}
    offset = 0
    while offset < len(body) and body[offset] != 0:
        end = body.index(b"\0", offset + 1)
        fields[chr(body[offset])] = body[offset + 1 : end].decode("utf-8", errors="replace")
        offset = end + 1
    return fields


def error(fields: dict[str, str]) -> Message:
    """An ErrorResponse with ``fields``."""
    return Message(b"E", b"".join(code.encode("ascii") + cstring(value) for code, value in fields.items()) + b"\0")


def startup(body: bytes) -> tuple[int, dict[str, str]]:
    """A start-up packet's protocol code (or request code) and, for a StartupMessage, its parameters."""
    (code,) = _INT32.unpack_from(body, 0)
    parameters: dict[str, str] = {}
    if code >> 16 == 3:
        words = body[4:].split(b"\0")
        for key, value in zip(words[0::2], words[1::2]):
            if key:
                parameters[key.decode("utf-8", errors="replace")] = value.decode("utf-8", errors="replace")
    return code, parameters


def startup_length(head: bytes) -> int:
    """The body length of a start-up packet from its first four bytes (a ValueError when implausible)."""
    length = int(_INT32.unpack(head)[0])
    if not 8 <= length <= MAX_STARTUP:
        raise ValueError(f"a start-up packet of {length} bytes")
    return length - 4
