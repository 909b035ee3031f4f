"""Splitting a SQL script into statements, and what each statement is."""

from __future__ import annotations

import pytest

from glue_elt.errors import ConfigError
from glue_elt.steps.redshift_sql.script import MAX_STATEMENT_BYTES, Statement, split_script


def texts(script: str) -> list[str]:
    return [s.text for s in split_script(script, "s3://b/k.sql").statements]


def one(statement: str) -> Statement:
    (only,) = split_script(statement, "s3://b/k.sql").statements
    return only


def test_plain_statements_keep_their_original_text() -> None:
    assert texts("SELECT 1;\nINSERT INTO t VALUES (1) ;  UPDATE t SET a = 2") == [
        "SELECT 1",
        "INSERT INTO t VALUES (1)",
        "UPDATE t SET a = 2",
    ]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("SELECT 'a;b'; SELECT 2", ["SELECT 'a;b'", "SELECT 2"]),
        ("SELECT 'it''s; ok' AS x; SELECT 2", ["SELECT 'it''s; ok' AS x", "SELECT 2"]),
        ('SELECT 1 AS "a;b"; SELECT 2', ['SELECT 1 AS "a;b"', "SELECT 2"]),
        ("SELECT 1 -- not; here\n, 2; SELECT 3", ["SELECT 1 -- not; here\n, 2", "SELECT 3"]),
        ("SELECT 1 /* a; b */ + 1; SELECT 2", ["SELECT 1 /* a; b */ + 1", "SELECT 2"]),
        ("SELECT 1 /* a /* nested; */ b */; SELECT 2", ["SELECT 1", "SELECT 2"]),
        ("SELECT $$a;b$$; SELECT $tag$ x; $$ y $tag$", ["SELECT $$a;b$$", "SELECT $tag$ x; $$ y $tag$"]),
    ],
)
def test_semicolons_in_strings_names_comments_and_dollar_bodies_do_not_split(script: str, expected: list[str]) -> None:
    assert texts(script) == expected


def test_a_procedure_body_is_one_statement() -> None:
    script = (
        "CREATE OR REPLACE PROCEDURE p() AS $$\nBEGIN\n  INSERT INTO t VALUES (1);\n  RAISE INFO 'x;y';\nEND;\n"
        "$$ LANGUAGE plpgsql;\nCALL p();"
    )
    first, second = split_script(script, "s").statements
    assert first.text.startswith("CREATE OR REPLACE PROCEDURE p()") and first.text.endswith("$$ LANGUAGE plpgsql")
    assert first.refusal is None and second.text == "CALL p()"


def test_commands_whose_rest_sqlglot_folds_into_one_token_are_sliced_from_their_first_token() -> None:
    """After VACUUM, CALL, EXPLAIN, SHOW ... sqlglot makes the rest one string token with a wrong start."""
    assert texts("VACUUM t TO 75 PERCENT; CALL p('a;b') ; SELECT 1") == [
        "VACUUM t TO 75 PERCENT",
        "CALL p('a;b')",
        "SELECT 1",
    ]
    assert texts("  EXPLAIN\nSELECT 2;SHOW search_path") == ["EXPLAIN\nSELECT 2", "SHOW search_path"]
    assert texts("VACUUM t -- x; y\n; VACUUM") == ["VACUUM t -- x; y", "VACUUM"]  # a comment inside is harmless


def test_comments_and_blank_lines_alone_are_not_statements() -> None:
    script = "-- header; with a semicolon\n\n/* block; */\nSELECT 1; ; ;\n-- trailing\n;\n"
    (statement,) = split_script(script, "s").statements
    assert (statement.number, statement.line, statement.text) == (1, 4, "SELECT 1")


@pytest.mark.parametrize(("script", "what"), [("", "is empty"), ("  \n\t", "is empty"), ("-- x;\n/* y */ ;", "only")])
def test_empty_and_comment_only_scripts_are_config_errors(script: str, what: str) -> None:
    with pytest.raises(ConfigError, match=f"SQL script s3://b/k.sql .*{what}.*nothing to run"):
        split_script(script, "s3://b/k.sql")


