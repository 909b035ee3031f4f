"""Every statement shape the migration step can send parses as Redshift SQL (sqlglot's ``redshift`` dialect).

The shapes are built by the same functions the step uses; bind parameters (``%s``) are replaced by string
literals first. docs/redshift-compatibility.md lists each shape with Redshift's documented behaviour.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from glue_elt.redshift import catalog, privileges
from glue_elt.redshift.catalog import Column, TableKey
from glue_elt.redshift.ddl import create_schema, create_table
from glue_elt.redshift.names import Identifier, TableName
from glue_elt.redshift.privileges import Need, table_need
from glue_elt.redshift.state import StateTable
from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow, OverwriteMode
from glue_elt.steps.redshift_cross_account_migration.sql import load_sql
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

COLUMNS = (Identifier("id"), Identifier("Mixed Case"), Identifier('we"ird'))


def load_shapes() -> list[str]:
    """Every statement of every load type, overwrite mode and ``--verify_counts`` setting, with and without a
    filter and with a three-part source, plus their pre-flight EXPLAINs."""
    shapes: list[str] = []
    variants = itertools.product(
        [("append", "", ""), ("overwrite", "", ""), ("incremental", "", "ts"), ("upsert", "id, region", "")],
        ["", "amount > 0 AND region IN (SELECT region FROM shared_db.ref.regions)"],
        OverwriteMode,
        [False, True],
    )
    for (load_type, keys, watermark), condition, mode, verify in variants:
        row = MigrationRow(
            'shared_db."schema"."Order Items"',
            'analytics."Orders"',
            "secret",
            source_filter=condition,
            load_type=load_type,
            merge_keys=keys,
            watermark_column=watermark,
        )
        sql = load_sql(validate_row(row), COLUMNS, mode, verify_counts=verify)
        shapes += [*sql.all_statements(), *sql.preflight()]
        renamed = load_sql(validate_row(row), COLUMNS, mode, verify_counts=verify, target_columns=RENAMED)
        created = load_sql(validate_row(row), COLUMNS, mode, verify_counts=verify, create=CREATED.sql)
        shapes += [*renamed.all_statements(), *created.all_statements(), *created.preflight()]
    return list(dict.fromkeys(shapes))


RENAMED = (Identifier("id"), Identifier("Renamed Col"), Identifier("other"))
KEYED = [Column("id", "integer", False, None, True, 1), Column("Mixed Case", "character varying(20)", sortkey=2)]
CREATED = create_table(TableName((Identifier("analytics"), Identifier("Orders"))), KEYED)


def ddl_shapes() -> list[str]:
    """The CREATE statements of targets that do not exist: with the source's keys, with AUTO, and the schema."""
    every_type = [Column(f"c{i}", data_type) for i, data_type in enumerate(TYPE_SPELLINGS)]
    plain = create_table(TableName((Identifier("analytics"), Identifier("t"))), every_type)
    return [CREATED.sql, plain.sql, create_schema("Analytics New")]


TYPE_SPELLINGS = [
    "smallint", "integer", "bigint", "numeric(12,2)", "real", "double precision", "boolean", "character(3)",
    "character varying(65535)", "date", "timestamp without time zone", "timestamp with time zone",
    "time without time zone", "time with time zone", "super", "varbyte(1024)", "geometry", "hllsketch",
]  # fmt: skip


def recorded(call: Any) -> list[str]:
    """The SQL a state-table method sends through a query callable."""
    sent: list[str] = []

    def query(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        sent.append(sql)
        return []

    call(query)
    return sent


def catalog_shapes() -> list[str]:
    keys = [TableKey("dev", "analytics", "orders"), TableKey("shared_db", "schema", "Order Items")]
    needs = [
        table_need("INSERT", "analytics", "orders"),
        table_need("DELETE", "analytics", "orders"),
        table_need("SELECT", "analytics", "orders"),
        Need("CREATE", "schema", "glue_elt", "glue_elt"),
        Need("CREATE", "database", "dev", "dev"),
    ]
    similar = catalog.SIMILAR_TABLES_SQL.format(groups="(database_name = %s AND lower(schema_name) = %s)")
    return [
        catalog.FACTS_SQL,
        catalog.CASE_SETTING_SQL,
        catalog.SCHEMA_OBJECTS_SQL,
        catalog.SCHEMAS_SQL,
        catalog.columns_query(keys)[0],
        similar,
        catalog.SCHEMA_EXISTS_SQL,
        catalog.OWNED_TABLES_SQL.format("%s, %s"),
        "SELECT " + ", ".join(need.expression() for need in needs),
    ]


def state_shapes() -> list[str]:
    state = StateTable.parse("glue_elt.migration_state")
    insert: list[str] = []

    class Session:
        def execute(self, sql: str, params: Any = None) -> int:
            insert.append(sql)
            return 1

    state.record(Session(), "run", "k" * 64, "analytics.orders", "append", 3)  # type: ignore[arg-type]
    return [
        *state.create_statements(),
        *recorded(lambda q: state.committed_rows(q, "run", ["key"])),
        *recorded(lambda q: state.committed_run_rows(q, "run")),
        *insert,
    ]


SHAPES = load_shapes() + catalog_shapes() + state_shapes() + ddl_shapes()


@pytest.mark.parametrize("sql", SHAPES)
def test_statement_parses_as_redshift(sql: str) -> None:
    statements = [s for s in sqlglot.parse(sql.replace("%s", "'value'"), read="redshift") if s is not None]
    assert len(statements) == 1, sql
    if sql.startswith("LOCK "):  # sqlglot has no LOCK statement: the rest must be one table name
        assert isinstance(statements[0], exp.Command) and statements[0].this == "LOCK", sql
        table = exp.to_table(sql.removeprefix("LOCK "), dialect="redshift")
        assert table.sql(dialect="redshift") == sql.removeprefix("LOCK "), sql
    elif not sql.startswith(("SHOW", "EXPLAIN")):
        assert not isinstance(statements[0], exp.Command), f"sqlglot did not understand: {sql}"


def test_every_kind_of_statement_is_covered() -> None:
    starts = {sql.split()[0] for sql in SHAPES}
    assert starts == {"INSERT", "DELETE", "TRUNCATE", "WITH", "SELECT", "EXPLAIN", "SHOW", "CREATE", "LOCK", "DROP"}
    assert len(SHAPES) > 25
    assert privileges.CHECKS_PER_QUERY < 1600  # Redshift's column limit bounds a select list
