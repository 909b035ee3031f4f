"""local_stack.front_door.session: the rules applied to the messages of one connection, as ``redshift_connector``
(extended protocol: Parse/Describe/Sync, then Bind/Execute/Sync; ``BEGIN`` a statement of its own) and psql (simple
Query) send them."""

from __future__ import annotations

from local_stack.front_door.session import REFUSAL_STATEMENT, Session
from local_stack.front_door.wire import Message, cstring, describe_statement, error, error_fields, query, read_parse
from local_stack.front_door.wire import parse as parse_message

SHARE_READ = 'SELECT COUNT(*) FROM "shared_db"."src"."t"'
IDLE, IN_TRANSACTION = Message(b"Z", b"I"), Message(b"Z", b"T")


class Lookups:
    def __init__(self, existing: set[str]) -> None:
        self.existing = existing
        self.asked: list[tuple[str, str]] = []

    def __call__(self, database: str, schema: str) -> bool:
        self.asked.append((database, schema))
        return schema in self.existing


def session(existing: set[str] | None = None) -> Session:
    return Session("shared_db", Lookups(existing or set()))


def prepare(s: Session, name: str, sql: str) -> Message:
    """What the server receives for the client's Parse."""
    return s.from_client(parse_message(name, sql, b"\x00\x00"))


def execute(s: Session, name: str) -> Message:
    """Bind the statement to the unnamed portal and execute it; what the server receives for the Execute."""
    bind = Message(b"B", cstring("") + cstring(name) + b"\x00\x00\x00\x00\x00\x00")
    assert s.from_client(bind) == bind
    return s.from_client(Message(b"E", cstring("") + b"\x00\x00\x00\x00"))


def run(s: Session, name: str, sql: str, status: Message = IN_TRANSACTION) -> Message:
    """Prepare and execute ``sql`` as ``name``, then the server's ReadyForQuery; what the server got to execute."""
    prepare(s, name, sql)
    sent = execute(s, name)
    s.from_server(status)
    return sent


def refused(sent: Message) -> bool:
    return sent == describe_statement(REFUSAL_STATEMENT)


def test_parse_rewrites_what_postgresql_lacks_and_keeps_the_rest() -> None:
    s = session()
    sent = prepare(s, "st1", "SET query_group TO 'etl'")
    assert read_parse(sent.body) == ("st1", "SET application_name TO 'etl'", b"\x00\x00")
    same = parse_message("st2", "SELECT 1", b"\x00\x00")
    assert s.from_client(same) is same


def test_a_transaction_that_opens_by_reading_the_share_is_refused_with_redshifts_error() -> None:
    s = session()
    run(s, "begin", "begin transaction")
    run(s, "set", "SET statement_timeout TO 1000")  # settings do not open it
    assert refused(run(s, "share", SHARE_READ, Message(b"Z", b"E")))
    answer = s.from_server(
        error({"S": "ERROR", "C": "26000", "M": f'prepared statement "{REFUSAL_STATEMENT}" does not exist'})
    )
    assert error_fields(answer.body) == {
        "S": "ERROR",
        "V": "ERROR",
        "C": "XX000",
        "M": "Datashare writes are not authorized",
    }


def test_a_share_read_after_the_first_statement_or_outside_a_transaction_runs() -> None:
    s = session()
    assert not refused(run(s, "share", SHARE_READ, IDLE))  # autocommit: a transaction of its own
    run(s, "begin", "begin transaction")
    run(s, "lock", "LOCK tgt.t")
    assert not refused(execute(s, "share"))


def test_a_prepared_statement_is_judged_when_it_runs() -> None:
    s = session()
    prepare(s, "share", SHARE_READ)
    run(s, "begin", "begin transaction")
    assert refused(execute(s, "share"))
    s.from_server(Message(b"Z", b"E"))
    run(s, "rollback", "rollback", IDLE)
    run(s, "begin", "begin transaction")
    s.from_client(Message(b"C", b"S" + cstring("share")))  # closed: its SQL is forgotten
    assert not refused(execute(s, "share"))


def test_the_simple_protocol_follows_the_same_rules() -> None:
    s = session()
    assert s.from_client(query("SET query_group TO 'x'")) == query("SET application_name TO 'x'")
    s.from_client(query("BEGIN"))
    s.from_server(IN_TRANSACTION)
    assert s.from_client(query(SHARE_READ)) == query(f"DEALLOCATE {REFUSAL_STATEMENT}")
    s.from_server(Message(b"Z", b"E"))
    s.from_client(query("ROLLBACK"))
    s.from_server(IDLE)
    s.from_client(query("BEGIN; INSERT INTO t VALUES (1);"))  # several statements: the transaction is not fresh
    s.from_server(IN_TRANSACTION)
    assert s.from_client(query(SHARE_READ)) == query(SHARE_READ)


def test_a_missing_schema_is_answered_as_redshift_answers_it() -> None:
    lookups = Lookups({"present"})
    s = Session("shared_db", lookups)
    missing = error({"S": "ERROR", "C": "42P01", "M": 'relation "fresh.migration_state" does not exist'})
    assert error_fields(s.from_server(missing).body) == {
        "S": "ERROR",
        "V": "ERROR",
        "C": "3F000",
        "M": 'schema "fresh" does not exist',
    }
    table_missing = error({"S": "ERROR", "C": "42P01", "M": 'relation "present.t" does not exist'})
    assert s.from_server(table_missing) is table_missing
    assert lookups.asked == [("shared_db", "fresh"), ("shared_db", "present")]


def test_other_answers_pass_unchanged() -> None:
    s = session()
    row = Message(b"D", b"\x00\x01\x00\x00\x00\x011")
    other = error({"S": "ERROR", "C": "XX000", "M": "1023", "D": "Serializable isolation violation"})
    assert s.from_server(row) is row and s.from_server(other) is other
