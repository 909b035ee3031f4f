"""local_stack.redshift_rules: the Redshift behaviours the stand-in imitates, as pure functions."""

from __future__ import annotations

import pytest

from local_stack.redshift_rules import (
    missing_schema,
    missing_schema_error,
    opens_transaction,
    reads_share_only,
    share_read_first,
    stand_in_sql,
)

TAG = "/* glue-elt migrate run=r1 */ "


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SET query_group TO 'etl'", "SET application_name TO 'etl'"),
        (TAG + "set QUERY_GROUP = 'nightly etl'", TAG + "SET application_name TO 'nightly etl'"),
        (
            "SHOW enable_case_sensitive_identifier",
            "SELECT coalesce(nullif(current_setting('redshift.enable_case_sensitive_identifier', true), ''), 'off') "
            "AS enable_case_sensitive_identifier",
        ),
        ("SET enable_case_sensitive_identifier TO on", "SET redshift.enable_case_sensitive_identifier TO on"),
        (TAG + "SET SESSION enable_case_sensitive_identifier = true",
         TAG + "SET SESSION redshift.enable_case_sensitive_identifier = true"),
        ("RESET enable_case_sensitive_identifier", "RESET redshift.enable_case_sensitive_identifier"),
        ("reset query_group;", "RESET application_name;"),
        ("SELECT 'SET query_group TO x'", "SELECT 'SET query_group TO x'"),
        ("SET statement_timeout TO 60000", "SET statement_timeout TO 60000"),
    ],
)  # fmt: skip
def test_stand_in_sql_rewrites_only_what_postgresql_lacks(sql: str, expected: str) -> None:
    assert stand_in_sql(sql) == expected


def test_show_keeps_the_tag() -> None:
    assert stand_in_sql(TAG + "SHOW enable_case_sensitive_identifier;").startswith(TAG + "SELECT coalesce(")


@pytest.mark.parametrize(
    ("sql", "opens", "share"),
    [
        ('SELECT count(*) FROM "shared_db"."src"."t"', True, True),
        (TAG + 'select * from "SHARED_DB"."src"."t"', True, True),
        ("SELECT count(*) FROM shared_db.src.t", True, False),  # unquoted: not the share's spelling
        ('INSERT INTO tgt.t SELECT * FROM "shared_db"."src"."t"', True, False),
        ("LOCK tgt.t", True, False),
        ("SET query_group TO 'x'", False, False),
        ("RESET query_group", False, False),
        ("SHOW enable_case_sensitive_identifier", False, False),
        ("begin transaction", False, False),
    ],
)
def test_which_statements_open_a_transaction_and_read_the_share(sql: str, opens: bool, share: bool) -> None:
    assert (opens_transaction(sql), reads_share_only(sql)) == (opens, share)


def test_share_read_first_skips_settings() -> None:
    share = 'SELECT 1 FROM "shared_db"."s"."t"'
    assert share_read_first(["SET query_group TO 'x'", share]) == 1
    assert share_read_first(["LOCK t", share]) is None
    assert share_read_first(["SET statement_timeout TO 1"]) is None


def test_missing_schema_is_read_from_postgresqls_missing_relation() -> None:
    assert missing_schema({"C": "42P01", "M": 'relation "fresh.migration_state" does not exist'}) == "fresh"
    assert missing_schema({"C": "42P01", "M": 'relation "t" does not exist'}) is None
    assert missing_schema({"C": "42703", "M": 'relation "a.b" does not exist'}) is None
    assert missing_schema_error("fresh") == {
        "S": "ERROR",
        "V": "ERROR",
        "C": "3F000",
        "M": 'schema "fresh" does not exist',
    }
