"""Parse a JSON config file into ``MigrationRow`` objects: an array of objects with the config fields, the form of
the error file the step writes (``outputs``), so that failed rows can be re-run as they are.

Values must be strings; ``error`` (why the row failed) is ignored; an entry with ``raw_line`` holds a line of a
separated config file that could not be split into its columns (``MigrationRow.raw``) and fails again, showing it,
until its values are put in their fields. Python's JSON reader recurses once per nesting level, so the depth is
checked first, in one pass; a ``\\ud800``-style lone surrogate (half a UTF-16 pair) fails its row, shown as U+FFFD.
"""

from __future__ import annotations

import json
import re
from typing import Any

from glue_elt.errors import ConfigError
from glue_elt.steps.redshift_cross_account_migration.config_file import REQUIRED_COLUMNS, check_rows
from glue_elt.steps.redshift_cross_account_migration.limits import MAX_JSON_DEPTH
from glue_elt.steps.redshift_cross_account_migration.model import CONFIG_FIELDS, RAW_LINE, MigrationRow

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_NESTING = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json_config(text: str, source: str) -> list[MigrationRow]:
    """Rows of a JSON config: an array of objects with the config fields (``error`` is ignored). An entry with
    ``raw_line`` (the error file's form of a line that could not be split) fails again, with that line."""
    _check_json_depth(text, source)
    try:
        document: Any = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"config file {source} is not valid JSON ({error})") from None
    if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
        raise ConfigError(f"config file {source} must be a JSON array of objects")
    if not document:
        raise ConfigError(f"config file {source} has no rows")
    check_rows(len(document), source)
    return [_json_row(item, number, source) for number, item in enumerate(document, start=1)]


def _json_row(item: dict[str, Any], number: int, source: str) -> MigrationRow:
    unknown = sorted(set(item) - set(CONFIG_FIELDS) - {"error", RAW_LINE})
    if unknown:
        raise ConfigError(f"config file {source}: entry {number} has unknown key(s) {', '.join(unknown)}")
    if item.get(RAW_LINE) is not None:
        return _raw_row(item[RAW_LINE], number, source)
    missing = [name for name in REQUIRED_COLUMNS if name not in item]
    if missing:
        raise ConfigError(f"config file {source}: entry {number} lacks {', '.join(missing)}")
    values: dict[str, Any] = {}
    problems = []
    for name in CONFIG_FIELDS:
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"config file {source}: entry {number}: {name} must be a string")
        surrogate = _SURROGATE.search(value or "")
        if surrogate:  # "\ud800" in JSON: half of a UTF-16 pair, not a character; no server or file can hold it
            problems.append(f"{name} holds a lone surrogate {surrogate.group()!r} at character {surrogate.start() + 1}")
            value = _SURROGATE.sub("\ufffd", value or "")
        values[name] = (value or "").strip()
    problem = f"entry {number}: {'; '.join(problems)} (not Unicode text; shown as U+FFFD)" if problems else None
    return MigrationRow(**values, line=None, problem=problem)


def _raw_row(raw: Any, number: int, source: str) -> MigrationRow:
    """An entry with ``raw_line``: the error file's form of a line that could not be split into columns. It fails
    again, showing that line (a lone surrogate shown as U+FFFD), whatever its other fields hold."""
    if not isinstance(raw, str):
        raise ConfigError(f"config file {source}: entry {number}: {RAW_LINE} must be a string")
    raw = _SURROGATE.sub("\ufffd", raw)
    problem = (
        f"entry {number}: {RAW_LINE} {raw!r} is a config line as written that could not be split into the "
        f"config's columns: give its values in their fields and remove {RAW_LINE}"
    )
    return MigrationRow("", "", "", problem=problem, raw=raw)


def _check_json_depth(text: str, source: str) -> None:
    """``ConfigError`` when arrays and objects nest deeper than ``MAX_JSON_DEPTH`` (Python's JSON reader recurses
    once per level and fails near 1,000); one pass over the text with its strings left out."""
    depth = 0
    for match in _JSON_NESTING.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise ConfigError(
                f"config file {source} nests arrays or objects more than {MAX_JSON_DEPTH} levels deep; a config file "
                "is a JSON array of objects whose values are strings"
            )
