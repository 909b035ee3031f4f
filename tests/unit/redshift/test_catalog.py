"""Catalog query building, identifier folding and the privilege query (no server needed)."""

from __future__ import annotations

from typing import Any

import pytest

from glue_elt.errors import ConfigError, ExecutionError
from glue_elt.redshift import catalog, privileges
from glue_elt.redshift.catalog import ClusterFacts, TableKey
from glue_elt.redshift.names import fold_case, parse_table_name
from glue_elt.redshift.privileges import Need, table_need
from glue_elt.redshift.state import StateTable, resolve_state_table

REDSHIFT = ClusterFacts("dev", "etl", superuser=False, folds_identifiers=True)
CASE_SENSITIVE = ClusterFacts("dev", "etl", superuser=False, folds_identifiers=False)


class Answers:
    """An executor stand-in that answers ``query`` from a list and records what was asked."""

    def __init__(self, *answers: list[tuple[Any, ...]] | Exception) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, list[Any]]] = []

    def query(self, secret: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        self.asked.append((sql, list(params or [])))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_fold_case_lowers_ascii_letters_only() -> None:
    assert fold_case("Order Items") == "order items"
    assert fold_case("ÄRGER_Ü") == "Ärger_Ü"


def test_names_resolve_as_the_server_folds_them() -> None:
    name = parse_table_name('Shared_DB."Schema"."Order Items"', "t")
    assert REDSHIFT.resolve(name).sql() == '"shared_db"."schema"."order items"'
    assert CASE_SENSITIVE.resolve(name).sql() == '"shared_db"."Schema"."Order Items"'
    assert REDSHIFT.key(parse_table_name("a.b", "t")) == TableKey("dev", "a", "b")


@pytest.mark.parametrize(
    ("answers", "folds"),
    [
        ([[("dev", "etl", True)], [("off",)]], True),
        ([[("dev", "etl", True)], [("on",)]], False),
        ([[("dev", "etl", True)], ExecutionError("unrecognized", sqlstate="42704")], False),
    ],
)
def test_cluster_facts_read_the_case_setting(answers: list[Any], folds: bool) -> None:
    facts = catalog.cluster_facts(Answers(*answers), "s")  # type: ignore[arg-type]
    assert facts == ClusterFacts("dev", "etl", True, folds_identifiers=folds)


def test_cluster_facts_do_not_hide_other_errors() -> None:
    with pytest.raises(ExecutionError):
        catalog.cluster_facts(Answers([("dev", "etl", "f")], ExecutionError("denied", sqlstate="42501")), "s")  # type: ignore[arg-type]


def test_one_columns_query_for_every_table_grouped_by_schema() -> None:
    keys = [TableKey("dev", "a", "t2"), TableKey("shared_db", "s", "x"), TableKey("dev", "a", "t1")]
    sql, params = catalog.columns_query(keys)
    assert sql == (
        "SELECT database_name, schema_name, table_name, column_name, data_type, is_nullable, column_default, distkey, "
        "sortkey FROM svv_redshift_columns WHERE "
        "(database_name = %s AND schema_name = %s AND table_name IN (%s, %s)) OR "
        "(database_name = %s AND schema_name = %s AND table_name IN (%s)) "
        "ORDER BY database_name, schema_name, table_name, ordinal_position"
    )
    assert params == ["dev", "a", "t1", "t2", "shared_db", "s", "x"]


def test_privileges_are_tested_in_one_query_and_missing_ones_named() -> None:
    needs = [
        table_need("INSERT", "a", "Orders"),
        table_need("DELETE", "a", "Orders"),
        Need("CREATE", "database", "dev", "dev"),
    ]
    executor = Answers([(True, "f", "t")])
    lacking = privileges.missing(executor, "s", [*needs, needs[0]])  # type: ignore[arg-type]
    ((sql, params),) = executor.asked
    assert (
        sql
        == "SELECT HAS_TABLE_PRIVILEGE(%s, 'INSERT'), HAS_TABLE_PRIVILEGE(%s, 'DELETE'), HAS_DATABASE_PRIVILEGE(%s, 'CREATE')"
    )
    assert params == ['"a"."Orders"', '"a"."Orders"', "dev"]
    assert lacking == {needs[1]}
    assert privileges.describe([needs[1]], "etl") == "user etl lacks DELETE on table a.Orders"


def test_a_state_table_in_another_database_is_refused() -> None:
    assert resolve_state_table(StateTable.parse('DEV."Ops".state'), REDSHIFT).name.sql() == '"dev"."ops"."state"'
    with pytest.raises(ConfigError, match="is in database shared_db, but the secret connects to database dev"):
        resolve_state_table(StateTable.parse("shared_db.ops.state"), REDSHIFT)


def test_schema_objects_come_with_their_type_in_one_query() -> None:
    answers = Answers([("orders", "TABLE"), ("v_orders", "VIEW"), ("odd", None)])
    objects = catalog.schema_objects(answers, "s", "shared_db", "sales")  # type: ignore[arg-type]
    assert [(o.name, o.table_type, o.is_base_table) for o in objects] == [
        ("orders", "TABLE", True),
        ("v_orders", "VIEW", False),
        ("odd", "", False),
    ]
    assert answers.asked == [(catalog.SCHEMA_OBJECTS_SQL, ["shared_db", "sales"])]
    assert "table_type" in catalog.SCHEMA_OBJECTS_SQL and "= 'TABLE'" not in catalog.SCHEMA_OBJECTS_SQL


ROW = ("dev", "a", "t", "id", "integer")


@pytest.mark.parametrize(("answer", "nullable"), [("YES", True), ("no", False), ("", None), (" ", None), (None, None)])
def test_is_nullable_reads_yes_no_and_no_information(answer: str | None, nullable: bool | None) -> None:
    # is_nullable: yes, no, or "" for no information (dg/r_SVV_REDSHIFT_COLUMNS.html); the old code read "" as YES.
    answers = Answers([(*ROW, answer, None, False, 0)])
    ((column,),) = catalog.table_columns(answers, "s", [TableKey("dev", "a", "t")]).values()  # type: ignore[arg-type]
    assert column.nullable is nullable
    assert column.filled_by_database is (None if nullable is None else nullable)


def test_an_is_nullable_answer_the_docs_do_not_list_names_the_column() -> None:
    answers = Answers([(*ROW, "MAYBE", None, False, 0)])
    with pytest.raises(ExecutionError, match=r"is_nullable 'MAYBE' for column dev\.a\.t\.id"):
        catalog.table_columns(answers, "s", [TableKey("dev", "a", "t")])  # type: ignore[arg-type]


def test_schema_names_of_one_database() -> None:
    answers = Answers([("public",), ("sales",)])
    assert catalog.schema_names(answers, "s", "shared_db") == ["public", "sales"]  # type: ignore[arg-type]
    assert answers.asked == [(catalog.SCHEMAS_SQL, ["shared_db"])]


@pytest.mark.parametrize(
    ("default", "identity", "filled"),
    [
        ("\"identity\"(211928, 0, '1,1'::text)", True, True),  # IDENTITY: Redshift refuses values for it
        ("default_identity(211928, 0, '1,1'::text)", False, True),  # GENERATED BY DEFAULT: values are accepted
        ("'n/a'::character varying", False, True),
        (None, False, False),
    ],
)
def test_identity_columns_are_told_from_their_catalog_default(
    default: str | None, identity: bool, filled: bool
) -> None:
    # The two forms redshift_connector's metadata queries test for (left(column_default, 10) = '"identity"',
    # left(column_default, 16) = 'default_identity'): aws/amazon-redshift-python-driver, metadataAPIHelper.
    column = catalog.Column("id", "bigint", nullable=False, default=default)
    assert (column.identity, column.filled_by_database) == (identity, filled)


@pytest.mark.parametrize(
    ("first", "second", "same_on_redshift", "same_case_sensitive"),
    [
        ("dev.s.t", "s.t", True, True),  # a three-part name of the connected database is its two-part name
        ('"DEV".s.t', "s.t", True, False),  # the database's name is folded like any identifier
        ("other.s.t", "s.t", False, False),  # another database (a data share) holds another table
        ('s."T"', "s.t", True, False),  # quoted names are folded unless enable_case_sensitive_identifier is on
        ('"S"."T"', '"S"."T"', True, True),
        ("s.t", "s.u", False, False),
    ],
)
def test_same_table_compares_names_as_the_server_resolves_them(
    first: str, second: str, same_on_redshift: bool, same_case_sensitive: bool
) -> None:
    a, b = parse_table_name(first, "source_table"), parse_table_name(second, "target_table")
    assert (REDSHIFT.same_table(a, b), CASE_SENSITIVE.same_table(a, b)) == (same_on_redshift, same_case_sensitive)
    assert REDSHIFT.identity(a) == TableKey("dev", "s", "t") or not same_on_redshift


def test_table_types_reads_the_kind_of_each_table() -> None:
    answers = Answers([("dev", "s", "v", "view"), ("dev", "s", "t", " base  table ")])
    found = catalog.table_types(answers, "sec", [TableKey("dev", "s", "v"), TableKey("dev", "s", "t")])  # type: ignore[arg-type]
    assert found == {TableKey("dev", "s", "v"): "VIEW", TableKey("dev", "s", "t"): "BASE TABLE"}
    ((sql, params),) = answers.asked
    assert "FROM svv_redshift_tables" in sql and params == ["dev", "s", "t", "v"]
    assert catalog.table_types(answers, "sec", []) == {}  # type: ignore[arg-type]
