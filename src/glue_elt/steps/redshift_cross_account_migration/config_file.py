"""Parse the migration config file into ``MigrationRow`` objects.

A ``.json`` file is a JSON array of objects with the config fields (``config_json``: the error file the step writes
is one, so failed rows can be re-run as they are); anything else is separator-delimited text with RFC 4180
quoting, read by the small parser below:

- A value whose first character other than whitespace is ``"`` is a quoted value: it runs to the next ``"``
  that is not doubled; inside it ``""`` is one ``"``, and the separator and line breaks are data. Only
  whitespace may follow its closing quote before the separator or the end of the line; other text there
  (``"Analytics"."Orders"``) fails that row with a message showing how to quote the whole value.
- Any other value is literal up to the separator or the end of the line, quotes included, so
  Redshift-quoted identifiers such as ``shared_db."schema"."Order Items"`` pass through unchanged.
- Whitespace around every value is dropped. A record ends at a line break (LF or CRLF) outside quotes, so
  one record can span lines; rows report the line their record starts on. A quoted value still open at
  the end of the file is a ``ConfigError`` naming the line where it began.

Python's ``csv`` module reads the same quoting but not these rules: it silently drops the quotes of
``"Analytics"."Orders"`` (or, with ``strict``, discards the whole record), either reads an unclosed quote
to the end of the file as one value or cannot say where it began, refuses whitespace after a closing
quote and a carriage return inside a line, and caps a value at 128 KiB for the whole process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from glue_elt.errors import ConfigError
from glue_elt.steps.redshift_cross_account_migration.limits import MAX_CONFIG_BYTES, MAX_ROWS
from glue_elt.steps.redshift_cross_account_migration.model import CONFIG_FIELDS, MigrationRow

REQUIRED_COLUMNS = ("source_table", "target_table", "secret_name")
LIKELY_SEPARATORS = (",", ";", "|", "\t", "#")
QUOTE = '"'
SEPARATOR_ESCAPES = {"\\t": "\t"}
"""Separators written as an escape: ``\\t`` is a tab (the way ``--config_file_sep`` names one in a message)."""


def decode_config(data: bytes, source: str) -> str:
    """UTF-8 text of the config file (a BOM is dropped); ``ConfigError`` when it is not UTF-8 or is over
    ``MAX_CONFIG_BYTES``."""
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"config file {source} is {len(data):,} bytes; a config file may have at most {MAX_CONFIG_BYTES:,}"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"config file {source} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None


def separator(name: str, value: str) -> str:
    """``--config_file_sep``: one character, written as itself (a space or a tab too) or a tab as ``\\t``;
    whitespace around any other character is dropped. ``ConfigError`` otherwise."""
    stripped = value.strip()
    return check_separator(SEPARATOR_ESCAPES.get(stripped, stripped or value))


def check_separator(sep: str) -> str:
    """``sep`` when it can separate values: one character, not a line break or ``"``; else ``ConfigError``."""
    if len(sep) != 1 or sep in "\r\n" + QUOTE:
        raise ConfigError(
            f"--config_file_sep must be a single character other than a line break or '\"' (\\t for a tab), got {sep!r}"
        )
    return sep


def parse_config(text: str, sep: str, source: str) -> list[MigrationRow]:
    """Rows of the config ``text`` split on ``sep`` (see the module docstring for quoting); run-level
    problems raise ``ConfigError``.

    A record whose field count differs from the header's, or with text after a closing quote, becomes a
    row with ``problem`` set, so it fails alone while the other rows run. The first keeps its text as written
    (``MigrationRow.raw``) and no values: which value belongs to which column cannot be told.
    """
    check_separator(sep)
    columns: list[str] | None = None
    rows: list[MigrationRow] = []
    try:
        for record in _records(text, sep):
            if record.blank:
                continue
            if columns is None:
                columns = _header_columns(record, sep, source)
            else:
                rows.append(_row(columns, record, sep))
                check_rows(len(rows), source)
    except _UnclosedQuoteError as error:
        if columns is None:
            what = f"header field {error.index + 1}"
        elif error.index < len(columns):
            what = f"the {columns[error.index]} value"
        else:
            what = f"field {error.index + 1}"
        raise ConfigError(
            f"config file {source}: line {error.line}: {what} begins with '\"' but its closing quote is missing "
            "(a quoted value ends at the next single '\"'; write a quote inside it as '\"\"')"
        ) from None
    if columns is None:
        raise ConfigError(f"config file {source} is empty")
    if not rows:
        raise ConfigError(f"config file {source} has a header but no rows")
    return rows


@dataclass(frozen=True)
class _Record:
    """One record: its values (whitespace around them dropped), the line it starts on, its text as written,
    and the first quoted value followed by other text, as (field index, its text as written)."""

    line: int
    fields: tuple[str, ...]
    text: str
    stray: tuple[int, str] | None
    blank: bool


