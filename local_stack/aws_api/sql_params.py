"""The Data API's named parameters (``:name`` in the SQL, ``[{"name", "value"}]`` beside it) bound for real.

Each ``:name`` outside string literals, quoted identifiers, dollar-quoted bodies and comments (and not the ``::``
of a cast) becomes a bind parameter; the values are sent as text of type *unknown*, as ``redshift_connector`` sends
Python strings, so the server infers each parameter's type from where it stands, as Redshift's Data API does with
its string values (``WHERE id = :id`` with ``"5"`` compares integers). A name used twice binds the same value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from redshift_connector.core import convert_paramstyle

from local_stack.aws_api.protocol import validation

_NAME = re.compile(r"[A-Za-z0-9_]+")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


def placeholders(sql: str) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of each ``:name`` placeholder, in order."""
    found: list[tuple[int, int, str]] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "'" or (c in "eE" and sql[i + 1 : i + 2] == "'" and not _word_char(sql, i - 1)):
            i = _skip_string(sql, i + (c != "'"), backslashes=c != "'")
        elif c == '"':
            end = sql.find('"', i + 1)
            i = n if end < 0 else end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == "$" and (tag := _DOLLAR_TAG.match(sql, i)) and not _word_char(sql, i - 1):
            end = sql.find(tag.group(), tag.end())
            i = n if end < 0 else end + len(tag.group())
        elif c == ":" and sql.startswith("::", i):
            i += 2
        elif c == ":" and (name := _NAME.match(sql, i + 1)):
            found.append((i, name.end(), name.group()))
            i = name.end()
        else:
            i += 1
    return found


def bind(sqls: Sequence[str], parameters: Sequence[dict[str, str]] | None) -> list[tuple[str, tuple[str, ...] | None]]:
    """Each statement as ``(sql in the driver's %s style, values)``; without parameters the SQL is sent as written
    (``None`` values). Every parameter must be used by some statement and every placeholder must be given."""
    if not parameters:
        return [(sql, None) for sql in sqls]
    values: dict[str, str] = {}
    for parameter in parameters:
        name, value = parameter.get("name", ""), parameter.get("value")
        if not _NAME.fullmatch(name) or not isinstance(value, str) or not value:
            raise validation(f"invalid parameter {parameter!r}: name must match [0-9a-zA-Z_]+ and value be non-empty")
        if name in values:
            raise validation(f"parameter {name} is given more than once")
        values[name] = value
    used: set[str] = set()
    bound: list[tuple[str, tuple[str, ...] | None]] = []
    for sql in sqls:
        outside = _driver_outside(sql)
        parts, expected, args, last = [], [], [], 0
        for start, end, name in placeholders(sql):
            if name not in values:
                raise validation(f"no value given for the parameter :{name} of the SQL statement")
            args.append(values[name])
            parts += [_escape_percent(sql, outside, last, start), "%s"]
            expected += [sql[last:start], f"${len(args)}"]
            used.add(name)
            last = end
        parts.append(_escape_percent(sql, outside, last, len(sql)))
        expected.append(sql[last:])
        text = "".join(parts)
        if convert_paramstyle("format", text)[0] != "".join(expected):
            raise validation(
                "the local Data API cannot bind parameters in this statement (quotes inside a dollar body?)"
            )
        bound.append((text, tuple(args)))
    unused = sorted(set(values) - used)
    if unused:
        raise validation(f"parameters not used by the SQL: {', '.join(unused)}")
    return bound


def _escape_percent(sql: str, outside: list[bool], start: int, end: int) -> str:
    """``sql[start:end]`` with each ``%`` the driver reads as a format character doubled."""
    return "".join("%%" if c == "%" and outside[start + k] else c for k, c in enumerate(sql[start:end]))


def _closes(state: str, c: str, prev: str) -> bool:
    """Whether ``c`` ends the driver's quoted identifier, ``E''`` string or comment ``state``."""
    return (
        (state == '"' and c == '"')
        or (state == "E" and c == "'" and prev != "\\")
        or (state == "-" and c == "\n")
        or (state == "*" and c == "/" and prev == "*")
    )


def _driver_outside(sql: str) -> list[bool]:
    """For each character, whether ``redshift_connector``'s format-style scanner reads it outside quotes and comments
    (its rules: ``'...'`` with doubled quotes, ``E'...'`` with backslashes, ``"..."``, ``--`` and ``/* */``)."""
    state, prev, escaped, mask = "", "", False, []
    for i, c in enumerate(sql):
        following = sql[i + 1 : i + 2]
        mask.append(state == "")
        if state == "":
            if c == "'":
                state = "E" if prev == "E" else "'"
            elif c == '"':
                state = '"'
            elif (c == "-" and prev == "-") or (c == "*" and prev == "/"):
                state = c
        elif state == "'" and c == "'":
            if escaped:
                escaped = False
            elif following == "'":
                escaped = True
            else:
                state = ""
        elif _closes(state, c, prev):
            state = ""
        prev = c
    return mask


def _word_char(sql: str, index: int) -> bool:
    return index >= 0 and (sql[index].isalnum() or sql[index] == "_")


def _skip_string(sql: str, quote: int, *, backslashes: bool) -> int:
    """The index after the string literal whose opening quote is at ``quote``."""
    i, n = quote + 1, len(sql)
    while i < n:
        if backslashes and sql[i] == "\\":
            i += 2
        elif sql[i] == "'":
            if sql[i + 1 : i + 2] == "'":
                i += 2
            else:
                return i + 1
        else:
            i += 1
    return n
