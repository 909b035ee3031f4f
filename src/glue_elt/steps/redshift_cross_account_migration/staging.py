"""The staging table of a chunked ``overwrite`` and the swap that makes it the target: names and SQL.

What: the chunks of a chunked overwrite are loaded, each in a committed transaction of its own, into a staging table
made like the target (``create_stage``), in the target's schema, named after the run and the config row
(``stage_name``). When every chunk is there, one short transaction (``swap_statements``) replaces the target by
renaming tables, never copying rows: ``LOCK target``; ``ALTER TABLE target RENAME TO <retired>``; ``ALTER TABLE
stage RENAME TO <target>``; the target's table privileges granted again on the new table. After it commits,
``drop_retired`` removes the old table. A stage a failed run left behind waits for the re-run of its run id, which
finds it by name; ``drop_stage`` removes one that is abandoned.

Why (sources in docs/redshift-compatibility.md, "Chunked overwrite: staging and swap"):

- ``ALTER TABLE APPEND`` moves blocks too, but cannot run "within a transaction block" and commits at once
  (dg/r_ALTER_TABLE_APPEND.html): the old rows' removal and the new rows' arrival would be two commits, so a reader
  could see an empty table or both sets. Renames run inside a transaction block (only ALTER TABLE on external tables
  and ``ALTER COLUMN … TYPE`` cannot, dg/r_ALTER_TABLE.html), so readers see the old table until the commit and the
  new one after it.
- The old table is dropped after the commit, not inside the swap: a reader waiting for a table that the swap's
  transaction dropped failed on Redshift with "could not open relation with OID" (dbt-labs/dbt-core#3112); with the
  drop moved after the commit it did not.
- ``LIKE`` copies column names, types, NOT NULL, distribution style, sort keys, encodings and BACKUP, and defaults
  only with ``INCLUDING DEFAULTS``; not primary or foreign keys (dg/r_CREATE_TABLE_NEW.html,
  dg/performing-a-deep-copy.html). The new table has no grants and belongs to its creator: AWS's own deep copy
  reads ``SVV_RELATION_PRIVILEGES`` and grants them again (dg/performing-a-deep-copy.html), as ``Grant`` does here;
  what cannot be carried over is refused before any write (``staging_checks``).

Every statement is plain text without parameters and without a result read between them, so the swap is sent as
one driver transaction or as one Data API batch alike. Every name goes through ``glue_elt.redshift.names``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from glue_elt.core.sizes import truncate_utf8, utf8_size
from glue_elt.errors import ExecutionError
from glue_elt.redshift.names import MAX_IDENTIFIER_BYTES, Identifier, TableName, fold_case, quote_identifier

MARKER = "__glue_elt_"
"""What follows the target's part of a staging table's name."""
RETIRED_MARKER = "__glue_old_"
"""The same place in the old target's name between the swap and its drop: as long as ``MARKER`` and right after the
target's part, so the two names differ early (PostgreSQL, the stand-in, keeps only 63 bytes of a name)."""
RUN_PART_BYTES = 40
"""At most this much of the run id (made safe) ends the name; a hash of the whole run id comes before it."""
_UNSAFE = re.compile(r"[^a-z0-9]+")

PRIVILEGES = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "REFERENCES", "DROP", "ALTER", "TRUNCATE"})
"""Table privileges a swap grants again: those ``SVV_RELATION_PRIVILEGES`` documents (INSERT, SELECT, UPDATE,
DELETE, REFERENCES, DROP; dg/r_SVV_RELATION_PRIVILEGES.html) and the other table privileges GRANT takes (ALTER,
TRUNCATE; dg/r_GRANT.html). Anything else is refused before any write, never written into SQL."""
GRANTEES = {"user": "", "role": "ROLE ", "group": "GROUP ", "public": ""}
"""``identity_type`` values (dg/r_SVV_RELATION_PRIVILEGES.html) and how GRANT names each (dg/r_GRANT.html)."""


def _safe(text: str) -> str:
    """``text`` lower-cased (ASCII), every run of other characters than ``a-z0-9`` made one ``_`` (so it never holds
    ``__``, and ``retired_name`` finds ``MARKER`` where ``stage_name`` put it)."""
    return _UNSAFE.sub("_", fold_case(text)).strip("_")


