"""Sizes as Redshift counts them: bytes of UTF-8, not characters.

Redshift's ``VARCHAR(n)`` and ``CHAR(n)`` hold n bytes of UTF-8, so 150 two-byte characters do not fit a
``VARCHAR(256)`` (https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html); PostgreSQL counts
characters. Every value a step writes into its own tables is checked, or cut, by these helpers.
"""

from __future__ import annotations

from glue_elt.errors import ConfigError


def utf8_size(text: str) -> int:
    """``text``'s size in bytes of UTF-8, as Redshift measures a character column's value."""
    return len(text.encode("utf-8"))


def too_long(text: str, limit: int) -> bool:
    """Whether ``text`` needs more than ``limit`` bytes of UTF-8."""
    return utf8_size(text) > limit


def size_problem(what: str, value: str, limit: int, column: str) -> str | None:
    """What is wrong when ``value`` needs more than ``limit`` bytes of ``column`` (where it is stored), else
    ``None``: ``--run_id is 300 bytes; the state table holds at most 256 bytes (UTF-8)``."""
    if not too_long(value, limit):
        return None
    return f"{what} is {utf8_size(value)} bytes; {column} holds at most {limit} bytes (UTF-8)"


def check_parameter(name: str, value: str, limit: int, column: str) -> str:
    """``value`` when it fits ``limit`` bytes of ``column``, else ``ConfigError`` naming ``--name`` (before any
    write: a parameter's parser calls this)."""
    problem = size_problem(f"--{name}", value, limit, column)
    if problem is not None:
        raise ConfigError(problem)
    return value


def truncate_utf8(text: str, limit: int) -> str:
    """The longest start of ``text`` that fits ``limit`` bytes of UTF-8, never splitting a character."""
    if not too_long(text, limit):
        return text
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