@pytest.mark.parametrize(
    ("script", "where"),
    [
        ("SELECT 1;\nSELECT 'abc;\nSELECT 2", "the ' opened on line 2 is never closed"),
        ('SELECT "abc', 'the " opened on line 1 is never closed'),
        ("SELECT 1;\n\nSELECT $$ body", "the $$ opened on line 3 is never closed"),
        ("SELECT 1 /* open", "an unclosed quote, quoted name, $$ body or /* comment"),
    ],
)
def test_unbalanced_quotes_are_config_errors_that_say_where(script: str, where: str) -> None:
    with pytest.raises(ConfigError) as raised:
        split_script(script, "s3://b/k.sql")
    assert str(raised.value) == f"SQL script s3://b/k.sql cannot be split into statements: {where}"


def test_the_message_does_not_quote_the_script() -> None:
    with pytest.raises(ConfigError) as raised:
        split_script("CREATE USER u PASSWORD 'hunter2secret", "s")
    assert "hunter2" not in str(raised.value)


def test_crlf_scripts_split_and_count_lines() -> None:
    script = "-- a\r\nSELECT 1;\r\nSELECT 'x\r\ny'\r\n  FROM t;\r\n\r\nUPDATE t SET a = 1;\r\n"
    statements = split_script(script, "s").statements
    assert [s.text for s in statements] == ["SELECT 1", "SELECT 'x\r\ny'\r\n  FROM t", "UPDATE t SET a = 1"]
    assert [s.line for s in statements] == [2, 3, 7]
    assert statements[1].head == "SELECT 'x …"


def test_non_ascii_text_is_sliced_by_characters() -> None:
    assert texts("SELECT 'é€😀;' AS ü; SELECT 2") == ["SELECT 'é€😀;' AS ü", "SELECT 2"]


def test_label_names_number_line_and_first_line() -> None:
    statements = split_script("SELECT 1;\n\nUPDATE t\n   SET a = 1\n WHERE b;", "s").statements
    assert statements[1].label == "statement 2 (line 3: UPDATE t …)"
    long = one("SELECT " + "x, " * 60 + "y")
    assert long.head.endswith("…") and len(long.head) == 80


def test_a_statement_over_16_mb_is_refused() -> None:
    big = "SELECT '" + "x" * MAX_STATEMENT_BYTES + "'"
    with pytest.raises(ConfigError, match=r"statement 2 \(line 1: SELECT 'xxx.*\) is 16.0 MB; .*limit .* 16 MB"):
        split_script("SELECT 1; " + big, "s")


@pytest.mark.parametrize(
    ("statement", "name"),
    [
        ("VACUUM", "VACUUM"),
        ("vacuum delete only sales.t to 75 percent", "VACUUM"),
        ("CREATE DATABASE d", "CREATE DATABASE"),
        ("DROP DATABASE d", "DROP DATABASE"),
        ("ALTER DATABASE d ISOLATION LEVEL SNAPSHOT", "ALTER DATABASE"),
        ("CREATE EXTERNAL TABLE spectrum.t (a int) STORED AS PARQUET LOCATION 's3://b/p/'", "CREATE EXTERNAL TABLE"),
        ("ALTER TABLE sales.t APPEND FROM staging.t IGNOREEXTRA", "ALTER TABLE … APPEND"),
        ("alter table t alter column c type varchar(300)", "ALTER TABLE … ALTER COLUMN … TYPE"),
        ('ALTER TABLE t ALTER "Col" TYPE varchar(300)', "ALTER TABLE … ALTER COLUMN … TYPE"),
        ("CREATE LIBRARY f LANGUAGE plpythonu FROM 's3://b/f.zip'", "CREATE LIBRARY"),
        ("CREATE OR REPLACE LIBRARY f LANGUAGE plpythonu FROM 's3://b/f.zip'", "CREATE LIBRARY"),
        ("DROP LIBRARY f", "DROP LIBRARY"),
        ("CREATE IDENTITY PROVIDER p TYPE azure NAMESPACE 'n'", "CREATE IDENTITY PROVIDER"),
        ("ALTER IDENTITY PROVIDER p NAMESPACE 'n'", "ALTER IDENTITY PROVIDER"),
        ("DROP IDENTITY PROVIDER p", "DROP IDENTITY PROVIDER"),
        ("CREATE TABLESPACE s LOCATION '/x'", "CREATE TABLESPACE"),
        ("DROP TABLESPACE s", "DROP TABLESPACE"),
        ("REINDEX DATABASE d", "REINDEX"),
        ("TRUNCATE sales.t", "TRUNCATE"),
        ("ALTER DATASHARE s SET PUBLICACCESSIBLE TRUE", "ALTER DATASHARE … SET PUBLICACCESSIBLE"),
        ("REFRESH MATERIALIZED VIEW sales.mv", "REFRESH MATERIALIZED VIEW"),
        ('refresh /* all */ materialized\n-- of them\nview "S"."mv" CASCADE', "REFRESH MATERIALIZED VIEW"),
    ],
)
def test_statements_redshift_cannot_run_in_a_transaction(statement: str, name: str) -> None:
    refusal = one(statement).refusal
    assert refusal is not None and refusal.name == name and not refusal.transaction_control


