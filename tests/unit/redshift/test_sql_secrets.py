"""mask_sql: the string literal after each of Redshift's credential keywords is masked in every kind of statement,
those sqlglot parses (COPY, CREATE USER) and those whose rest it folds into one token (UNLOAD, CALL, EXECUTE)."""

from __future__ import annotations

import pytest

from glue_elt.redshift.sql_secrets import mask_sql

KEY_ID, KEY, TOKEN = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEXAMPLETOKEN"
ROOT = "UNLOADROOTKEYbase64EXAMPLE=="
PAIR = f"aws_access_key_id={KEY_ID};aws_secret_access_key={KEY};token={TOKEN}"


@pytest.mark.parametrize(
    ("sql", "shown", "secrets"),
    [
        (  # UNLOAD: sqlglot folds everything after UNLOAD into one string token
            f"UNLOAD ('select * from t where s = ''NV''') TO 's3://b/u/' "
            f"ACCESS_KEY_ID '{KEY_ID}' SECRET_ACCESS_KEY '{KEY}' SESSION_TOKEN '{TOKEN}' PARALLEL OFF",
            "UNLOAD ('select * from t where s = ''NV''') TO 's3://b/u/' "
            "ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***' PARALLEL OFF",
            {KEY_ID, KEY, TOKEN},
        ),
        (
            f"unload ('select 1') to 's3://b/u/' with credentials as '{PAIR}'",
            "unload ('select 1') to 's3://b/u/' with credentials as '***'",
            {PAIR, KEY_ID, KEY, TOKEN},  # the string, and each part's value
        ),
        (
            f"UNLOAD ('select 1') TO 's3://b/u/' IAM_ROLE 'arn:aws:iam::1:role/r' MASTER_SYMMETRIC_KEY '{ROOT}' ENCRYPTED",
            "UNLOAD ('select 1') TO 's3://b/u/' IAM_ROLE 'arn:aws:iam::1:role/r' MASTER_SYMMETRIC_KEY '***' ENCRYPTED",
            {ROOT},
        ),
        (  # COPY: sqlglot parses it into tokens
            f"COPY t FROM 's3://b/k' ACCESS_KEY_ID '{KEY_ID}' SECRET_ACCESS_KEY '{KEY}' SESSION_TOKEN '{TOKEN}'",
            "COPY t FROM 's3://b/k' ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***'",
            {KEY_ID, KEY, TOKEN},
        ),
        (
            f"COPY t FROM 's3://b/k' CREDENTIALS '{PAIR};master_symmetric_key={ROOT}' ENCRYPTED",
            "COPY t FROM 's3://b/k' CREDENTIALS '***' ENCRYPTED",
            {f"{PAIR};master_symmetric_key={ROOT}", KEY_ID, KEY, TOKEN, ROOT},
        ),
        (
            "CREATE USER loader WITH PASSWORD 'Hunter2hunter2' VALID UNTIL '2030-01-01'",
            "CREATE USER loader WITH PASSWORD '***' VALID UNTIL '2030-01-01'",
            {"Hunter2hunter2"},
        ),
        (  # a hash is as good as the password: masked too
            "CREATE USER a PASSWORD 'md5153c434b4b77c89e6b94f12c5393af5b'",
            "CREATE USER a PASSWORD '***'",
            {"md5153c434b4b77c89e6b94f12c5393af5b"},
        ),
        (
            "ALTER USER a PASSWORD 'sha256|Mypassword1|3qBf6bXgXgjB0HzGKq0SO0dz1Wc='",
            "ALTER USER a PASSWORD '***'",
            {"sha256|Mypassword1|3qBf6bXgXgjB0HzGKq0SO0dz1Wc="},
        ),
        (  # the literal as written and as read
            "ALTER USER a PASSWORD /* rotated */ 'It''sMine9'",
            "ALTER USER a PASSWORD /* rotated */ '***'",
            {"It''sMine9", "It'sMine9"},
        ),
        (
            "UNLOAD ('select \\'NV\\'') TO 's3://b/u/' MASTER_SYMMETRIC_KEY 'a\\'b+c=='",
            "UNLOAD ('select \\'NV\\'') TO 's3://b/u/' MASTER_SYMMETRIC_KEY '***'",
            {"a\\'b+c==", "a'b+c=="},
        ),
        (  # CALL and EXECUTE are folded as UNLOAD is
            "CALL admin.rotate('loader', PASSWORD 'Rotated9rotated')",
            "CALL admin.rotate('loader', PASSWORD '***')",
            {"Rotated9rotated"},
        ),
        (
            f"EXECUTE load_plan (CREDENTIALS '{PAIR}')",
            "EXECUTE load_plan (CREDENTIALS '***')",
            {PAIR, KEY_ID, KEY, TOKEN},
        ),
        (  # a procedure body and a comment are read as SQL too
            "CREATE PROCEDURE p() AS $body$ BEGIN ALTER USER a PASSWORD 'InBody9body'; END $body$ LANGUAGE plpgsql",
            "CREATE PROCEDURE p() AS $body$ BEGIN ALTER USER a PASSWORD '***'; END $body$ LANGUAGE plpgsql",
            {"InBody9body"},
        ),
        (
            "SELECT 1 -- was: ALTER USER a PASSWORD 'Commented9'",
            "SELECT 1 -- was: ALTER USER a PASSWORD '***'",
            {"Commented9"},
        ),
    ],
)
def test_secret_literals_are_masked_in_every_kind_of_statement(sql: str, shown: str, secrets: set[str]) -> None:
    masked = mask_sql(sql)
    assert masked.text == shown
    assert masked.secrets == secrets


