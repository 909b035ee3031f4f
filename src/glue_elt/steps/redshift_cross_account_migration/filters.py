"""Check a ``source_filter``: exactly one SQL condition, no second statement, no comments."""

from __future__ import annotations

import sqlglot
from sqlglot import Token, TokenType, exp
from sqlglot.errors import SqlglotError

from glue_elt.core.sizes import utf8_size
from glue_elt.errors import ValidationError
from glue_elt.redshift.names import tokenize
from glue_elt.steps.redshift_cross_account_migration.limits import MAX_FILTER_BYTES, MAX_FILTER_DEPTH

NOT_A_CONDITION = (exp.Query, exp.DDL, exp.DML, exp.Command, exp.Drop, exp.Alias)


def check_filter(text: str) -> str:
    """Return ``text`` (stripped) when it is one condition in Redshift's dialect, else raise.

    The filter is sent as written, inside parentheses, after sqlglot has read it as a single
    expression: subqueries such as ``id IN (SELECT ...)`` are allowed; ``;`` outside a string literal,
    comments and whole statements are not.
    """
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
    return condition


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
