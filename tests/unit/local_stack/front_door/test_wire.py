"""local_stack.front_door.wire: PostgreSQL v3 message framing."""

from __future__ import annotations

import struct

import pytest

from local_stack.front_door.wire import (
    SSL_REQUEST,
    Message,
    error,
    error_fields,
    parse,
    query,
    read_parse,
    split,
    startup,
    startup_length,
)


def test_a_message_is_its_type_a_length_that_counts_itself_and_its_body() -> None:
    assert query("SELECT 1").encode() == b"Q\x00\x00\x00\x0dSELECT 1\x00"


def test_split_yields_complete_messages_and_keeps_a_partial_one() -> None:
    wire = query("SELECT 1").encode() + Message(b"S", b"").encode() + query("SELECT 2").encode()
    buffer = bytearray(wire[:-3])
    assert list(split(buffer)) == [query("SELECT 1"), Message(b"S", b"")]
    assert buffer == wire[len(query("SELECT 1").encode()) + 5 : -3]
    buffer += wire[-3:]
    assert list(split(buffer)) == [query("SELECT 2")] and buffer == b""


def test_split_refuses_a_length_below_four() -> None:
    with pytest.raises(ValueError, match="length of 3"):
        list(split(bytearray(b"Q\x00\x00\x00\x03")))


def test_parse_round_trips_with_its_parameter_types() -> None:
    tail = struct.pack("!hi", 1, 23)
    message = parse("redshift_connector_statement_1_1", "SELECT $1", tail)
    assert read_parse(message.body) == ("redshift_connector_statement_1_1", "SELECT $1", tail)


def test_error_fields_round_trip_in_order() -> None:
    fields = {"S": "ERROR", "V": "ERROR", "C": "XX000", "M": "Datashare writes are not authorized"}
    message = error(fields)
    assert message.kind == b"E" and message.body.endswith(b"\x00\x00")
    assert error_fields(message.body) == fields
    assert list(error_fields(message.body)) == ["S", "V", "C", "M"]


def test_startup_reads_parameters_and_request_codes() -> None:
    body = struct.pack("!i", 196608) + b"user\x00etl_user\x00database\x00shared_db\x00\x00"
    assert startup(body) == (196608, {"user": "etl_user", "database": "shared_db"})
    assert startup(struct.pack("!i", SSL_REQUEST)) == (SSL_REQUEST, {})
    assert startup_length(struct.pack("!i", 8)) == 4
    with pytest.raises(ValueError):
        startup_length(struct.pack("!i", 1 << 20))
