"""The swap's refusal message: every reason named at once with what the user can do, none for a safe target; and
the catalog queries behind it parse as Redshift SQL. The queries themselves run in
``tests/integration/test_staging_swap.py``."""

from __future__ import annotations

import sqlglot

from glue_elt.steps.redshift_cross_account_migration import staging_checks
from glue_elt.steps.redshift_cross_account_migration.staging import Grant
from glue_elt.steps.redshift_cross_account_migration.staging_checks import SwapFacts, swap_refusal

SAFE = SwapFacts(owner="etl", grants=(Grant("SELECT", "user", "bi"), Grant("SELECT", "public", "public")))


def test_a_target_the_user_owns_with_known_grants_and_nothing_bound_to_it_may_be_swapped() -> None:
    assert swap_refusal(SAFE, "tgt.t", "etl") is None


def test_a_missing_target_is_named() -> None:
    assert swap_refusal(SwapFacts(owner=None), "tgt.t", "etl") == (
        "tgt.t does not exist: a chunked overwrite replaces an existing table"
    )


def test_every_hazard_is_named_in_one_message() -> None:
    facts = SwapFacts(
        owner="bob",
        views=("bi.daily", "tgt.v"),
        foreign_keys=("tgt.lines (lines_order_fkey)",),
        identity_columns=("id",),
        grants=(Grant("SELECT", "user", "bi"), Grant("TRIGGER", "user", "audit")),
        schema="tgt",
        may_create=False,
    )
    message = swap_refusal(facts, "tgt.orders", "etl")
    assert message is not None
    assert message.startswith("a chunked overwrite cannot replace tgt.orders: it is owned by bob, not by etl")
    for part in (
        "make etl its owner",
        "etl has no CREATE privilege on schema tgt",
        "GRANT CREATE ON SCHEMA tgt TO etl",
        "view(s) bi.daily, tgt.v are bound to it",
        "WITH NO SCHEMA BINDING",
        "foreign key(s) tgt.lines (lines_order_fkey) reference it",
        "IDENTITY column(s) id",
        "grants the swap cannot carry over: privilege 'TRIGGER' of 'audit'",
    ):
        assert part in message
    assert message.endswith("Nothing was written")


def test_the_catalog_queries_parse_as_redshift_sql() -> None:
    for sql in (
        staging_checks.OWNER_SQL,
        staging_checks.DEPENDENT_VIEWS_SQL,
        staging_checks.REFERENCING_KEYS_SQL,
        staging_checks.GRANTS_SQL,
    ):
        (statement,) = sqlglot.parse(sql.replace("%s", "'x'"), read="redshift")
        assert isinstance(statement, sqlglot.exp.Select)
