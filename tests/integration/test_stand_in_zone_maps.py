"""The stand-in's zone maps (``local_stack.zone_maps``): a column reported as a table's leading sort key gets a BRIN
index, and a chunk's range read skips the blocks outside the range, as Redshift's zone maps let it."""

from __future__ import annotations

import pytest

from glue_elt.redshift.names import Identifier, parse_table_name
from glue_elt.steps.redshift_cross_account_migration import chunks
from local_stack.redshift_views import report_sortkey_sql
from tests.conftest import Db

pytestmark = pytest.mark.integration


def zone_maps(db: Db, schema: str, table: str) -> list[tuple[str, str]]:
    """(index name, definition) of the table's zone-map indexes."""
    return db.rows(
        f"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '{schema}' AND tablename = '{table}' "
        "AND indexname LIKE 'redshift_zone_map_%'"
    )


def test_a_leading_sort_key_gets_a_zone_map_and_a_chunk_reads_through_it(db: Db, schemas: tuple[str, str]) -> None:
    source = schemas[0]
    db.admin(
        f"CREATE TABLE {source}.sorted (id int, k int, v text)",
        f"INSERT INTO {source}.sorted SELECT g, g % 7, 'v' || g FROM generate_series(1, 200000) g",
        report_sortkey_sql(f"{source}.sorted", "k", 2),  # not leading: no zone map
    )
    assert zone_maps(db, source, "sorted") == []
    db.admin(report_sortkey_sql(f"{source}.sorted", "id", 1), f"ANALYZE {source}.sorted")
    ((name, definition),) = zone_maps(db, source, "sorted")
    assert "USING brin (id)" in definition
    table = parse_table_name(f"shared_db.{source}.sorted", "test")
    middle = chunks.Chunk(5, "100000", "110000").condition(Identifier("id"), "integer")
    plan = "\n".join(str(row[0]) for row in db.rows(f"EXPLAIN {chunks.count_sql(table, middle)}"))
    assert f"Bitmap Index Scan on {name}" in plan
    assert db.rows(chunks.count_sql(table, middle)) == [(10000,)]


def test_reporting_the_sort_key_again_keeps_one_zone_map(db: Db, schemas: tuple[str, str]) -> None:
    source = schemas[0]
    db.admin(f"CREATE TABLE {source}.again (id int)")
    db.admin(report_sortkey_sql(f"{source}.again", "id", 1), report_sortkey_sql(f"{source}.again", "id", 1))
    assert len(zone_maps(db, source, "again")) == 1