class _UnclosedQuoteError(Exception):
    """A quoted value still open at the end of the file: the line where it began and its field index."""

    def __init__(self, line: int, index: int) -> None:
        super().__init__(line, index)
        self.line = line
        self.index = index


def _records(text: str, sep: str) -> Iterator[_Record]:
    """The records of ``text``: values separated by ``sep``, records by LF or CRLF outside quotes."""
    stops = re.compile(f"[{re.escape(sep)}\n]")
    end = len(text)
    pos, line = 0, 1
    while pos < end:
        start, first_line = pos, line
        fields: list[str] = []
        stray: tuple[int, str] | None = None
        quoted = False
        while True:
            opening = _opening_quote(text, pos, sep)
            if opening is None:
                match = stops.search(text, pos)
                stop = match.start() if match else end
                value = text[pos:stop].strip()
            else:
                quoted = True
                value, closing = _quoted_value(text, opening, line, len(fields))
                line += text.count("\n", opening, closing)
                match = stops.search(text, closing + 1)
                stop = match.start() if match else end
                if text[closing + 1 : stop].strip():
                    value = text[pos:stop].strip()
                    stray = stray or (len(fields), value)
                else:
                    value = value.strip()
            fields.append(value)
            if stop < end and text[stop] == sep:
                pos = stop + 1
                continue
            break
        blank = not quoted and fields == [""]
        yield _Record(first_line, tuple(fields), text[start:stop], stray, blank)
        if stop < end:  # a line break ends the record
            line += 1
        pos = stop + 1


def _opening_quote(text: str, pos: int, sep: str) -> int | None:
    """Index of the ``"`` that opens a quoted value at ``pos`` (after whitespace), or ``None``."""
    end = len(text)
    while pos < end and text[pos] not in (sep, "\n") and text[pos].isspace():
        pos += 1
    return pos if pos < end and text[pos] == QUOTE else None


def _quoted_value(text: str, opening: int, line: int, index: int) -> tuple[str, int]:
    """The value quoted from ``opening`` (``""`` read as ``"``) and the index of its closing quote."""
    parts: list[str] = []
    pos = opening + 1
    while True:
        closing = text.find(QUOTE, pos)
        if closing < 0:
            raise _UnclosedQuoteError(line, index)
        parts.append(text[pos:closing])
        if text.startswith(QUOTE, closing + 1):
            parts.append(QUOTE)
            pos = closing + 2
            continue
        return "".join(parts), closing


def _header_columns(record: _Record, sep: str, source: str) -> list[str]:
    others = [s for s in LIKELY_SEPARATORS if s != sep and s in record.text]
    hint = f"; it contains {others[0]!r}: set --config_file_sep {others[0]!r}?" if others else ""
    if record.stray is not None:
        index, raw = record.stray
        raise ConfigError(
            f"config file {source}: header field {index + 1} begins with '\"' but text follows its closing "
            f"quote ({raw!r}){hint}"
        )
    columns = [column.lower() for column in record.fields]
    if len(columns) == 1:
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


def _row(columns: list[str], record: _Record, sep: str) -> MigrationRow:
    fields = list(record.fields)
    problem = None
    if len(fields) != len(columns):
        count = f"{len(fields)} field{'s' if len(fields) != 1 else ''}"
        problem = (
            f"line {record.line} has {count} but the header has {len(columns)} "
            f"(a value containing the separator {sep!r}? enclose it in double quotes)"
        )
        return MigrationRow("", "", "", line=record.line, problem=problem, raw=record.text)
    if record.stray is not None:
        index, raw = record.stray
        quoted = QUOTE + raw.replace(QUOTE, QUOTE * 2) + QUOTE
        problem = (
            f"line {record.line}: {columns[index]} begins with '\"', so it is read as a quoted value, but text "
            f"follows its closing quote in {raw!r}; to keep those quotes, enclose the whole value in double "
            f"quotes and double each quote inside it: {quoted}"
        )
    values = dict(zip(columns, fields))  # same length: checked above
    return MigrationRow(
        source_table=values.get("source_table", ""),
        target_table=values.get("target_table", ""),
        secret_name=values.get("secret_name", ""),
        source_columns=values.get("source_columns", ""),
        source_filter=values.get("source_filter", ""),
        load_type=values.get("load_type", ""),
        merge_keys=values.get("merge_keys", ""),
        watermark_column=values.get("watermark_column", ""),
        target_columns=values.get("target_columns", ""),
        chunk_column=values.get("chunk_column", ""),
        line=record.line,
        problem=problem,
    )


def check_rows(count: int, source: str) -> None:
    """``ConfigError`` when a config file has more than ``MAX_ROWS`` rows (``count`` so far)."""
    if count > MAX_ROWS:
        raise ConfigError(
            f"config file {source} has more than {MAX_ROWS:,} rows; a config file may have at most {MAX_ROWS:,}"
        )
