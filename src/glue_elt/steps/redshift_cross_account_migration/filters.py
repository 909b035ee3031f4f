"""Check a ``source_filter``: exactly one SQL condition, no second statement, no comments."""

from __future__ import annotations

import sqlglot
from sqlglot import TokenType, exp
from sqlglot.errors import SqlglotError

from glue_elt.errors import ValidationError
from glue_elt.redshift.names import tokenize

NOT_A_CONDITION = (exp.Query, exp.DDL, exp.DML, exp.Command, exp.Drop, exp.Alias)


def check_filter(text: str) -> str:
    """Return ``text`` (stripped) when it is one condition in Redshift's dialect, else raise.

    The filter is sent as written, inside parentheses, after sqlglot has read it as a single
    expression: subqueries such as ``id IN (SELECT ...)`` are allowed; ``;`` outside a string literal,
    comments and whole statements are not.
    """
    condition = text.strip()
    tokens = tokenize(condition, "source_filter")
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
    if len(expressions) != 1 or isinstance(expressions[0], NOT_A_CONDITION):
        raise ValidationError(f"source_filter {text!r} must be a single condition, not a statement")
    return condition
