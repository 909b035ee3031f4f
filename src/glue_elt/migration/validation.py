"""Turn a ``MigrationRow`` into a ``MigrationPlan`` or a ``ValidationError`` listing every problem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from glue_elt.errors import ValidationError
from glue_elt.migration.filters import check_filter
from glue_elt.migration.names import Identifier, TableName, parse_column_list, parse_table_name
from glue_elt.migration.rows import MigrationRow

T = TypeVar("T")


class LoadType(StrEnum):
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
    merge_keys: tuple[Identifier, ...] = ()
    watermark: Identifier | None = None

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
        )


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
    keys = attempt(lambda: parse_column_list(row.merge_keys, "merge_keys")) if row.merge_keys.strip() else ()
    watermark = attempt(lambda: _one_column(row.watermark_column)) if row.watermark_column.strip() else None
    problems += _load_type_problems(load_type, keys, watermark, columns)
    if problems or source is None or target is None or load_type is None:
        raise ValidationError("; ".join(problems))
    if source == target:
        raise ValidationError(f"source_table and target_table are the same table ({row.target_table})")
    return MigrationPlan(row, source, target, columns, condition, load_type, keys or (), watermark)


def _one_column(text: str) -> Identifier:
    (column, *others) = parse_column_list(text, "watermark_column")
    if others:
        raise ValidationError(f"watermark_column {text!r} must name one column")
    return column


def _load_type_problems(
    load_type: LoadType | None,
    keys: tuple[Identifier, ...] | None,
    watermark: Identifier | None,
    columns: tuple[Identifier, ...] | None,
) -> list[str]:
    """What the load type needs and does not allow."""
    problems = []
    if load_type is LoadType.INCREMENTAL and watermark is None:
        problems.append("load_type incremental needs watermark_column")
    if load_type is LoadType.UPSERT and not keys:
        problems.append("load_type upsert needs merge_keys")
    if watermark is not None and load_type not in (LoadType.INCREMENTAL, None):
        problems.append("watermark_column is only used by load_type incremental")
    if keys and load_type not in (LoadType.UPSERT, None):
        problems.append("merge_keys is only used by load_type upsert")
    for name, needed in (("merge_keys", keys or ()), ("watermark_column", (watermark,) if watermark else ())):
        missing = [c.name for c in needed if columns is not None and c not in columns]
        if missing:
            problems.append(f"{name} {', '.join(missing)} must be among source_columns")
    return problems


def _collect(problems: list[str], parse: Callable[[], T]) -> T | None:
    """Run ``parse``; on ``ValidationError`` record its message in ``problems`` and return ``None``."""
    try:
        return parse()
    except ValidationError as error:
        problems.append(str(error))
        return None
