"""The migration domain model: load types and overwrite modes, a row as the user gave it, and its validated
plan (what running it gave: ``results``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

from glue_elt.core.params import TextEnum
from glue_elt.errors import ValidationError
from glue_elt.redshift.names import Identifier, TableName

CONFIG_FIELDS = (
    "source_table",
    "source_columns",
    "source_filter",
    "target_table",
    "secret_name",
    "load_type",
    "merge_keys",
    "watermark_column",
    "target_columns",
    "chunk_column",
)
"""The config file's columns, in the documented order (the last four are optional additions to the
original six); the error file repeats them, so it can be used as a config file."""
RAW_LINE = "raw_line"
"""The error file's key for a config line that could not be split into columns (``MigrationRow.raw``), as written."""
KEYED_WHEN_GIVEN = ("target_columns",)
"""Fields added after row keys were first stored: part of a row's key only when given, so that the key of every row
written before them stays what it was (a re-run of the same run id must recognise its committed rows)."""
NOT_KEYED = ("chunk_column",)
"""Fields that change how a row is loaded, not what: never part of its key, so a re-run that names another chunk
column still finds what the row committed (a row keeps the chunk plan it was first loaded on: ``chunk_store``)."""


class LoadType(TextEnum):
    """How a row loads its target.

    ``append`` adds rows; ``overwrite`` replaces them; ``incremental`` adds the source rows whose
    ``watermark_column`` is above the target's maximum; ``upsert`` replaces rows whose ``merge_keys``
    match and adds the others.
    """

    APPEND = "append"
    OVERWRITE = "overwrite"
    INCREMENTAL = "incremental"
    UPSERT = "upsert"


DEFAULT_LOAD_TYPE = LoadType.APPEND
UNKNOWN_LOAD_TYPE = "unknown"
"""The load type shown for a record that could not be split into columns (``MigrationRow.raw``): none was given."""
RAW_SHOWN = 80
"""At most this many characters of such a record in a log line (the summary and the error file hold all of it)."""


def parse_load_type(value: str) -> LoadType:
    """The load type named by ``value`` (case-insensitive; empty means ``append``)."""
    word = value.strip().lower()
    if not word:
        return DEFAULT_LOAD_TYPE
    try:
        return LoadType(word)
    except ValueError:
        known = ", ".join(t.value for t in LoadType)
        raise ValidationError(f"load_type {value!r} is not supported (use one of: {known})") from None


class Verify(TextEnum):
    """What a load checks in its transaction before it commits (``--verify``): nothing, the number of rows
    (``append``/``overwrite``), or the rows' content by count and checksum (every load type)."""

    NONE = "none"
    COUNTS = "counts"
    CONTENT = "content"


class OverwriteMode(TextEnum):
    """How ``overwrite`` empties the target: ``delete`` (atomic, default) or ``truncate`` (fast, not atomic)."""

    DELETE = "delete"
    TRUNCATE = "truncate"


@dataclass(frozen=True)
class MigrationRow:
    """One row of migration config, values exactly as given (empty string = not given).

    ``line`` is the config file line (``None`` in schema mode and for a JSON config); ``problem`` is set when the
    row cannot run as given. ``raw`` is the record as written when it could not be split into the header's columns
    (another number of fields): its values are then all empty, never guessed, so that no log line, summary or error
    file shows a value in a field it was not written for.
    """

    source_table: str
    target_table: str
    secret_name: str
    source_columns: str = ""
    source_filter: str = ""
    load_type: str = ""
    merge_keys: str = ""
    watermark_column: str = ""
    target_columns: str = ""
    chunk_column: str = ""
    line: int | None = None
    problem: str | None = None
    raw: str | None = None

    def config(self) -> dict[str, str]:
        """The config fields as given, in documented order."""
        return {name: getattr(self, name) for name in CONFIG_FIELDS}

    @property
    def label(self) -> str:
        """A short name for logs: the target table, with the config line when known; for a record that could not be
        split, its line and its text as written (cut at ``RAW_SHOWN`` characters)."""
        if self.raw is not None:
            shown = self.raw if len(self.raw) <= RAW_SHOWN else self.raw[: RAW_SHOWN - 1] + "…"
            return f"{'raw_line' if self.line is None else f'line {self.line}'} {shown!r}"
        target = self.target_table or "<no target_table>"
        return target if self.line is None else f"{target} (line {self.line})"


@dataclass(frozen=True)
class MigrationPlan:
    """A validated row: parsed names, optional column list and filter, and load type."""

    row: MigrationRow
    source: TableName
    target: TableName
    columns: tuple[Identifier, ...] | None
    filter_sql: str | None
    load_type: LoadType
    merge_keys: tuple[Identifier, ...] = ()
    watermark: Identifier | None = None
    target_columns: tuple[Identifier, ...] | None = None
    chunk_column: Identifier | None = None

    def folded(self) -> MigrationPlan:
        """The plan with every name as a server that folds quoted identifiers resolves it (Redshift unless
        ``enable_case_sensitive_identifier`` is on): the same SQL there, and catalog look-ups that match."""
        return replace(
            self,
            source=self.source.folded(),
            target=self.target.folded(),
            columns=None if self.columns is None else tuple(c.folded() for c in self.columns),
            merge_keys=tuple(key.folded() for key in self.merge_keys),
            watermark=None if self.watermark is None else self.watermark.folded(),
            target_columns=None if self.target_columns is None else tuple(c.folded() for c in self.target_columns),
            chunk_column=None if self.chunk_column is None else self.chunk_column.folded(),
        )


def row_keys(rows: list[MigrationRow]) -> list[str]:
    """A stable identity per row: a hash of its config fields and its occurrence among equal rows.

    Unchanged rows keep their key between runs (and between releases: ``KEYED_WHEN_GIVEN``); an edited row gets a
    new one.
    """
    seen: dict[str, int] = {}
    keys = []
    for row in rows:
        config = {
            name: value
            for name, value in row.config().items()
            if (value or name not in KEYED_WHEN_GIVEN) and name not in NOT_KEYED
        }
        fields = json.dumps(config, sort_keys=True)
        occurrence = seen.get(fields, 0)
        seen[fields] = occurrence + 1
        keys.append(hashlib.sha256(f"{fields}#{occurrence}".encode()).hexdigest())
    return keys