@pytest.mark.parametrize(
    ("statement", "name"),
    [
        ("BEGIN", "BEGIN"),
        ("begin transaction", "BEGIN"),
        ("START TRANSACTION", "START TRANSACTION"),
        ("COMMIT", "COMMIT"),
        ("END TRANSACTION", "END"),
        ("ROLLBACK", "ROLLBACK"),
        ("abort", "ABORT"),
    ],
)
def test_transaction_control_is_its_own_kind(statement: str, name: str) -> None:
    refusal = one(statement).refusal
    assert refusal is not None and refusal.name == name and refusal.transaction_control


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE t (a int)",
        "CREATE EXTERNAL SCHEMA s FROM DATA CATALOG DATABASE 'd' IAM_ROLE default",
        "ALTER TABLE t ADD COLUMN append int",
        "ALTER TABLE t ALTER DISTSTYLE EVEN",
        "ALTER TABLE t RENAME TO u",
        "DROP TABLE t",
        "CALL p()",
        "ANALYZE t",
        "GRANT SELECT ON t TO u",
        "SELECT 'VACUUM'",
        '"TRUNCATE"',
        "CREATE PROCEDURE p() AS $$ BEGIN TRUNCATE t; COMMIT; END $$ LANGUAGE plpgsql",
        "DELETE FROM t WHERE a = 'TRUNCATE'",
        "SELECT 'REFRESH MATERIALIZED VIEW mv'",
        'REFRESH "MATERIALIZED" VIEW mv',
        "REFRESH materialized_views",
    ],
)
def test_statements_that_run_in_a_transaction(statement: str) -> None:
    assert one(statement).refusal is None


@pytest.mark.parametrize(
    ("statement", "accepted"),
    [
        ("SELECT 1", True),
        ("select * into new_t from t", True),
        ("CREATE TABLE t AS SELECT 1 AS a", True),
        ("CREATE TEMP TABLE #t AS SELECT 1 AS a", True),
        ("CREATE LOCAL TEMPORARY TABLE t (a) AS SELECT 1", True),
        ("INSERT INTO t SELECT 1", True),
        ("UPDATE t SET a = 1", True),
        ("DELETE FROM t", True),
        ("WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c", True),
        ("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c", True),
        ("(SELECT 1) UNION (SELECT 2)", True),
        ("CREATE TABLE t (a int)", False),
        ("CREATE TABLE t (LIKE u)", False),
        ("CREATE VIEW v AS SELECT 1", False),
        ("CREATE MATERIALIZED VIEW v AS SELECT 1", False),
        ("DROP TABLE t", False),
        ("TRUNCATE t", False),
        ("VACUUM", False),
        ("CALL p()", False),
        ("EXPLAIN SELECT 1", False),
        ("COPY t FROM 's3://b/k' IAM_ROLE default", False),
        ("GRANT SELECT ON t TO u", False),
    ],
)
def test_which_statements_explain_accepts(statement: str, accepted: bool) -> None:
    assert one(statement).explainable is accepted


