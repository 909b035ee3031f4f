"""The limits of a config file: what one file, one row, one field and one filter may hold.

The config file is written by people who are not the job's owner, so its size must not decide how long the run
takes or how much memory it needs: beyond these limits a file is refused (exit 2) or a row fails (exit 1),
with the limit named, before any write. Redshift's own limits are used where they exist:

- identifiers are at most 127 bytes and "must consist of only UTF-8 printable characters"
  (https://docs.aws.amazon.com/redshift/latest/dg/r_names.html), checked in ``glue_elt.redshift.names``;
- a table has at most 1,600 columns (https://docs.aws.amazon.com/redshift/latest/dg/r_CTAS_usage_notes.html,
  "Limits"), so a column list names at most 1,600;
- a statement is at most 16 MB (https://docs.aws.amazon.com/redshift/latest/dg/c_redshift-sql.html), and at
  most 100 KB through the Data API (``glue_elt.redshift.data_api.wire.MAX_STATEMENT_BYTES``): a filter is part of
  its row's statements, so its limit lies well under both.

The others are glue-elt's: reading a filter costs sqlglot about 3 s of CPU and 250 bytes of memory per KB
(a 10.9 MB filter took 35 s and 2.7 GB), and its parser recurses once per nesting level.
"""

from __future__ import annotations

MAX_CONFIG_BYTES = 16 * 1024 * 1024
"""A config file's size (16 MiB, the size of Redshift's largest statement: a file is read whole, in memory)."""
MAX_ROWS = 10_000
"""Rows of one config file (each is validated, inspected and loaded on its own; split larger work)."""
MAX_FIELD_BYTES = 1024 * 1024
"""Any one config value (1 MiB, UTF-8): room for 1,600 quoted names of 127 bytes each."""
MAX_FILTER_BYTES = 64 * 1024
"""A ``source_filter`` (64 KiB, UTF-8): parsed in well under a second, and fits the Data API's 100 KB statements."""
MAX_FILTER_DEPTH = 32
"""Parentheses open at once in a ``source_filter`` (function calls and subqueries included)."""
MAX_COLUMNS = 1_600
"""Names in ``source_columns``, ``target_columns`` or ``merge_keys``: Redshift's columns per table."""
MAX_JSON_DEPTH = 2
"""Nesting of a JSON config: an array (1) of objects (2) whose values are strings."""
