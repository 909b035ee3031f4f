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
