"""local_stack.redshift_rules: the Redshift behaviours the stand-in imitates, as pure functions."""

from __future__ import annotations

import pytest

from local_stack.redshift_rules import (
    exact_percentiles,
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


PCT = 'PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY "c")'


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (f'SELECT APPROXIMATE {PCT} FROM "shared_db"."s"."t"', f'SELECT {PCT} FROM "shared_db"."s"."t"'),
        (TAG + f"select COUNT(*) - COUNT(c), approximate {PCT}, Approximate\n\t {PCT} FROM t WHERE (a = $1)",
         TAG + f"select COUNT(*) - COUNT(c), {PCT}, {PCT} FROM t WHERE (a = $1)"),
        (f"SELECT APPROXIMATE /* why */ {PCT} FROM t", f"SELECT {PCT} FROM t"),
        (f"SELECT APPROXIMATE -- why\n{PCT} FROM t", f"SELECT {PCT} FROM t"),
        (f"SELECT APPROXIMATE {PCT}; SELECT APPROXIMATE {PCT}", f"SELECT {PCT}; SELECT {PCT}"),
    ],
)  # fmt: skip
def test_approximate_percentile_disc_is_sent_as_the_exact_one(sql: str, expected: str) -> None:
    assert stand_in_sql(sql) == expected == exact_percentiles(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'APPROXIMATE PERCENTILE_DISC(0.5)' FROM t",  # a literal
        "SELECT 'it''s approximate percentile_disc(0.5)', 'a\\' approximate percentile_disc(0.5)' FROM t",
        'SELECT "approximate" percentile_disc FROM t',  # a quoted name, then an alias
        'SELECT "APPROXIMATE" PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY c) FROM t',  # a quoted name: not the word
        "SELECT c /* approximate percentile_disc(0.5) */ FROM t",  # a comment
        "SELECT c FROM t -- approximate percentile_disc(0.5)",
        "SELECT $$approximate percentile_disc(0.5)$$",  # a dollar-quoted body
        "SELECT approximate percentile_disc FROM t",  # a column and its alias: no call
        "SELECT APPROXIMATE COUNT(DISTINCT c) FROM t",  # another APPROXIMATE function: not imitated
        "SELECT PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY c) FROM t",
        "SELECT 'approximate percentile_disc(0.5) FROM t",  # cannot be tokenized: the server will refuse it
    ],
)
def test_approximate_percentile_disc_in_text_stays(sql: str) -> None:
    assert stand_in_sql(sql) == sql


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
