"""Table and column names: parsed with sqlglot's Redshift tokenizer, always emitted quoted.

A name is accepted only as dot-separated identifiers: unquoted words (letters, digits, ``_``, ``$``,
not starting with a digit) or double-quoted identifiers (``""`` escapes a quote). Unquoted words are
lower-cased, as Redshift folds them; quoted ones keep their exact text until the step knows how the
server treats them (``Identifier.folded``: Redshift folds quoted names too unless
``enable_case_sensitive_identifier`` is on). ``quote_identifier`` is the only way a name reaches SQL, so no
config value can close a quote or add a statement.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

import sqlglot
from sqlglot import Token, TokenType, exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.generator import Generator

from glue_elt.errors import ValidationError

MAX_IDENTIFIER_BYTES = 127
UNQUOTED = re.compile(r"[^\W\d][\w$]*")
NOT_PRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters and lone surrogates: Redshift identifiers "must consist of only UTF-8 printable characters"
(dg/r_names.html); PostgreSQL takes no NUL at all, in a name or a query's text."""
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_case(name: str) -> str:
    """``name`` with its ASCII letters lower-cased, as Redshift folds identifiers (other letters stay)."""
    return name.translate(_ASCII_LOWER)


_local = threading.local()


def _generator() -> Generator:
    """sqlglot's Redshift SQL generator, one per thread (building one per call costs ten times more)."""
    if not hasattr(_local, "generator"):
        _local.generator = Dialect.get_or_raise("redshift").generator()
    generator: Generator = _local.generator
    return generator


@functools.lru_cache(maxsize=8192)
def quote_identifier(name: str) -> str:
    """``name`` as a double-quoted Redshift identifier (embedded quotes doubled), by sqlglot."""
    return _generator().sql(exp.to_identifier(name, quoted=True))


def quote_literal(value: str) -> str:
    """``value`` as a SQL string literal that reads the same on Redshift and PostgreSQL: quotes doubled, and each
    backslash (an escape character in Redshift's literals, plain text in PostgreSQL's) written as ``CHR(92)``."""
    return " || CHR(92) || ".join("'" + part.replace("'", "''") + "'" for part in value.split("\\"))


@dataclass(frozen=True)
class Identifier:
    """One identifier, stored as the catalog spells it."""

    name: str

    def sql(self) -> str:
        """The quoted SQL form."""
        return quote_identifier(self.name)

    def folded(self) -> Identifier:
        """The identifier as a server that folds quoted names resolves it (ASCII lower case)."""
        return Identifier(fold_case(self.name))


@dataclass(frozen=True)
class TableName:
    """A ``[database.]schema.table`` name."""

    parts: tuple[Identifier, ...]

    @property
    def schema(self) -> str:
        """The schema's catalog name."""
        return self.parts[-2].name

    @property
    def table(self) -> str:
        """The table's catalog name."""
        return self.parts[-1].name

    @property
    def database(self) -> str | None:
        """The database part of a three-part name (``None`` for ``schema.table``)."""
        return self.parts[0].name if len(self.parts) == 3 else None

    def folded(self) -> TableName:
        """The name as a server that folds quoted names resolves it."""
        return TableName(tuple(part.folded() for part in self.parts))

    def local(self) -> TableName:
        """``schema.table`` without the database part (for the connected database's own functions)."""
        return TableName(self.parts[-2:])

    def sql(self) -> str:
        """The quoted, dot-joined SQL form."""
        return ".".join(part.sql() for part in self.parts)


def tokenize(text: str, what: str) -> list[Token]:
    """sqlglot's Redshift tokens of ``text``; ``ValidationError`` naming ``what`` when it cannot."""
    try:
        return sqlglot.tokenize(text, read="redshift")
    except SqlglotError:
        raise ValidationError(f"{what} {text!r} cannot be read as SQL (unbalanced quotes?)") from None


def _identifier(token: Token, text: str, what: str) -> Identifier:
    if token.comments:
        raise ValidationError(f"{what} {text!r} must not contain comments")
    if token.token_type is TokenType.IDENTIFIER:
        name = token.text
    elif UNQUOTED.fullmatch(token.text) and text[token.start : token.end + 1] == token.text:
        name = fold_case(token.text)
    else:
        raise ValidationError(f"{what} {text!r}: {token.text!r} is not an identifier")
    if not name:
        raise ValidationError(f"{what} {text!r} contains an empty identifier")
    unprintable = NOT_PRINTABLE.search(name)
    if unprintable:
        raise ValidationError(
            f"{what} {text!r}: U+{ord(unprintable.group()):04X} is not a printable character (Redshift names hold "
            "only printable UTF-8 characters)"
        )
    if len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise ValidationError(f"{what} {text!r}: identifier longer than {MAX_IDENTIFIER_BYTES} bytes")
    return Identifier(name)


def _dotted(tokens: list[Token], text: str, what: str) -> list[Identifier]:
    words = tokens[0::2]
    dots = tokens[1::2]
    if not tokens or len(tokens) % 2 == 0 or any(t.token_type is not TokenType.DOT for t in dots):
        raise ValidationError(f"{what} {text!r} is not a dot-separated name")
    return [_identifier(token, text, what) for token in words]


def parse_table_name(text: str, what: str) -> TableName:
    """Parse a 2-part (``schema.table``) or 3-part (``database.schema.table``) name."""
    parts = _dotted(tokenize(text, what), text, what)
    if len(parts) not in (2, 3):
        raise ValidationError(
            f"{what} {text!r} must be schema.table or database.schema.table ({len(parts)} part(s) given)"
        )
    return TableName(tuple(parts))


def parse_schema_name(text: str, what: str, max_parts: int) -> tuple[Identifier, ...]:
    """Parse a schema name of 1 to ``max_parts`` parts (e.g. ``shared_db.sales``)."""
    parts = _dotted(tokenize(text, what), text, what)
    if len(parts) > max_parts:
        raise ValidationError(f"{what} {text!r} has {len(parts)} parts; at most {max_parts} allowed")
    return tuple(parts)


def parse_column_list(text: str, what: str = "source_columns") -> tuple[Identifier, ...]:
    """Parse ``a, b, "Mixed Case"`` into identifiers; duplicates are rejected."""
    tokens = tokenize(text, what)
    groups: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type is TokenType.COMMA:
            groups.append([])
        else:
            groups[-1].append(token)
    columns: list[Identifier] = []
    for group in groups:
        if len(group) != 1:
            raise ValidationError(f"{what} {text!r} must be a comma-separated list of column names")
        columns.append(_identifier(group[0], text, what))
    seen: set[str] = set()
    duplicated: set[str] = set()
    for column in columns:  # one pass: a count() per name took 77 s for 100,000 names
        (duplicated if column.name in seen else seen).add(column.name)
    if duplicated:
        raise ValidationError(f"{what} {text!r} names column(s) more than once: {', '.join(sorted(duplicated))}")
    return tuple(columns)


def display_identifier(name: str) -> str:
    """``name`` as a user would write it: bare when Redshift would fold it to itself, else quoted."""
    if UNQUOTED.fullmatch(name) and name == fold_case(name):
        return name
    return quote_identifier(name)
