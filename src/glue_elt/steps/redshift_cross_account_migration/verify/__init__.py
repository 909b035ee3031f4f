"""``glue-elt verify`` (``--verify_only true``): is each row's target equal to its filtered source? Read-only.

For every row of a config file or of schema mode, both sides' count and checksum (``glue_elt.redshift.checksum``, the
figures ``--verify content`` checks a load with) in one query; where they differ, ranges of one column narrowed down
by bisection, a bounded number of queries more (reladiff's method, erezsh/reladiff docs/technical-explanation.md).
Nothing is written on the cluster: no LOCK, no state or plan table read or created, no temporary table; only
``SELECT``s, each in autocommit.

The parts: ``tables`` (what each row compares, from the catalog), ``statements`` (the SQL), ``keys`` (the
bisection column's values), ``bisection`` (where the sides differ, pure), ``run`` (the queries, per table),
``verdict`` (a table's result as a line and a report entry) and ``report`` (the run's outputs).
"""
