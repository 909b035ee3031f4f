"""source_filter checks, the SQL sent for a filter (re-rendered from its parse) and the function rule."""

from __future__ import annotations

import re

import pytest
import sqlglot

from glue_elt.errors import ValidationError
from glue_elt.steps.redshift_cross_account_migration.filters import check_filter


@pytest.mark.parametrize(
    "text",
    [
        "date >= '2023-01-01'",
        "id IN (SELECT id FROM shared_db.schema.vip)",
        "name ILIKE 'a%'",
        "note = 'a;b -- not a comment'",
        "flag",
    ],
)
def test_plain_conditions_are_sent_as_written(text: str) -> None:
    assert check_filter(f"  {text} ") == text


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        (r"v = '\' OR 1=1) UNION SELECT 1 --'", "v = ''' OR 1=1) UNION SELECT 1 --'"),
        (r"v = 'it\'s'", "v = 'it''s'"),
        (r"v = 'a\\b'", r"v = 'a\\b'"),
        (r"v LIKE 'a\\%'", r"v LIKE 'a\\%'"),
        (r"v = 'tab\there'", r"v = 'tab\there'"),
        ("col::date > '2020-01-01'", "CAST(col AS DATE) > '2020-01-01'"),
        ("DATEADD(day, -7, GETDATE()) < ts", "DATEADD(DAY, -7, GETDATE()) < ts"),
        ("NVL(a, 0) > 1", "COALESCE(a, 0) > 1"),
    ],
)
def test_the_condition_sent_is_rendered_from_its_parse(text: str, sent: str) -> None:
    """Quotes are doubled and backslashes escaped, so every reader ends each literal where sqlglot did."""
    assert check_filter(text) == sent


@pytest.mark.parametrize(
    "text",
    [
        r"name = '\' OR 1=1) UNION ALL SELECT 9999, usename::text FROM pg_user --'",
        r"v = 'a\'' OR v = '\\' OR v LIKE '%\\_%' OR v = 'x''y' OR v = '\\\''",
        "id IN (SELECT id FROM shared_db.schema.vip WHERE note <> 'a;b') AND ts > SYSDATE - INTERVAL '7 days'",
        "DATEADD(day, -7, GETDATE()) < ts AND md5(v) <> '' AND split_part(v, ',', 1) = 'a'",
    ],
)
def test_what_is_sent_parses_to_the_checked_tree(text: str) -> None:
    sent = check_filter(text)
    assert "\\'" not in sent.replace("\\\\", "")  # no backslash-escaped quote: readers without escapes agree
    assert sqlglot.parse_one(sent, read="redshift") == sqlglot.parse_one(text, read="redshift")


@pytest.mark.parametrize(
    ("text", "function"),
    [
        ("set_config('statement_timeout', '0', false) IS NOT NULL", "set_config"),
        ("pg_terminate_backend(123)", "pg_terminate_backend"),
        ("pg_cancel_backend(123)", "pg_cancel_backend"),
        ("lo_from_bytea(0, 'x') > 0", "lo_from_bytea"),
        ("pg_advisory_lock(1) IS NOT NULL", "pg_advisory_lock"),
        ("change_session_priority(-1, 'high') IS NOT NULL", "change_session_priority"),
        ("f_my_udf(id) = 1", "f_my_udf"),
        ("id IN (SELECT x FROM pg_sleep(10) x)", "pg_sleep"),
        ("id > 0 AND (v = 'a' OR NOT dblink('c', 'q') IS NULL)", "dblink"),
    ],
)
def test_functions_outside_the_allow_list_are_refused_by_name(text: str, function: str) -> None:
    with pytest.raises(ValidationError, match=rf"calls {function}\(\), which a filter may not call"):
        check_filter(text)


@pytest.mark.parametrize(
    "text",
    [
        "upper(trim(v)) = 'A' AND abs(id) < 10 AND coalesce(k, 0) = 0",
        "date_trunc('day', ts) = CURRENT_DATE AND datediff(day, ts, getdate()) < 7",
        "lower(v) LIKE 'a%' AND length(v) > 1 AND regexp_substr(v, 'a') = 'a'",
        "CAST(id AS VARCHAR) = '1' AND to_date(v, 'YYYY') > '2020-01-01'",
    ],
)
def test_built_in_sql_functions_are_allowed(text: str) -> None:
    check_filter(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1=1; drop table x", "';' outside a string literal"),
        ("1=1 -- sneaky", "comments"),
        ("1=1 /* x */", "comments"),
        ("id <= 3); delete from t where (1=1", "';' outside a string literal"),
        ("id <= 3) OR (1=1", "not a valid SQL condition"),
        ("1=1) UNION SELECT 1 FROM y WHERE (1", "not a valid SQL condition"),
        ("SELECT 1", "single condition, not a statement"),
        ("WHERE a = 1", "without the WHERE keyword"),
        ("x = 'open", "cannot be read as SQL"),
        ("a b", "single condition"),
        ("v = E'a'", "strings only as '…'"),
        ("v = $$a$$", "strings only as '…'"),
        ("v = U&'a'", "strings only as '…'"),
        ("v = N'a'", "strings only as '…'"),
        ("v::text = 'a'", "cannot be sent as it was checked"),
    ],
)
def test_rejected_filters(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_filter(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(" * 33 + "flag" + ")" * 33, "nests parentheses more than 32 deep"),
        ("(" * 60 + "flag" + ")" * 60, "nests parentheses more than 32 deep"),  # was a RecursionError
        ("NOT " * 3000 + "flag", "nested too deeply to be read (at most 32 levels)"),
        (" OR ".join(f"id = {n}" for n in range(7_000)), "a filter may have at most 65,536 bytes (UTF-8)"),
    ],
)
def test_limits_are_checked_before_the_filter_is_read(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        check_filter(text)


def test_a_filter_at_the_depth_limit_is_read() -> None:
    text = "(" * 32 + "flag" + ")" * 32
    assert check_filter(text) == text
