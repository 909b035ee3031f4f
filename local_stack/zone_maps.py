"""The stand-in's zone maps: a BRIN index on a table's leading sort key column, made when the column is reported as
one (``report_sortkey_sql`` in ``local_stack.redshift_views``).

Redshift "stores columnar data in 1 MB disk blocks. The min and max values for each block are stored as part of the
metadata. If a query uses a range-restricted predicate, the query processor can use the min and max values to
rapidly skip over large numbers of blocks during table scans" (dg/t_Sorting_data.html); the sort key is what makes
the skipping pay: "If you do frequent range filtering or equality filtering on one column, specify that column as the
sort key. Amazon Redshift can skip reading entire blocks of data for that column" (dg/c_best-practices-sort-key.html).
A chunk of a chunked load reads one range of its column, so on Redshift a chunk of the sort key reads about its own
blocks; the stand-in's heap has no such map, and each chunk read the whole table (issue 29's bench: 73 to 101 ms per
chunk of a 1M-row table beyond the whole load, 46 to 83 ms of it the range read).

PostgreSQL's BRIN index is the same idea: the min and max of each range of heap pages, 128 pages (1 MB) by default,
used by a bitmap scan to skip the ranges outside a predicate. It is chosen over a btree, which would find single rows
("Indexes" are among the PostgreSQL features Redshift does not support: dg/c_unsupported-postgresql-features.html).
Like a zone map it helps only as far as the table's rows are stored in the column's order (on Redshift "When data is
initially loaded into the empty table, the rows are stored on disk in sorted order", dg/t_Sorting_data.html); the
stand-in's heap is in insert order.
``autosummarize`` lets autovacuum summarize the ranges rows fill later (until then such a range is always read).

The index is made by a trigger on the answers table, whoever reports the sort key (the bench, a test, the
playground); it is named ``redshift_zone_map_<table oid>_<column number>`` and is dropped with its table.
"""

from __future__ import annotations


def zone_maps_sql(answers: str) -> list[str]:
    """Statements (as superuser, after the answers table ``<answers>.column_sortkeys`` exists) making the trigger."""
    return [
        f"""
CREATE OR REPLACE FUNCTION {answers}.zone_map() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.sortkey = 1 THEN
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING brin (%I) WITH (autosummarize = on)',
                       'redshift_zone_map_' || NEW.table_oid || '_' || NEW.column_number,
                       NEW.table_oid::regclass,
                       (SELECT attname FROM pg_attribute
                        WHERE attrelid = NEW.table_oid AND attnum = NEW.column_number));
    END IF;
    RETURN NULL;
END $$""",
        f"CREATE OR REPLACE TRIGGER zone_map AFTER INSERT OR UPDATE ON {answers}.column_sortkeys "
        f"FOR EACH ROW EXECUTE FUNCTION {answers}.zone_map()",
    ]
