"""Turn a ``MigrationRow`` into a ``MigrationPlan`` or a ``ValidationError`` listing every problem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from glue_elt.errors import ValidationError
from glue_elt.migration.filters import check_filter
from glue_elt.migration.names import Identifier, TableName, parse_column_list, parse_table_name
from glue_elt.migration.rows import MigrationRow

T = TypeVar("T")


class LoadType(StrEnum):
    """How a row loads its target: ``append`` adds rows, ``overwrite`` replaces them atomically."""

    APPEND = "append"
    OVERWRITE = "overwrite"


DEFAULT_LOAD_TYPE = LoadType.APPEND


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


@dataclass(frozen=True)
class MigrationPlan:
    """A validated row: parsed names, optional column list and filter, and load type."""

    row: MigrationRow
    source: TableName
    target: TableName
    columns: tuple[Identifier, ...] | None
    filter_sql: str | None
    load_type: LoadType


def validate_row(row: MigrationRow) -> MigrationPlan:
    """Validate ``row``; the ``ValidationError`` names every problem found, separated by ``;``."""
    problems: list[str] = [row.problem] if row.problem else []
    for name in ("source_table", "target_table", "secret_name"):
        if not getattr(row, name).strip():
            problems.append(f"{name} is required")

    def attempt(parse: Callable[[], T]) -> T | None:
        return _collect(problems, parse)

    source = attempt(lambda: parse_table_name(row.source_table, "source_table")) if row.source_table else None
    target = attempt(lambda: parse_table_name(row.target_table, "target_table")) if row.target_table else None
    columns = attempt(lambda: parse_column_list(row.source_columns)) if row.source_columns.strip() else None
    condition = attempt(lambda: check_filter(row.source_filter)) if row.source_filter.strip() else None
    load_type = attempt(lambda: parse_load_type(row.load_type))
    if problems or source is None or target is None or load_type is None:
        raise ValidationError("; ".join(problems))
    if source == target:
        raise ValidationError(f"source_table and target_table are the same table ({row.target_table})")
    return MigrationPlan(row, source, target, columns, condition, load_type)


def _collect(problems: list[str], parse: Callable[[], T]) -> T | None:
    """Run ``parse``; on ``ValidationError`` record its message in ``problems`` and return ``None``."""
    try:
        return parse()
    except ValidationError as error:
        problems.append(str(error))
        return None
