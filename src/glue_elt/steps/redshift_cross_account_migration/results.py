"""What a migration run gave: per row its outcome (status, rows, error, chunks, how its columns compared), and the
run's result (the outcomes, the error file, what schema mode left out, ``glue-elt verify``'s verdicts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from glue_elt.core.params import TextEnum
from glue_elt.steps.redshift_cross_account_migration.model import (
    DEFAULT_LOAD_TYPE,
    RAW_LINE,
    UNKNOWN_LOAD_TYPE,
    LoadType,
    MigrationRow,
)

if TYPE_CHECKING:  # the verification's verdicts (``verify.verdict`` imports this module)
    from glue_elt.steps.redshift_cross_account_migration.verify.verdict import TableVerdict


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
