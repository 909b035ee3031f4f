"""Which column a row is cut by, or why it loads whole."""

from __future__ import annotations

import pytest

from glue_elt.errors import ValidationError
from glue_elt.redshift.catalog import Column
from glue_elt.redshift.names import Identifier
from glue_elt.steps.redshift_cross_account_migration.chunk_choice import ChunkColumn, choose
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan, MigrationRow
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

SOURCE = (
    Column("id", "integer"),
    Column("region", "character varying(10)"),
    Column("updated_at", "timestamp without time zone"),
    Column("amount", "numeric(12,2)", sortkey=1),
)


def plan(**fields: str) -> MigrationPlan:
    return validate_row(MigrationRow("shared_db.s.t", "a.t", "secret", **fields)).folded()


def test_the_rows_chunk_column_comes_first() -> None:
    assert choose(plan(chunk_column="id"), SOURCE) == ChunkColumn(Identifier("id"), "INTEGER")


def test_without_one_the_leading_sort_key_is_used() -> None:
    assert choose(plan(), SOURCE) == ChunkColumn(Identifier("amount"), "DECIMAL(12,2)")


def test_schema_modes_column_is_used_where_the_table_has_it() -> None:
    assert choose(plan(), SOURCE, "updated_at") == ChunkColumn(Identifier("updated_at"), "TIMESTAMP")
    assert choose(plan(), SOURCE, "missing") == ChunkColumn(Identifier("amount"), "DECIMAL(12,2)")


def test_without_a_sort_key_the_row_loads_whole_and_says_why() -> None:
    reason = choose(plan(), SOURCE[:3])
    assert reason == "no chunk_column, and the catalog shows no sort key of the source"


def test_an_upsert_is_cut_by_a_merge_key_and_refuses_another_column() -> None:
    keyed = {"load_type": "upsert", "merge_keys": "id,region"}
    assert choose(plan(**keyed), SOURCE) == ChunkColumn(Identifier("id"), "INTEGER")
    with pytest.raises(ValidationError, match="chunk_column amount is not a merge key"):
        choose(plan(**keyed, chunk_column="amount"), SOURCE)


def test_an_incremental_row_is_cut_by_its_watermark() -> None:
    incremental = plan(load_type="incremental", watermark_column="updated_at")
    assert choose(incremental, SOURCE) == ChunkColumn(Identifier("updated_at"), "TIMESTAMP")


def test_a_missing_or_text_column_fails_the_row() -> None:
    with pytest.raises(ValidationError, match="chunk column nope is not a column of the source"):
        choose(plan(chunk_column="nope"), SOURCE)
    with pytest.raises(ValidationError, match="chunk column region is character varying"):
        choose(plan(chunk_column="region"), SOURCE)


def test_an_overwrite_is_cut_as_an_append_is() -> None:
    assert choose(plan(load_type="overwrite", chunk_column="id"), SOURCE) == ChunkColumn(Identifier("id"), "INTEGER")
    assert choose(plan(load_type="overwrite"), SOURCE) == ChunkColumn(Identifier("amount"), "DECIMAL(12,2)")