@pytest.mark.parametrize(
    "sql",
    [
        # IAM_ROLE and SECRET_ARN name a role or a secret: no secret to mask
        "CREATE EXTERNAL SCHEMA s FROM POSTGRES DATABASE 'd' SCHEMA 'p' URI 'h.example.com' PORT 5432 "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/r' SECRET_ARN 'arn:aws:secretsmanager:us-east-1:1:secret:s'",
        "COPY t FROM 's3://b/k' IAM_ROLE 'arn:aws:iam::123456789012:role/r'",
        # the keyword as a name, in a string, in a quoted name, or not right before the literal
        "SELECT password FROM users WHERE password = 'not a secret'",
        "SELECT 'PASSWORD', \"PASSWORD\" 'x', 'CREDENTIALS' || 'y' FROM t",
        "COPY t FROM 's3://b/PASSWORD' IAM_ROLE default",
        "CREATE USER a PASSWORD DISABLE",
    ],
)
def test_other_literals_are_left_as_written(sql: str) -> None:
    assert mask_sql(sql).text == sql and mask_sql(sql).secrets == frozenset()


def test_masking_twice_changes_nothing_and_an_unclosed_literal_is_masked_to_the_end() -> None:
    once = mask_sql(f"COPY t FROM 's3://b/' SECRET_ACCESS_KEY '{KEY}'").text
    assert mask_sql(once).text == once
    assert mask_sql(f"ALTER USER a PASSWORD '{KEY}").text == "ALTER USER a PASSWORD '***'"


