"""A chunk's content check reads only the chunk's range of the written side (before, written and examples), on the
target column the chunk column is loaded into, and only when the types make that exact; else it reads it whole."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from glue_elt.redshift.names import Identifier, TableName
from glue_elt.redshift.types import parse_type
from glue_elt.steps.redshift_cross_account_migration.chunks import Chunk
from glue_elt.steps.redshift_cross_account_migration.content import ContentCheck, content_check
from glue_elt.steps.redshift_cross_account_migration.content_scope import ChunkRange, same_type, written_column
from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

SOURCE = TableName((Identifier("shared_db"), Identifier("s"), Identifier("t")))
ID, V, IDENT = Identifier("id"), Identifier("v"), Identifier("ident")
INTEGER = parse_type("integer")
TYPES = {ID: INTEGER, V: parse_type("character varying(10)"), IDENT: INTEGER}
MIDDLE = Chunk(3, "10", "20")
RANGE = """"glue_elt_written"."id" > CAST('10' AS INTEGER) AND "glue_elt_written"."id" <= CAST('20' AS INTEGER)"""
LOAD_TYPES: tuple[tuple[str, dict[str, str]], ...] = (("append", {}), ("overwrite", {}), ("upsert", {"merge_keys": "id"}),
              ("incremental", {"watermark_column": "id"}))  # fmt: skip


def scope(chunk: Chunk = MIDDLE, source_type: str = "integer") -> ChunkRange:
    return ChunkRange(ID, parse_type(source_type), "INTEGER", chunk)


def check(
    load_type: str, chunk: ChunkRange | None, target: tuple[Identifier, ...] = (ID, V), **more: str
) -> ContentCheck:
    plan = validate_row(MigrationRow("shared_db.s.t", "a.t", "secret", load_type=load_type, **more))
    condition = "(id > 1) AND " + MIDDLE.condition(ID, "INTEGER")
    return content_check(plan, SOURCE, condition, (ID, V), target, TYPES, chunk)


def written_side(found: ContentCheck) -> list[str]:
    return [found.written, found.examples(), *([found.before] if found.before else [])]


def test_every_written_side_statement_carries_the_chunks_range_and_parses_as_redshift() -> None:
    """Before, written and examples carry the range; the figures parse as one Redshift SELECT of a SUM and a COUNT
    whose WHERE is on the target's column alone (the bare column: zone maps, dg/t_Sorting_data.html)."""
    for load_type, more in LOAD_TYPES:
        found = check(load_type, scope(), **more)
        for sql in written_side(found):
            assert f"WHERE {RANGE}" in sql, (load_type, sql)
            tree = sqlglot.parse_one(sql, read="redshift")
            assert isinstance(tree, exp.Select) and not list(tree.find_all(exp.Insert, exp.Delete, exp.Update))
        tree = sqlglot.parse_one(found.written, read="redshift")  # the figures: SUM and COUNT over the target's range
        where = tree.args["where"]
        assert {(c.table, c.name) for c in where.find_all(exp.Column)} == {("glue_elt_written", "id")}
        table = tree.find(exp.Table)
        assert table is not None and table.sql("redshift") == '"a"."t" AS "glue_elt_written"'
        assert tree.find(exp.Sum) is not None and tree.find(exp.Count) is not None
        assert RANGE.replace('"glue_elt_written".', "") in found.expected  # the source side: the insert's condition


def test_the_range_is_on_the_target_column_the_chunk_column_is_loaded_into() -> None:
    found = check("append", scope(), target=(IDENT, V))
    assert """WHERE "glue_elt_written"."ident" > CAST('10' AS INTEGER) AND "glue_elt_written"."ident" <=""" in (
        found.written
    )


def test_the_null_chunk_reads_the_targets_nulls_and_the_open_ends_one_bound() -> None:
    assert 'WHERE "glue_elt_written"."id" IS NULL' in check("append", scope(Chunk(1, None, None, nulls=True))).written
    last = check("overwrite", scope(Chunk(4, "20", None))).written
    assert last.endswith("""WHERE "glue_elt_written"."id" > CAST('20' AS INTEGER)""")


def test_without_a_chunk_the_statements_are_those_of_a_row_loaded_whole() -> None:
    for load_type, more in LOAD_TYPES:
        for sql in written_side(check(load_type, None, **more)):
            assert 'WHERE "glue_elt_written"' not in sql and '"glue_elt_written"."id" >' not in sql


def test_a_cast_that_could_change_values_keeps_the_whole_read_and_says_why() -> None:
    for source_type in ("timestamp without time zone", "bigint", "numeric(12,3)", "smallint"):
        found = check("append", scope(source_type=source_type))
        for sql in written_side(found):
            assert 'WHERE "glue_elt_written"' not in sql and '"glue_elt_written"."id" >' not in sql, sql
        why = written_column(scope(source_type=source_type), (ID, V), (ID, V), TYPES)
        assert why == (
            f"the chunk column id is {source_type} but the target column id is integer: the insert's cast could "
            "move a value across a chunk bound"
        )
    assert written_column(scope(), (V,), (V,), TYPES) == "the chunk column id is not one of the loaded columns"
    assert written_column(scope(), (ID, V), (IDENT, V), TYPES) == IDENT


def test_types_are_the_same_only_when_nothing_about_them_differs() -> None:
    assert same_type(parse_type("numeric(12,2)"), parse_type("numeric(12,2)"))
    assert same_type(parse_type("timestamp without time zone"), parse_type("timestamp without time zone"))
    assert not same_type(parse_type("numeric(12,2)"), parse_type("numeric(12,1)"))
    assert not same_type(parse_type("timestamp without time zone"), parse_type("timestamp with time zone"))
    assert not same_type(parse_type("timestamp(6) without time zone"), parse_type("timestamp(3) without time zone"))
    assert not same_type(parse_type("timestamp without time zone"), parse_type("date"))
    assert not same_type(None, INTEGER) and not same_type(parse_type("geometry(x)"), parse_type("geometry(x)"))
