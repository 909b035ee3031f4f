"""The content check's statements per load type, and how a mismatch reads."""

from __future__ import annotations

import datetime as dt

import sqlglot

from glue_elt.redshift.names import Identifier, TableName
from glue_elt.redshift.types import parse_type
from glue_elt.steps.redshift_cross_account_migration.content import ContentCheck, content_check
from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row
from glue_elt.steps.redshift_cross_account_migration.watermark import Watermark

SOURCE = TableName((Identifier("shared_db"), Identifier("s"), Identifier("t")))
COLUMNS = (Identifier("id"), Identifier("v"))
TYPES = {Identifier("id"): parse_type("bigint"), Identifier("v"): parse_type("character varying(10)")}


def check(load_type: str, **more: str) -> ContentCheck:
    plan = validate_row(MigrationRow("shared_db.s.t", "a.t", "secret", load_type=load_type, **more))
    return content_check(plan, SOURCE, "id > 1", COLUMNS, COLUMNS, TYPES)


def test_the_source_side_casts_to_the_targets_types_and_every_statement_parses() -> None:
    for load_type, more in (("append", {}), ("overwrite", {}), ("upsert", {"merge_keys": "id"}),
                            ("incremental", {"watermark_column": "id"})):  # fmt: skip
        found = check(load_type, **more)
        assert 'CAST("id" AS BIGINT)' in found.expected and 'CAST("v" AS VARCHAR(10))' in found.expected
        for sql in (found.expected, found.written, found.examples(), found.before or "SELECT 1"):
            assert sqlglot.parse_one(sql, read="redshift") is not None


def test_append_and_incremental_subtract_the_figures_before_and_upsert_reads_the_sources_keys() -> None:
    assert check("append").before is not None and check("incremental", watermark_column="id").before is not None
    assert check("overwrite").before is None
    upsert = check("upsert", merge_keys="id")
    assert (
        upsert.before is None
        and 'JOIN (SELECT DISTINCT "id" FROM "shared_db"."s"."t" WHERE (id > 1))' in upsert.written
    )
    assert upsert.shown == ("id",) and check("append").shown == ("id", "v")


def test_a_mismatch_names_the_figure_that_differs_and_the_rows_found() -> None:
    found = check("append")
    assert found.mismatch((3, 10), (3, 10)) is None
    assert "in rows: source 3 row(s), checksum 10; written 2 row(s), checksum 7" in str(found.mismatch((3, 10), (2, 7)))
    assert "in content (same number of rows)" in str(found.mismatch((3, 10), (3, "11.0")))
    assert found.describe([("s", 7, "x", 123)]) == "e.g. source row (id=7, v=x) not found on the other side"
    assert "some rows were written more or fewer times" in found.describe([])


def test_an_incrementals_examples_read_the_rows_above_the_newest_watermark_before_the_insert() -> None:
    plan = validate_row(MigrationRow("shared_db.s.t", "a.t", "secret", load_type="incremental", watermark_column="id"))
    mark = Watermark(Identifier("id"), Identifier("id"))
    live = mark.newer_than(mark.newest_in(plan.target))
    found = content_check(plan, SOURCE, live, COLUMNS, COLUMNS, TYPES, watermark=mark)
    assert found.newest_type == "BIGINT" and 'MAX("glue_elt_written"."id") AS m' in str(found.before)
    assert live in found.expected  # the figures are read before the insert, as the insert reads them
    newest = found.newest_literal((5, 99, 41))
    assert newest == "CAST('41' AS BIGINT)" and found.newest_literal((0, 0, None)) == "CAST(NULL AS BIGINT)"
    examples = found.examples(newest)
    assert "MAX(" not in examples and "(\"id\" > CAST('41' AS BIGINT) OR CAST('41' AS BIGINT) IS NULL)" in examples
    for sql in (examples, str(found.before)):  # the figures before the insert carry the newest watermark third
        assert sqlglot.parse_one(sql, read="redshift") is not None
    assert "MAX(" not in check("append").examples("CAST('41' AS BIGINT)")  # other loads read no watermark


def test_the_newest_watermark_reads_back_as_its_type() -> None:
    plan = validate_row(MigrationRow("shared_db.s.t", "a.t", "secret", load_type="incremental", watermark_column="d"))
    mark = Watermark(Identifier("d"), Identifier("d"))
    types = {**TYPES, Identifier("d"): parse_type("timestamp without time zone")}
    found = content_check(plan, SOURCE, None, (*COLUMNS, Identifier("d")), (*COLUMNS, Identifier("d")), types,
                          watermark=mark)  # fmt: skip
    stamp = dt.datetime(2024, 2, 29, 23, 59, 59, 123456)
    assert found.newest_literal((1, 2, stamp)) == "CAST('2024-02-29 23:59:59.123456' AS TIMESTAMP)"