@pytest.mark.parametrize(
    ("sql", "shown", "secrets"),
    [
        (  # dollar quoting: no escapes inside, a quote is text
            "ALTER USER a PASSWORD $$Dollar'Secret1$$",
            "ALTER USER a PASSWORD '***'",
            {"Dollar'Secret1"},
        ),
        (  # a tagged body ends at its own tag only
            "ALTER USER a PASSWORD $pw$Tag$$ged'2$pw$ VALID UNTIL '2030-01-01'",
            "ALTER USER a PASSWORD '***' VALID UNTIL '2030-01-01'",
            {"Tag$$ged'2"},
        ),
        (  # an escape string: backslash escapes, read as written and as decoded
            "ALTER USER a PASSWORD E'Esc\\'ape\\x41\\101\\u0041\\n3'",
            "ALTER USER a PASSWORD '***'",
            {"Esc\\'ape\\x41\\101\\u0041\\n3", "Esc'apeAAA\n3"},
        ),
        (
            "CREDENTIALS AS e'aws_access_key_id=AKIAESCAPE;aws_secret_access_key=Escaped/Key4'",
            "CREDENTIALS AS '***'",
            {
                "aws_access_key_id=AKIAESCAPE;aws_secret_access_key=Escaped/Key4",
                "AKIAESCAPE",
                "Escaped/Key4",
            },
        ),
        (  # a Unicode string, with the default escape and with its own
            "CREATE USER a PASSWORD U&'d\\0061t\\+000061Secret5'",
            "CREATE USER a PASSWORD '***'",
            {"d\\0061t\\+000061Secret5", "dataSecret5"},
        ),
        (
            "ALTER USER a PASSWORD u&'d!0061t!+000061!!Secret6' UESCAPE '!'",
            "ALTER USER a PASSWORD '***' UESCAPE '!'",
            {"d!0061t!+000061!!Secret6", "data!Secret6"},
        ),
        (  # a literal continued on the next line is one value
            "ALTER USER a PASSWORD 'Split'  -- first half\n  'Secret7' VALID UNTIL '2030-01-01'",
            "ALTER USER a PASSWORD '***' VALID UNTIL '2030-01-01'",
            {"Split", "Secret7", "SplitSecret7"},
        ),
        (  # a prefix written apart (a typed literal), and the other prefixes
            "ALTER USER a PASSWORD E 'Spaced8'",
            "ALTER USER a PASSWORD E '***'",
            {"Spaced8"},
        ),
        (
            "COPY t FROM 's3://b/k' MASTER_SYMMETRIC_KEY N'National9' SECRET_ACCESS_KEY X'0BADF00D'",
            "COPY t FROM 's3://b/k' MASTER_SYMMETRIC_KEY '***' SECRET_ACCESS_KEY '***'",
            {"National9", "0BADF00D"},
        ),
        (  # a secret body inside a procedure's body, and in a folded CALL
            "CREATE PROCEDURE p() AS $body$ BEGIN ALTER USER a PASSWORD $pw$Inner10$pw$; END $body$ LANGUAGE plpgsql",
            "CREATE PROCEDURE p() AS $body$ BEGIN ALTER USER a PASSWORD '***'; END $body$ LANGUAGE plpgsql",
            {"Inner10"},
        ),
        (
            "CALL admin.rotate('loader', PASSWORD $$Rotated11$$)",
            "CALL admin.rotate('loader', PASSWORD '***')",
            {"Rotated11"},
        ),
        (  # never closed: masked to the end
            "ALTER USER a PASSWORD $x$Unclosed12; SELECT 1",
            "ALTER USER a PASSWORD '***'",
            {"Unclosed12; SELECT 1"},
        ),
    ],
)
def test_every_literal_form_after_a_secret_keyword_is_masked(sql: str, shown: str, secrets: set[str]) -> None:
    masked = mask_sql(sql)
    assert masked.text == shown
    assert masked.secrets == secrets
    assert mask_sql(masked.text).text == masked.text


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT $$PASSWORD$$, E'x', U&'y', $t$ CREDENTIALS $t$ FROM t",
        "SELECT note FROM t WHERE note = 'PASSWORD' AND tag = $$x$$",
        "ALTER USER a PASSWORD DISABLE VALID UNTIL 'infinity'",
        "SELECT 1 AS password, 'same line' 'is not a continuation'",
        "SELECT U&\"PASSWORD\" 'x' FROM t",
    ],
)
def test_literal_forms_that_follow_no_secret_keyword_are_left_as_written(sql: str) -> None:
    assert mask_sql(sql).text == sql and mask_sql(sql).secrets == frozenset()
