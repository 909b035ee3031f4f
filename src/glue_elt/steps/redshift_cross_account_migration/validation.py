"""Turn a ``MigrationRow`` into a ``MigrationPlan`` or a ``ValidationError`` listing every problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from glue_elt.core.sizes import size_problem, utf8_size
from glue_elt.errors import ValidationError
from glue_elt.redshift.names import Identifier, display_identifier, parse_column_list, parse_table_name
from glue_elt.redshift.nearby import closest
from glue_elt.redshift.state import TARGET_TABLE_BYTES
from glue_elt.steps.redshift_cross_account_migration.filters import check_filter
from glue_elt.steps.redshift_cross_account_migration.limits import MAX_COLUMNS, MAX_FIELD_BYTES
from glue_elt.steps.redshift_cross_account_migration.model import (
    CONFIG_FIELDS,
    LoadType,
    MigrationPlan,
    MigrationRow,
    parse_load_type,
)

T = TypeVar("T")


def validate_row(row: MigrationRow) -> MigrationPlan:
    """Validate ``row``; the ``ValidationError`` names every problem found, separated by ``;``.

    A row the config file could not split into its columns (``problem`` set) fails with that one message:
    its values are misaligned, so checking them would only add errors that follow from it."""
    if row.problem:
        raise ValidationError(row.problem)
    problems = _field_problems(row)
    if problems:  # checked first: nothing else reads a value too large or one no server can hold
        raise ValidationError("; ".join(problems))
    for name in ("source_table", "target_table", "secret_name"):
        if not getattr(row, name).strip():
            problems.append(f"{name} is required")

    def attempt(parse: Callable[[], T]) -> T | None:
        return _collect(problems, parse)

    source = attempt(lambda: parse_table_name(row.source_table, "source_table")) if row.source_table else None
    target = attempt(lambda: parse_table_name(row.target_table, "target_table")) if row.target_table else None
    too_long = size_problem("target_table", row.target_table, TARGET_TABLE_BYTES, "the state table")
    problems += [too_long] if too_long else []  # the state table records target_table as given
    columns = (
        attempt(lambda: _column_list(row.source_columns, "source_columns")) if row.source_columns.strip() else None
    )
    renamed = attempt(lambda: _target_columns(row, columns)) if row.target_columns.strip() else None
    condition = attempt(lambda: check_filter(row.source_filter)) if row.source_filter.strip() else None
    load_type = attempt(lambda: parse_load_type(row.load_type))
    keys = attempt(lambda: _column_list(row.merge_keys, "merge_keys")) if row.merge_keys.strip() else ()
    watermark = attempt(lambda: _one_column(row.watermark_column)) if row.watermark_column.strip() else None
    chunk = attempt(lambda: _one_column(row.chunk_column, "chunk_column")) if row.chunk_column.strip() else None
    problems += _load_type_problems(load_type, keys, watermark, columns)
    if problems or source is None or target is None or load_type is None:
        raise ValidationError("; ".join(problems))
    if source == target:
        raise ValidationError(f"source_table and target_table are the same table ({row.target_table})")
    return MigrationPlan(row, source, target, columns, condition, load_type, keys or (), watermark, renamed, chunk)


def _target_columns(row: MigrationRow, columns: tuple[Identifier, ...] | None) -> tuple[Identifier, ...]:
    """``target_columns``: the target's names of ``source_columns``, as many and in the same order."""
    if not row.source_columns.strip():
        raise ValidationError("target_columns needs source_columns (the source columns they receive, in order)")
    renamed = _column_list(row.target_columns, "target_columns")
    if columns is not None and len(renamed) != len(columns):
        raise ValidationError(
            f"target_columns names {len(renamed)} column(s) but source_columns {len(columns)}: give one target "
            "column for each source column, in the same order"
        )
    return renamed


def _field_problems(row: MigrationRow) -> list[str]:
    """Values over ``MAX_FIELD_BYTES``, or holding a NUL character (PostgreSQL and Redshift take none in a name
    or a statement's text: sent in a query shared by the secret's rows, it failed every one of them)."""
    problems = []
    for name in CONFIG_FIELDS:
        value: str = getattr(row, name)
        if "\x00" in value:
            problems.append(f"{name} contains a NUL character (U+0000) at character {value.index(chr(0)) + 1}")
        elif utf8_size(value) > MAX_FIELD_BYTES:
            size = utf8_size(value)
            problems.append(
                f"{name} is {size:,} bytes; a config value may have at most {MAX_FIELD_BYTES:,} bytes (UTF-8)"
            )
    return problems


def _column_list(text: str, what: str) -> tuple[Identifier, ...]:
    """``parse_column_list``, refusing more than ``MAX_COLUMNS`` names (Redshift's columns per table)."""
    columns = parse_column_list(text, what)
    if len(columns) > MAX_COLUMNS:
        raise ValidationError(
            f"{what} names {len(columns):,} columns; a table has at most {MAX_COLUMNS:,} columns (Redshift's limit)"
        )
    return columns


def _one_column(text: str, what: str = "watermark_column") -> Identifier:
    (column, *others) = parse_column_list(text, what)
    if others:
        raise ValidationError(f"{what} {text!r} must name one column")
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
    listed = None if columns is None else set(columns)
    for name, needed in (("merge_keys", keys or ()), ("watermark_column", (watermark,) if watermark else ())):
        missing = [c.name for c in needed if listed is not None and c not in listed]
        if missing:
            meant = [m for m in (closest(c, [column.name for column in listed or ()]) for c in missing) if m]
            hint = f" (did you mean {', '.join(display_identifier(m) for m in meant)}?)" if meant else ""
            problems.append(f"{name} {', '.join(missing)} must be among source_columns{hint}")
    return problems


def _collect(problems: list[str], parse: Callable[[], T]) -> T | None:
    """Run ``parse``; on ``ValidationError`` record its message in ``problems`` and return ``None``."""
    try:
        return parse()
    except ValidationError as error:
        problems.append(str(error))
        return None
