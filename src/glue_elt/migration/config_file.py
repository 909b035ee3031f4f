"""Parse the migration config file into ``MigrationRow`` objects.

A ``.json`` file is a JSON array of objects with the config fields (the error file the step writes is
one, so failed rows can be re-run as they are); anything else is separator-delimited text.

In delimited text, values are taken literally (no CSV quoting), so Redshift-quoted identifiers such as
``shared_db."schema"."Order Items"`` pass through unchanged. The separator itself cannot occur in a
value; choose another with ``--config_file_sep`` when a filter needs it.
"""

from __future__ import annotations

import json
from typing import Any

from glue_elt.errors import ConfigError
from glue_elt.migration.model import CONFIG_FIELDS, MigrationRow

REQUIRED_COLUMNS = ("source_table", "target_table", "secret_name")
LIKELY_SEPARATORS = (",", ";", "|", "\t", "#")


def decode_config(data: bytes, source: str) -> str:
    """UTF-8 text of the config file (a BOM is dropped); ``ConfigError`` when it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"config file {source} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None


def parse_config(text: str, sep: str, source: str) -> list[MigrationRow]:
    """Rows of the config ``text`` split on ``sep``; run-level problems raise ``ConfigError``.

    A data line whose field count differs from the header's becomes a row with ``problem`` set, so it
    fails alone while the other rows run.
    """
    if len(sep) != 1 or sep in "\r\n":
        raise ConfigError(f"--config_file_sep must be a single character, got {sep!r}")
    lines = [(number, line.rstrip("\r")) for number, line in enumerate(text.split("\n"), start=1)]
    content = [(number, line) for number, line in lines if line.strip()]
    if not content:
        raise ConfigError(f"config file {source} is empty")
    header_line, *data_lines = content
    columns = _header_columns(header_line[1], sep, source)
    if not data_lines:
        raise ConfigError(f"config file {source} has a header but no rows")
    return [_row(columns, number, line, sep) for number, line in data_lines]


def _header_columns(line: str, sep: str, source: str) -> list[str]:
    columns = [column.strip().lower() for column in line.split(sep)]
    if len(columns) == 1:
        others = [s for s in LIKELY_SEPARATORS if s != sep and s in line]
        hint = f"; it contains {others[0]!r}: set --config_file_sep {others[0]!r}?" if others else ""
        raise ConfigError(
            f"config file {source}: the header has a single column with separator {sep!r}{hint} "
            f"(expected columns: {', '.join(CONFIG_FIELDS)})"
        )
    unknown = [c for c in columns if c not in CONFIG_FIELDS]
    if unknown:
        raise ConfigError(
            f"config file {source}: unknown column(s) {', '.join(map(repr, unknown))}; "
            f"known columns are {', '.join(CONFIG_FIELDS)}"
        )
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise ConfigError(f"config file {source}: duplicated column(s) {', '.join(duplicated)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ConfigError(f"config file {source}: missing required column(s) {', '.join(missing)}")
    return columns


def _row(columns: list[str], number: int, line: str, sep: str) -> MigrationRow:
    fields = [field.strip() for field in line.split(sep)]
    problem = None
    if len(fields) != len(columns):
        problem = (
            f"line {number} has {len(fields)} fields but the header has {len(columns)} "
            f"(a value containing the separator {sep!r}?)"
        )
        fields = (fields + [""] * len(columns))[: len(columns)]
    values = dict(zip(columns, fields))  # same length: padded or cut above
    return MigrationRow(
        source_table=values.get("source_table", ""),
        target_table=values.get("target_table", ""),
        secret_name=values.get("secret_name", ""),
        source_columns=values.get("source_columns", ""),
        source_filter=values.get("source_filter", ""),
        load_type=values.get("load_type", ""),
        merge_keys=values.get("merge_keys", ""),
        watermark_column=values.get("watermark_column", ""),
        line=number,
        problem=problem,
    )


def parse_json_config(text: str, source: str) -> list[MigrationRow]:
    """Rows of a JSON config: an array of objects with the config fields (``error`` is ignored)."""
    try:
        document: Any = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"config file {source} is not valid JSON ({error})") from None
    if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
        raise ConfigError(f"config file {source} must be a JSON array of objects")
    if not document:
        raise ConfigError(f"config file {source} has no rows")
    return [_json_row(item, number, source) for number, item in enumerate(document, start=1)]


def _json_row(item: dict[str, Any], number: int, source: str) -> MigrationRow:
    unknown = sorted(set(item) - set(CONFIG_FIELDS) - {"error"})
    if unknown:
        raise ConfigError(f"config file {source}: entry {number} has unknown key(s) {', '.join(unknown)}")
    missing = [name for name in REQUIRED_COLUMNS if name not in item]
    if missing:
        raise ConfigError(f"config file {source}: entry {number} lacks {', '.join(missing)}")
    values: dict[str, Any] = {}
    for name in CONFIG_FIELDS:
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"config file {source}: entry {number}: {name} must be a string")
        values[name] = (value or "").strip()
    return MigrationRow(**values)
