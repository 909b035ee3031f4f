"""Why a row's table is not found, from what is near it: the database, the schema, or the closest table (pure)."""

from __future__ import annotations

from glue_elt.redshift.catalog import ClusterFacts, TableKey
from glue_elt.redshift.nearby import Nearby, closest
from glue_elt.steps.redshift_cross_account_migration.missing_tables import missing_table
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan, MigrationRow
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

FACTS = ClusterFacts("dev", "etl", superuser=False, folds_identifiers=True)
SOURCE = TableKey("shared_db", "sales", "orders")
NEARBY = Nearby(
    {"dev": ("public", "sales_mart"), "shared_db": ("sales",)},
    {("dev", "sales_mart"): ("customers", "targets"), ("shared_db", "sales"): ("orders", "order_items")},
)


def plan(source: str, target: str) -> MigrationPlan:
    return validate_row(MigrationRow(source, target, "sec"))


def problem(source: str, target: str, found: set[TableKey], create: bool = False) -> str | None:
    return missing_table(FACTS, found, plan(source, target), NEARBY, [], create)


def test_a_missing_target_schema_is_said_to_be_the_problem() -> None:
    assert problem("shared_db.sales.orders", "reporting.regions", {SOURCE}) == (
        "target table reporting.regions does not exist: schema reporting does not exist or user etl has no access to "
        "it (--create_missing_targets true creates it and its schema)"
    )
    assert problem("shared_db.sales.orders", "sales_marts.regions", {SOURCE}) == (
        "target table sales_marts.regions does not exist: schema sales_marts does not exist or user etl has no access "
        "to it (did you mean schema sales_mart?) (--create_missing_targets true creates it and its schema)"
    )


def test_a_missing_target_table_gets_the_closest_table_of_its_schema() -> None:
    assert problem("shared_db.sales.orders", "sales_mart.targetz", {SOURCE}) == (
        "target table sales_mart.targetz does not exist or is not visible to user etl (did you mean "
        "sales_mart.targets?) (--create_missing_targets true creates it)"
    )
    assert problem("shared_db.sales.orders", "sales_mart.zzz", {SOURCE}) == (
        "target table sales_mart.zzz does not exist or is not visible to user etl (--create_missing_targets true "
        "creates it)"
    )
    assert problem("shared_db.sales.orders", "reporting.regions", {SOURCE}, create=True) is None


def test_a_missing_source_says_whether_its_database_its_schema_or_the_table_is_missing() -> None:
    target = TableKey("dev", "sales_mart", "targets")
    share = " (for a data share: is its database created on this cluster and USAGE on it granted?)"
    assert problem("other_db.sales.orders", "sales_mart.targets", {target}) == (
        f"source table other_db.sales.orders does not exist: user etl sees no schema in database other_db{share}"
    )
    assert problem("shared_db.sale.orders", "sales_mart.targets", {target}) == (
        "source table shared_db.sale.orders does not exist: schema shared_db.sale does not exist or user etl has no "
        f"access to it (did you mean schema sales?){share}"
    )
    assert problem("shared_db.sales.ordrs", "sales_mart.targets", {target}) == (
        f"source table shared_db.sales.ordrs does not exist or user etl may not read it{share} (did you mean "
        "shared_db.sales.orders?)"
    )


def test_closest_ignores_case_and_the_name_itself() -> None:
    assert closest("Targetz", ["targets", "Targetz"]) == "targets"
    assert closest("x", ["abc"]) is None
