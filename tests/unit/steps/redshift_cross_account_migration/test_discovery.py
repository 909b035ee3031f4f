"""Schema mode's discovery without a server: which schema is listed, pattern selection, rows, messages."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import ConfigError, ExecutionError
from glue_elt.redshift import catalog
from glue_elt.redshift.catalog import ClusterFacts, SchemaObject
from glue_elt.redshift.names import Identifier
from glue_elt.steps.redshift_cross_account_migration.discovery import (
    VIEW_REASON,
    DiscoveredSchema,
    Discovery,
    discover,
    discovered_schema,
    empty_schema_message,
    no_table_message,
    not_migrated_reason,
    nothing,
    schema_rows,
    select,
    shown,
)
from glue_elt.steps.redshift_cross_account_migration.results import NotMigrated
from glue_elt.steps.redshift_cross_account_migration.schema_mode import DiscoverFrom, SchemaMode
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

REDSHIFT = ClusterFacts("dev", "etl", superuser=False, folds_identifiers=True)
CASE_SENSITIVE = ClusterFacts("dev", "etl", superuser=False, folds_identifiers=False)
MODE = SchemaMode("shared_db.sales", Identifier("analytics"), "sec", "overwrite")
SOURCE_MODE = replace(MODE, discover_from=DiscoverFrom.SOURCE)


def test_schema_rows_one_per_table() -> None:
    rows = schema_rows(MODE, ["orders", "Order Items"])
    assert [(r.source_table, r.target_table) for r in rows] == [
        ("shared_db.sales.orders", "analytics.orders"),
        ('shared_db.sales."Order Items"', 'analytics."Order Items"'),
    ]
    assert {r.secret_name for r in rows} == {"sec"} and {r.load_type for r in rows} == {"overwrite"}
    assert validate_row(rows[1]).target.table == "Order Items"


@pytest.mark.parametrize(
    ("source", "facts", "expected"),
    [
        ("shared_db.sales", REDSHIFT, ("shared_db", "sales")),
        ("sales", REDSHIFT, ("dev", "sales")),  # one part: the connected database
        ('Shared_DB."Sales"', REDSHIFT, ("shared_db", "sales")),  # Redshift folds quoted names by default
        ('Shared_DB."Sales"', CASE_SENSITIVE, ("shared_db", "Sales")),  # the unquoted part folds everywhere
    ],
)
def test_discover_from_source_lists_the_source_schema_in_its_database(
    source: str, facts: ClusterFacts, expected: tuple[str, str]
) -> None:
    found = discovered_schema(replace(SOURCE_MODE, source_schema=source), facts)
    assert (found.database, found.schema) == expected
    assert (found.option, found.written) == ("--source_schema", source)


def test_discover_from_target_lists_the_target_schema_in_the_connected_database() -> None:
    mode = replace(MODE, target_schema=Identifier("Mart"))
    assert discovered_schema(mode, REDSHIFT) == DiscoveredSchema("--target_schema", '"Mart"', "dev", "mart")
    assert discovered_schema(mode, CASE_SENSITIVE).schema == "Mart"


@pytest.mark.parametrize(
    ("include", "exclude", "kept"),
    [
        ((), (), ["orders", "orders_2024", "tmp_x", "Customers"]),
        (("orders*",), (), ["orders", "orders_2024"]),
        (("orders*", "Customers"), ("*_2024",), ["orders", "Customers"]),  # include first, then exclude
        ((), ("tmp_*", "orders_????"), ["orders", "Customers"]),
        (("customers",), (), []),  # case-sensitive on the catalog's names
        (("[ot]*",), ("orders",), ["orders_2024", "tmp_x"]),
    ],
)
def test_select_includes_then_excludes(include: tuple[str, ...], exclude: tuple[str, ...], kept: list[str]) -> None:
    names = ["orders", "orders_2024", "tmp_x", "Customers"]
    selection = select(names, include, exclude)
    assert list(selection.kept) == kept
    assert list(selection.left_out) == [name for name in names if name not in kept]


@pytest.mark.parametrize(
    ("table_type", "reason"),
    [
        ("VIEW", "a view; schema mode copies base tables (name it in a config file row to copy its rows)"),
        ("EXTERNAL TABLE", "an external table; schema mode copies base tables"),
        ("external  table", "an external table; schema mode copies base tables"),
    ],
)
def test_not_migrated_reasons(table_type: str, reason: str) -> None:
    assert not_migrated_reason(table_type) == reason


def test_base_tables_are_recognised_by_their_type() -> None:
    assert SchemaObject("t", "TABLE").is_base_table and SchemaObject("t", " table ").is_base_table
    assert not SchemaObject("v", "VIEW").is_base_table


@pytest.mark.parametrize("table_type", ["TABLE", "BASE TABLE", "SHARED TABLE", "shared  table"])
def test_every_documented_table_type_of_a_table_is_a_base_table(table_type: str) -> None:
    # SVV_REDSHIFT_TABLES documents views and tables (sample: TABLE); SVV_ALL_TABLES, built on it, documents base
    # tables and a data share's "shared tables" (dg/r_SVV_ALL_TABLES.html): the old code took only TABLE.
    assert SchemaObject("t", table_type).is_base_table and SchemaObject("t", table_type).is_known


def test_a_data_share_s_shared_table_becomes_a_row() -> None:
    found, _ = run_discover(SOURCE_MODE, [("orders", "SHARED TABLE"), ("v", "VIEW")])
    assert [row.target_table for row in found.rows] == ["analytics.orders"]
    assert found.not_migrated == (NotMigrated("shared_db.sales.v", VIEW_REASON),)


@pytest.mark.parametrize("table_type", ["MATERIALIZED VIEW", "", None])
def test_a_table_type_the_docs_do_not_list_stops_the_run_naming_it_and_the_object(table_type: str | None) -> None:
    with pytest.raises(ExecutionError, match=r"table_type glue-elt does not know for shared_db\.sales\.odd \("):
        run_discover(SOURCE_MODE, [("orders", "TABLE"), ("odd", table_type)])  # type: ignore[list-item]
    found, _ = run_discover(replace(SOURCE_MODE, exclude=("odd",)), [("orders", "TABLE"), ("odd", "MYSTERY")])
    assert [row.target_table for row in found.rows] == ["analytics.orders"]  # left out by --exclude: no answer read


def test_long_lists_are_cut_after_twenty_names() -> None:
    names = [f"s{i:02d}" for i in range(25)]
    assert shown(names) == ", ".join(names[:20]) + ", … (25 in all)"
    assert shown(["a", "Mixed"]) == 'a, "Mixed"'


TARGET = DiscoveredSchema("--target_schema", "no_such_schema", "dev", "no_such_schema")


def test_a_missing_schema_is_named_with_the_schemas_the_user_sees() -> None:
    schemas = ["analytics", "information_schema", "pg_catalog", "public", "sales"]
    assert empty_schema_message(TARGET, "etl", schemas, "dev") == (
        "--target_schema no_such_schema (schema no_such_schema of database dev) does not exist or is not visible to "
        "user etl; the schemas of dev it sees: analytics, public, sales"
    )


def test_a_missing_schema_whose_other_case_exists_says_so() -> None:
    found = DiscoveredSchema("--target_schema", '"Sales"', "dev", "Sales")
    message = empty_schema_message(found, "etl", ["public", "sales"], "dev")
    assert "(the server keeps the case of quoted names; schema sales exists)" in message


def test_a_share_database_without_visible_schemas_hints_at_the_share() -> None:
    found = DiscoveredSchema("--source_schema", "other_db.sales", "other_db", "sales")
    assert empty_schema_message(found, "etl", [], "dev") == (
        "--source_schema other_db.sales (schema sales of database other_db) does not exist or is not visible: user "
        "etl sees no schema in other_db (for a data share: is its database created on this cluster and USAGE on it "
        "granted?)"
    )


def test_an_existing_schema_without_accessible_objects_is_called_empty() -> None:
    message = empty_schema_message(TARGET, "etl", ["no_such_schema", "public"], "dev")
    assert message.endswith("holds no table or view that user etl may access")


def test_a_schema_of_views_only_has_no_base_table() -> None:
    objects = [SchemaObject("v1", "VIEW"), SchemaObject("V2", "VIEW")]
    assert no_table_message(TARGET, MODE, objects).endswith(
        'has no base table, only 2 object(s) of type VIEW: v1, "V2"'
    )


def test_patterns_that_leave_nothing_name_the_tables_found() -> None:
    mode = replace(MODE, include=("ord*", "x"), exclude=("ord_old",))
    objects = [SchemaObject("customers", "TABLE"), SchemaObject("v", "VIEW")]
    assert no_table_message(TARGET, mode, objects) == (
        "--include ord*,x --exclude ord_old leave none of the 1 base table(s) of --target_schema no_such_schema "
        "(schema no_such_schema of database dev): customers"
    )


def test_nothing_to_migrate_stops_the_run_unless_allowed(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ConfigError, match=r"^schema mode found nothing to migrate: it is empty \(--allow_empty true"):
        nothing(MODE, "it is empty")
    views = (NotMigrated("shared_db.sales.v", "a view"),)
    with caplog.at_level(logging.WARNING):
        assert nothing(replace(MODE, allow_empty=True), "it is empty", views) == Discovery([], views)
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "nothing to migrate: it is empty" in caplog.text


class Catalog:
    """Answers the catalog's queries from a list, as the server would, and records the SQL asked."""

    def __init__(self, *answers: list[tuple[str, ...]]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def query(self, secret: str, sql: str, params: object = None) -> list[tuple[str, ...]]:
        self.asked.append(sql)
        return self.answers.pop(0)


def run_discover(mode: SchemaMode, *answers: list[tuple[str, ...]]) -> tuple[Discovery, list[str]]:
    executor = Catalog(*answers)
    found = discover(executor, RetryPolicy(0, 0.0), REDSHIFT, mode)  # type: ignore[arg-type]
    return found, executor.asked


def test_a_schema_with_tables_costs_one_catalog_query_and_reports_the_sources_views() -> None:
    found, asked = run_discover(SOURCE_MODE, [("orders", "TABLE"), ("v_orders", "VIEW")])
    assert asked == [catalog.SCHEMA_OBJECTS_SQL]
    assert [row.target_table for row in found.rows] == ["analytics.orders"]
    assert found.not_migrated == (NotMigrated("shared_db.sales.v_orders", VIEW_REASON),)
    found, _ = run_discover(MODE, [("orders", "TABLE"), ("v_orders", "VIEW")])
    assert found.not_migrated == ()  # the target's own views are not the source's objects


def test_an_empty_answer_costs_one_more_query_to_tell_missing_from_empty() -> None:
    with pytest.raises(ConfigError, match="does not exist or is not visible to user etl"):
        run_discover(MODE, [], [("public",)])
    found, asked = run_discover(replace(MODE, allow_empty=True), [], [("analytics",)])
    assert asked == [catalog.SCHEMA_OBJECTS_SQL, catalog.SCHEMAS_SQL] and found.rows == []
