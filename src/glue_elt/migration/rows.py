"""A migration row as the user gave it, and the outcome of running it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum

CONFIG_FIELDS = (
    "source_table",
    "source_columns",
    "source_filter",
    "target_table",
    "secret_name",
    "load_type",
    "merge_keys",
    "watermark_column",
)
"""The config file's columns, in the documented order (the last two are optional additions to the
original six); the error file repeats them, so it can be used as a config file."""


@dataclass(frozen=True)
class MigrationRow:
    """One row of migration config, values exactly as given (empty string = not given).

    ``line`` is the config file line (``None`` in schema mode); ``problem`` is set when the line could
    not be split into the header's columns.
    """

    source_table: str
    target_table: str
    secret_name: str
    source_columns: str = ""
    source_filter: str = ""
    load_type: str = ""
    merge_keys: str = ""
    watermark_column: str = ""
    line: int | None = None
    problem: str | None = None

    def config(self) -> dict[str, str]:
        """The config fields as given, in documented order."""
        return {name: getattr(self, name) for name in CONFIG_FIELDS}

    @property
    def label(self) -> str:
        """A short name for logs: the target table, with the config line when known."""
        target = self.target_table or "<no target_table>"
        return target if self.line is None else f"{target} (line {self.line})"


def row_keys(rows: list[MigrationRow]) -> list[str]:
    """A stable identity per row: a hash of its six config fields and its occurrence among equal rows.

    Unchanged rows keep their key between runs; an edited row gets a new one.
    """
    seen: dict[str, int] = {}
    keys = []
    for row in rows:
        fields = json.dumps(row.config(), sort_keys=True)
        occurrence = seen.get(fields, 0)
        seen[fields] = occurrence + 1
        keys.append(hashlib.sha256(f"{fields}#{occurrence}".encode()).hexdigest())
    return keys


class RowStatus(StrEnum):
    """What happened to a row: loaded now, failed, skipped because this run id already loaded it, or
    (dry run) passed every check without running."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    VALID = "valid"


@dataclass(frozen=True)
class RowOutcome:
    """The result of one row: status, rows inserted, seconds taken, and the error when it failed."""

    row: MigrationRow
    status: RowStatus
    rows_affected: int | None
    seconds: float
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the row's load is committed (now, or by an earlier attempt of the same run)."""
        return self.status is not RowStatus.FAILED


@dataclass(frozen=True)
class MigrationResult:
    """Everything a run did: its id, one outcome per row, and where failed rows were written."""

    run_id: str
    outcomes: tuple[RowOutcome, ...]
    error_file: str | None = None
    output_error: str | None = None
    dry_run: bool = False

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
        """The failed rows as the error file holds them: the config fields plus ``error``."""
        return [
            {**outcome.row.config(), "error": outcome.error or "unknown error"}
            for outcome in self.outcomes
            if not outcome.succeeded
        ]
