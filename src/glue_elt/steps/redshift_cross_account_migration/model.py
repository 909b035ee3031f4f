"""The migration domain model: load types and overwrite modes, a row as the user gave it, its validated
plan, and the outcome of running it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from glue_elt.core.params import TextEnum
from glue_elt.errors import ValidationError
from glue_elt.redshift.names import Identifier, TableName

if TYPE_CHECKING:  # the verification's verdicts (``verify.verdict`` imports this module)
    from glue_elt.steps.redshift_cross_account_migration.verify.verdict import TableVerdict

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


@dataclass(frozen=True)
class TypeDifference:
    """A loaded column whose target type may not hold (``NARROWER``) or does not hold (``MISMATCH``) its values."""

    column: str
    source_column: str
    source_type: str
    target_type: str
    reason: str = "values may not fit"

    def document(self) -> dict[str, str]:
        """The difference as the summary shows it."""
        return {"column": self.column, "source_column": self.source_column, "source_type": self.source_type,
                "target_type": self.target_type}  # fmt: skip


@dataclass(frozen=True)
class SchemaReport:
    """How the two tables' columns differ: target columns the source lacks, left to the database (``missing``);
    source columns the target lacks, not loaded (``extra``); columns both tables have that the row's
    ``source_columns`` leave out, the target's left to the database (``left_out``); and the loaded columns whose
    types differ."""

    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    narrower: tuple[TypeDifference, ...] = ()
    mismatched: tuple[TypeDifference, ...] = ()
    left_out: tuple[str, ...] = ()

    def document(self) -> dict[str, Any]:
        """The report as the summary's per-row ``schema`` section."""
        return {
            "missing": list(self.missing),
            "extra": list(self.extra),
            "left_out": list(self.left_out),
            "narrower": [difference.document() for difference in self.narrower],
            "mismatched": [difference.document() for difference in self.mismatched],
        }


class RowStatus(TextEnum):
    """What happened to a row: loaded now, failed, skipped because this run id already loaded it, or
    (dry run) passed every check without running."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    VALID = "valid"


@dataclass(frozen=True)
class RowOutcome:
    """The result of one row: status, rows inserted, seconds taken, the error when it failed, the parsed load
    type (``None`` when the row did not validate), whether it failed because the cluster or AWS could not
    be reached, whether its load created the target, and how the source's and target's columns compare
    (``None`` when the row did not get that far)."""

    row: MigrationRow
    status: RowStatus
    rows_affected: int | None
    seconds: float
    error: str | None = None
    load_type: LoadType | None = None
    unreachable: bool = False
    created: bool = False
    schema: SchemaReport | None = None
    query_id: int | None = None
    """Redshift's query id of the load's INSERT, where the server gives one (the Data API's ``RedshiftQueryId``)."""
    chunks: tuple[int, int] | None = None
    """A chunked load's chunks committed (by this run id, now or before) and planned; ``None``: loaded whole, or
    failed before its chunk plan."""
    chunks_loaded: int = 0
    """The chunks of ``chunks`` that this process committed (the others were committed before, by the run id)."""
    ended_at: str | None = None
    """The chunk a failed chunked load ended at, as ``chunk 3/12 (id > 200 and <= 300)``; ``None`` when its chunks
    had all committed (what failed was the row's record, or its swap) or it failed before its first chunk."""
    rows_replaced: int | None = None
    """An upsert loaded now: the target rows its DELETE removed to make way for the source's (the driver's row count,
    the Data API's ``ResultRows`` of that statement); ``None`` for other loads, or when not reported."""
    stopped_by_limit: bool = False
    """Whether it failed because a time limit stopped a statement (``LimitError``: the statement timeout, a WLM
    rule), which a smaller chunk may fit."""

    @property
    def load_type_name(self) -> str:
        """The load type as parsed, else as given (``append`` when empty; ``unknown`` for a record that could not be
        split into columns)."""
        if self.row.raw is not None:
            return UNKNOWN_LOAD_TYPE
        return self.load_type.value if self.load_type else (self.row.load_type or DEFAULT_LOAD_TYPE.value)

    @property
    def succeeded(self) -> bool:
        """Whether the row's load is committed (now, or by an earlier attempt of the same run)."""
        return self.status is not RowStatus.FAILED


@dataclass(frozen=True)
class NotMigrated:
    """An object schema mode found but does not load (a view of the source schema, say), and why."""

    table: str
    reason: str


@dataclass(frozen=True)
class MigrationResult:
    """Everything a run did: its id, one outcome per row, where failed rows were written, and (schema mode) what
    the schema held that no row loads."""

    run_id: str
    outcomes: tuple[RowOutcome, ...]
    error_file: str | None = None
    output_error: str | None = None
    dry_run: bool = False
    not_migrated: tuple[NotMigrated, ...] = ()
    cancelled: bool = False
    """A stop (SIGTERM, SIGINT, ``cancel()``) ended the run early: rows it ended or never started failed as
    ``cancelled``."""
    verification: tuple[TableVerdict, ...] | None = None
    """``--verify_only`` (``glue-elt verify``): each table's verdict; the outcomes then say which tables are equal
    (succeeded) and which differ or were not verified (failed, the verdict as their error)."""

    def count(self, status: RowStatus) -> int:
        """Number of rows with ``status``."""
        return sum(1 for outcome in self.outcomes if outcome.status is status)

    @property
    def succeeded(self) -> int:
        """Number of rows loaded by this run."""
        return self.count(RowStatus.SUCCEEDED)

    @property
    def skipped(self) -> int:
        """Number of rows skipped because this run id had already committed them."""
        return self.count(RowStatus.SKIPPED)

    @property
    def failed(self) -> int:
        """Number of rows that failed."""
        return self.count(RowStatus.FAILED)

    @property
    def ok(self) -> bool:
        """True when every row succeeded and every output was written."""
        return self.failed == 0 and self.output_error is None

    @property
    def valid(self) -> int:
        """Number of rows a dry run found ready to run."""
        return self.count(RowStatus.VALID)

    def failed_rows(self) -> list[dict[str, str]]:
        """The failed rows as the error file holds them: the config fields, ``raw_line`` for a record that could not
        be split into columns (its fields empty), and ``error``."""
        return [
            {
                **outcome.row.config(),
                **({RAW_LINE: outcome.row.raw} if outcome.row.raw is not None else {}),
                "error": outcome.error or "unknown error",
            }
            for outcome in self.outcomes
            if not outcome.succeeded
        ]