def test_literals_after_password_and_credentials_are_masked_and_collected() -> None:
    script = split_script(
        "CREATE USER bob PASSWORD 'Sekret''99';\n"
        "COPY t FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=AKIA1;aws_secret_access_key=XyZ123';\n"
        "COPY t FROM 's3://b/k' ACCESS_KEY_ID 'AKIA2' SECRET_ACCESS_KEY 'abc/def';\n"
        "SELECT 'not a secret'",
        "s",
    )
    first, second, third, fourth = script.statements
    assert first.head == "CREATE USER bob PASSWORD '***'" and first.text.endswith("'Sekret''99'")
    assert second.head == "COPY t FROM 's3://b/k' CREDENTIALS '***'"
    assert third.head == "COPY t FROM 's3://b/k' ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***'"
    assert fourth.head == "SELECT 'not a secret'"
    assert {"Sekret'99", "Sekret''99", "AKIA2", "abc/def"} <= script.secret_literals
    assert "not a secret" not in script.secret_literals


KEY_ID, KEY, TOKEN = "AKIAUNLOADEXAMPLE1", "uNl0ad/SecretKeyEXAMPLE", "Fw0GZXIvYXdzTokenEXAMPLE"


@pytest.mark.parametrize(
    ("statement", "head"),
    [
        (  # sqlglot folds all after UNLOAD into one string token: the keys were not seen, so not masked
            f"UNLOAD ('select 1') TO 's3://b/u/' ACCESS_KEY_ID '{KEY_ID}' SECRET_ACCESS_KEY '{KEY}'\n"
            f"SESSION_TOKEN '{TOKEN}'",
            "UNLOAD ('select 1') TO 's3://b/u/' ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' …",
        ),
        (
            f"UNLOAD ('select 1') TO 's3://b/u/' CREDENTIALS 'aws_access_key_id={KEY_ID};token={TOKEN}'\n"
            f"MASTER_SYMMETRIC_KEY '{KEY}' ENCRYPTED",
            "UNLOAD ('select 1') TO 's3://b/u/' CREDENTIALS '***' …",
        ),
        (f"CALL admin.rotate(PASSWORD '{KEY}')", "CALL admin.rotate(PASSWORD '***')"),
        (
            f"EXECUTE plan (SESSION_TOKEN '{TOKEN}', ACCESS_KEY_ID '{KEY_ID}')",
            "EXECUTE plan (SESSION_TOKEN '***', ACCESS_KEY_ID '***')",
        ),
        (  # parsed by sqlglot: masked as before
            f"COPY t FROM 's3://b/k' SESSION_TOKEN '{TOKEN}' ACCESS_KEY_ID '{KEY_ID}' SECRET_ACCESS_KEY '{KEY}'",
            "COPY t FROM 's3://b/k' SESSION_TOKEN '***' ACCESS_KEY_ID '***' SECRET_ACCESS_KE…",  # 80 characters
        ),
        (f"ALTER USER loader PASSWORD 'md5{KEY}'", "ALTER USER loader PASSWORD '***'"),
    ],
)
def test_secret_literals_are_masked_whether_sqlglot_parses_or_folds_the_statement(statement: str, head: str) -> None:
    script = split_script(f"SELECT 1;\n{statement};\n", "s")
    _, masked = script.statements
    secrets = [s for s in (KEY_ID, KEY, TOKEN) if s in statement]
    assert masked.head == head
    assert masked.label == f"statement 2 (line 2: {masked.head})"
    assert not any(secret in masked.shown for secret in secrets)  # the lineage facet shows ``shown``
    assert masked.text.startswith(statement.split("'")[0]) and all(secret in masked.text for secret in secrets)
    assert set(secrets) <= {value.removeprefix("md5") for value in script.secret_literals}
