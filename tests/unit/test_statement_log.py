"""local_stack.statement_log: one user's statements from PostgreSQL log text (lines as PostgreSQL 16 writes them
with the local stack's ``log_line_prefix``)."""

from __future__ import annotations

from local_stack.pgbouncer import SERVER_RESET_QUERY
from local_stack.statement_log import LoggedStatement, parse_statements, statement_log

T = "2026-11-29 20:37:06.252 UTC"
LOG = "\n".join(
    [
        f"{T} [99] LOG:  checkpoint starting: time",  # no session: no user in the prefix
        f"{T} [7] etl_user@shared_db [idle] LOG:  statement: SET application_name='glue-elt';SET timezone=E'UTC';",
        f"{T} [7] etl_user@shared_db [BEGIN] LOG:  execute redshift_connector_statement_1_1: begin transaction",
        f"{T} [7] etl_user@shared_db [SELECT] LOG:  execute <unnamed>: SELECT 1,",
        "\t  'a",
        "\tb' AS x",
        f"{T} [7] etl_user@shared_db [INSERT] LOG:  execute S_2/C_3: INSERT INTO t VALUES ($1)",
        f"{T} [7] etl_user@shared_db [INSERT] DETAIL:  parameters: $1 = 'execute x: y'",
        f"{T} [8] admin@shared_db [SELECT] LOG:  execute <unnamed>: SELECT 'someone else'",
        f"{T} [7] etl_user@shared_db [SELECT] LOG:  execute fetch from S_3/C_4: SELECT big",  # resumed portal
        f'{T} [7] etl_user@shared_db [PARSE] ERROR:  syntax error at or near "SELEC" at character 1',
        f"{T} [7] etl_user@shared_db [PARSE] STATEMENT:  SELEC 1",
        f"{T} [7] etl_user@shared_db [BIND] ERROR:  division by zero",
        f"{T} [7] etl_user@shared_db [BIND] STATEMENT:  SELECT 1/0",
        f"{T} [7] etl_user@shared_db [SELECT] LOG:  execute <unnamed>: SELECT 1/g FROM s",
        f"{T} [7] etl_user@shared_db [SELECT] ERROR:  division by zero",  # while running: logged above
        f"{T} [7] etl_user@shared_db [SELECT] STATEMENT:  SELECT 1/g FROM s",
        f"{T} [7] etl_user@shared_db [COMMIT] LOG:  execute redshift_connector_statement_1_2: commit",
        f'{T} [9] etl_user@shared_db [idle in transaction] ERROR:  syntax error at or near "x"',
        f"{T} [9] etl_user@shared_db [idle in transaction] HINT:  a hint",
        f"{T} [9] etl_user@shared_db [idle in transaction] STATEMENT:  x y z",
        f"{T} [9] etl_user@shared_db [SELECT] LOG:  statement: select 2",
        "some line that is not a log entry",
        f"{T} [7] etl_user@shared_db [idle] LOG:  statement: {SERVER_RESET_QUERY}",
        f"{T} [7] etl_user@shared_db [idle] LOG:  statement: SELECT 1 /* pgbouncer server_check_query */",
        f"{T} [7] etl_user@shared_db [DELETE] LOG:  execute <unnamed>: DELETE FROM t",  # last line, no newline
    ]
)


def test_client_statements_in_log_order() -> None:
    assert statement_log(LOG, "etl_user").texts() == [
        "begin transaction",
        "SELECT 1,\n  'a\nb' AS x",
        "INSERT INTO t VALUES ($1)",
        "SELEC 1 (refused before it ran)",
        "SELECT 1/0 (refused before it ran)",
        "SELECT 1/g FROM s",
        "commit",
        "x y z (refused before it ran)",
        "select 2",
        "DELETE FROM t",
    ]


def test_protocols_and_pooler() -> None:
    found = {statement.text: statement for statement in parse_statements(LOG, "etl_user")}
    assert found["x y z"] == LoggedStatement(9, "x y z", "simple", refused=True)
    assert found["SELECT 1/0"].protocol == "extended"
    pooler = statement_log(LOG, "etl_user").pooler
    assert [statement.text for statement in pooler] == [
        "SET application_name='glue-elt';SET timezone=E'UTC';",
        SERVER_RESET_QUERY,
        "SELECT 1 /* pgbouncer server_check_query */",
    ]
    assert not LoggedStatement(1, "SET a='b';", "extended").from_pooler  # the driver's own SET is the client's


def test_other_users_and_empty_text() -> None:
    assert [s.text for s in parse_statements(LOG, "admin")] == ["SELECT 'someone else'"]
    assert parse_statements("", "etl_user") == []


def test_naming_takes_the_whole_transaction() -> None:
    log = statement_log(LOG, "etl_user")
    assert [s.text for s in log.naming("SELECT 1/g")] == [s.text for s in log.statements[:7]]
    assert [s.text for s in log.naming("DELETE")] == ["DELETE FROM t"]
