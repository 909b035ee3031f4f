"""local_stack.zone_maps: the trigger that gives a leading sort key column its BRIN index."""

from __future__ import annotations

from local_stack.zone_maps import zone_maps_sql


def test_only_a_leading_sort_key_column_gets_a_brin_index() -> None:
    function, trigger = zone_maps_sql("answers")
    assert "IF NEW.sortkey = 1 THEN" in function and "USING brin (%I)" in function
    assert "CREATE INDEX IF NOT EXISTS" in function  # reporting the key again keeps one index
    assert "AFTER INSERT OR UPDATE ON answers.column_sortkeys" in trigger
