"""source_filter checks."""

from __future__ import annotations

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
