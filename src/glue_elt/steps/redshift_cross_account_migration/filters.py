"""Check a ``source_filter`` and write the SQL that is sent for it: exactly one condition, re-rendered from its parse.

Why: the database must run what was checked. The user's text is read by sqlglot as Redshift reads it (``\\'`` is an
escaped quote in a Redshift string literal); a server that reads literals otherwise (PostgreSQL with
``standard_conforming_strings`` on) once ended the string at ``\\`` and ran the rest, a ``UNION`` over ``pg_user``,
as SQL. So the text sent is sqlglot's rendering of the checked tree, never the user's text: quotes doubled (``''``),
backslashes doubled (``\\\\``), so every reader ends each literal where sqlglot did, and the rendering must parse
back to the same tree. Redshift's literal rules: docs/redshift-compatibility.md, "String literals and functions in
a filter".
"""

from __future__ import annotations

import sqlglot
from sqlglot import Token, TokenType, exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.generator import Generator

from glue_elt.core.sizes import utf8_size
from glue_elt.errors import ValidationError
from glue_elt.redshift.names import tokenize
from glue_elt.steps.redshift_cross_account_migration.filter_functions import check_functions
from glue_elt.steps.redshift_cross_account_migration.limits import MAX_FILTER_BYTES, MAX_FILTER_DEPTH

NOT_A_CONDITION = (exp.Query, exp.DDL, exp.DML, exp.Command, exp.Drop, exp.Alias)
OTHER_STRINGS = (exp.ByteString, exp.RawString, exp.UnicodeString, exp.National, exp.HexString, exp.BitString)
"""String forms other than ``'…'`` (``E'…'``, ``$$…$$``, ``U&'…'``, ``N'…'``, …): refused, so one rule reads them."""


_REDSHIFT_GENERATOR: type[Generator] = Dialect.get_or_raise("redshift").generator_class


class _FilterGenerator(_REDSHIFT_GENERATOR):  # type: ignore[valid-type,misc]
    """Redshift's SQL generator, writing an embedded quote as ``''`` (not ``\\'``), as every reader reads it."""

    def literal_sql(self, expression: exp.Literal) -> str:
        if not expression.is_string:
            return str(super().literal_sql(expression))
        return "'" + str(self.escape_str(expression.this or "", escaped_delimiter="''")) + "'"


def check_filter(text: str) -> str:
    """Return the SQL to send for ``text`` when it is one condition in Redshift's dialect, else raise.

    The result is the condition re-rendered from its parse (sent inside parentheses). Subqueries such as
    ``id IN (SELECT ...)`` are allowed; ``;`` outside a string literal, comments, whole statements, strings other
    than ``'…'`` and functions outside the allow-list (``filter_functions``) are not."""
    condition = text.strip()
    _check_size(condition)
    tokens = tokenize(condition, "source_filter")
    _check_depth(tokens)
    if any(token.token_type is TokenType.SEMICOLON for token in tokens):
        raise ValidationError(f"source_filter {text!r} must not contain ';' outside a string literal")
    if any(token.comments for token in tokens):
        raise ValidationError(f"source_filter {text!r} must not contain comments")
    if any(token.token_type is TokenType.WHERE for token in tokens[:1]):
        raise ValidationError(f"source_filter {text!r} must be a condition without the WHERE keyword")
    try:
        expressions = [e for e in sqlglot.parse(condition, read="redshift") if e is not None]
    except SqlglotError:
        raise ValidationError(f"source_filter {text!r} is not a valid SQL condition") from None
    except RecursionError:  # nesting without parentheses (NOT NOT ..., CASE in CASE ...) deeper than Python goes
        raise ValidationError(
            f"source_filter is nested too deeply to be read (at most {MAX_FILTER_DEPTH} levels)"
        ) from None
    if len(expressions) != 1 or isinstance(expressions[0], NOT_A_CONDITION):
        raise ValidationError(f"source_filter {text!r} must be a single condition, not a statement")
    (tree,) = expressions
    if tree.find(*OTHER_STRINGS):
        raise ValidationError(f"source_filter {text!r} may write strings only as '…' (quotes inside doubled)")
    try:
        check_functions(tree, text)
        return render(tree, text)
    except RecursionError:  # a tree sqlglot read but cannot walk or write back within Python's stack
        raise ValidationError(
            f"source_filter is nested too deeply to be read (at most {MAX_FILTER_DEPTH} levels)"
        ) from None


def render(tree: exp.Expr, text: str) -> str:
    """``tree`` (the parse of ``source_filter`` ``text``) as Redshift SQL that parses back to the same tree."""
    sql = str(_FilterGenerator(dialect="redshift").generate(tree))
    try:
        same = sqlglot.parse_one(sql, read="redshift") == tree
    except SqlglotError:
        same = False
    if not same:
        raise ValidationError(
            f"source_filter {text!r} cannot be sent as it was checked: sqlglot writes it as {sql!r}, which reads "
            "back differently (for a cast to text write ::varchar)"
        )
    return sql


def _check_size(condition: str) -> None:
    """``ValidationError`` when ``condition`` is over ``MAX_FILTER_BYTES`` (before it is read: reading costs time)."""
    size = utf8_size(condition)
    if size > MAX_FILTER_BYTES:
        raise ValidationError(
            f"source_filter is {size:,} bytes; a filter may have at most {MAX_FILTER_BYTES:,} bytes (UTF-8)"
        )


def _check_depth(tokens: list[Token]) -> None:
    """``ValidationError`` when more than ``MAX_FILTER_DEPTH`` parentheses are open at once (sqlglot's parser
    recurses once per level, and Python's stack ends near 50)."""
    depth = 0
    for token in tokens:
        if token.token_type is TokenType.L_PAREN:
            depth += 1
            if depth > MAX_FILTER_DEPTH:
                raise ValidationError(
                    f"source_filter nests parentheses more than {MAX_FILTER_DEPTH} deep (at most {MAX_FILTER_DEPTH})"
                )
        elif token.token_type is TokenType.R_PAREN:
            depth -= 1
