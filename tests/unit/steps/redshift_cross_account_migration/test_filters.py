"""source_filter checks."""

from __future__ import annotations

import re

import pytest

from glue_elt.errors import ValidationError
from glue_elt.steps.redshift_cross_account_migration.filters import check_filter


@pytest.mark.parametrize(
    "text",
    [
        "date >= '2023-01-01'",
        "id IN (SELECT id FROM shared_db.schema.vip)",
        "col::date > '2020-01-01' AND name ILIKE 'a%'",
        "DATEADD(day, -7, GETDATE()) < ts",
        "note = 'a;b -- not a comment'",
        "flag",
    ],
)
def test_conditions_are_kept_verbatim(text: str) -> None:
    assert check_filter(f"  {text} ") == text


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