def stage_name(target: TableName, run_id: str, row_key: str) -> TableName:
    """The staging table of ``row_key``'s chunked overwrite in run ``run_id``: in the target's schema, named
    ``<target>__glue_elt_<8 hex of SHA-256 of the run id>_<first 8 of the row key>_<run id made safe>`` in lower case
    (ASCII, as Redshift folds), at most 127 bytes (dg/r_names.html); the target's part is cut first, never inside a
    character. The same arguments always give the same name, so a re-run of the run id finds its stage; run ids that
    read alike once made safe still differ by the hash."""
    run_hash = hashlib.sha256(run_id.encode("utf-8")).hexdigest()[:8]
    run_part = _safe(run_id)[:RUN_PART_BYTES].rstrip("_")
    tail = f"{MARKER}{run_hash}_{_safe(row_key)[:8]}" + (f"_{run_part}" if run_part else "")
    head = truncate_utf8(fold_case(target.table), MAX_IDENTIFIER_BYTES - utf8_size(tail))
    return TableName((*target.parts[:-1], Identifier(head + tail)))


def retired_name(stage: TableName) -> TableName:
    """The name the old target has between the swap's commit and ``drop_retired``: the stage's, with
    ``RETIRED_MARKER`` for ``MARKER``."""
    head, marker, rest = stage.table.rpartition(MARKER)
    if not marker:
        raise ExecutionError(f"{stage.table!r} is not a staging table's name")
    return TableName((*stage.parts[:-1], Identifier(head + RETIRED_MARKER + rest)))


def create_stage(stage: TableName, target: TableName) -> str:
    """``CREATE TABLE IF NOT EXISTS stage (LIKE target INCLUDING DEFAULTS)``: the target's columns, types, NOT NULL,
    keys, encodings and defaults (not an IDENTITY: ``staging_checks`` refuses such targets). ``IF NOT EXISTS``: a
    re-run of the run id keeps the chunks its stage already holds."""
    return f"CREATE TABLE IF NOT EXISTS {stage.local().sql()} (LIKE {target.local().sql()} INCLUDING DEFAULTS)"


@dataclass(frozen=True)
class Grant:
    """One table privilege of one identity, as ``SVV_RELATION_PRIVILEGES`` lists it."""

    privilege: str
    identity_type: str
    identity: str
    grant_option: bool = False

    @property
    def problem(self) -> str | None:
        """Why a swap cannot grant this again, or ``None``."""
        if self.privilege not in PRIVILEGES:
            return f"privilege {self.privilege!r} of {self.identity!r}"
        if self.identity_type not in GRANTEES:
            return f"identity type {self.identity_type!r} of {self.identity!r}"
        return None

    def sql(self, table: TableName) -> str:
        """``GRANT <privilege> ON TABLE table TO [ROLE |GROUP ]<identity>|PUBLIC [WITH GRANT OPTION]`` (the option
        for users only: "WITH GRANT OPTION can't be granted to a group or to PUBLIC", dg/r_GRANT.html)."""
        if self.problem is not None:
            raise ExecutionError(f"cannot grant {self.problem} again")
        if self.identity_type == "public":
            grantee = "PUBLIC"
        else:
            grantee = GRANTEES[self.identity_type] + quote_identifier(self.identity)
        option = " WITH GRANT OPTION" if self.grant_option and self.identity_type == "user" else ""
        return f"GRANT {self.privilege} ON TABLE {table.local().sql()} TO {grantee}{option}"


def swap_statements(target: TableName, stage: TableName, grants: list[Grant]) -> list[str]:
    """The swap's one transaction, in order: ``LOCK target`` (a table of the connected database; the snapshot is
    taken at the next statement, dg/c_serial_isolation.html), the old target renamed to ``retired_name(stage)``, the
    stage renamed to the target's name, then ``grants`` (read right before, ``staging_checks.read_grants``) on it.
    The caller may add its own statements (the state table's record) before the commit, and runs ``drop_retired``
    after it."""
    retired = retired_name(stage)
    return [
        f"LOCK {target.local().sql()}",
        f"ALTER TABLE {target.local().sql()} RENAME TO {quote_identifier(retired.table)}",
        f"ALTER TABLE {stage.local().sql()} RENAME TO {quote_identifier(target.table)}",
        *(grant.sql(target) for grant in grants),
    ]


def drop_retired(stage: TableName) -> str:
    """``DROP TABLE IF EXISTS <retired>``, on its own after the swap's commit (and again by a re-run that finds the
    row committed, in case the run ended between the two)."""
    return f"DROP TABLE IF EXISTS {retired_name(stage).local().sql()}"


def drop_stage(stage: TableName) -> str:
    """``DROP TABLE IF EXISTS stage``: removes an abandoned stage (a failed run's stage otherwise waits for the
    re-run of its run id)."""
    return f"DROP TABLE IF EXISTS {stage.local().sql()}"
