"""The Redshift behaviours the stand-in imitates where PostgreSQL differs: one definition of each rule, used by the
front door (``local_stack.front_door``, every client at the wire) and the local Data API (``local_stack.aws_api``).

Why: the CLI, the demo, the playground and the tests must meet the same answers a Redshift cluster gives, or a
behaviour tested here would not be the one users meet. Each rule and its source
(docs/redshift-compatibility.md, "The stand-in's front door"):

- ``SET query_group TO 'x'`` (dg/r_query_group.html), which PostgreSQL refuses (42704), is sent as
  ``SET application_name TO 'x'``, the session label ``pg_stat_activity`` and the statement log show;
  ``RESET query_group`` (dg/r_RESET.html) as ``RESET application_name``.
- ``SHOW enable_case_sensitive_identifier`` answers ``off``, Redshift's default, or what the session, role or
  database set (dg/r_enable_case_sensitive_identifier.html); PostgreSQL has no such setting, so it is kept as the
  custom setting ``redshift.enable_case_sensitive_identifier`` (``SET``/``RESET`` it like the real one, or
  ``ALTER DATABASE d SET redshift.enable_case_sensitive_identifier = on``).
- A missing schema is ``schema "x" does not exist``, SQLSTATE 3F000, where PostgreSQL 16 says
  ``relation "x.t" does not exist``, 42P01 (awslabs/amazon-redshift-utils#490).
- A transaction whose first statement (``SET``/``RESET``/``SHOW`` aside) only reads a data share (a ``SELECT``
  naming ``"shared_db".``) is refused with "Datashare writes are not authorized", as a consumer cluster refused one
  opened by the driver (aws/amazon-redshift-python-driver#247; the payload's SQLSTATE is not public: Redshift's
  generic XX000 here).
- ``APPROXIMATE PERCENTILE_DISC(p) WITHIN GROUP (ORDER BY x)`` (dg/r_APPROXIMATE_PERCENTILE_DISC.html), which
  PostgreSQL cannot parse, is sent as PostgreSQL's ordered-set aggregate ``PERCENTILE_DISC(p) WITHIN GROUP (ORDER BY
  x)``: the same definition (the value with the smallest cumulative distribution that is >= p, NULLs ignored, the
  type of ``x`` returned), but **exact** where Redshift approximates ("a low relative error of around 0.5
  percent"), so a chunk plan taken from the stand-in's answers is the ideal one, not Redshift's. Any case, any white
  space or comment between the two words; the words inside a string literal, a quoted name or a comment are text
  and stay (found with sqlglot's Redshift tokenizer, the one ``glue_elt.redshift.names`` reads names with).
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import Token, TokenType
from sqlglot.errors import SqlglotError

CASE_SETTING = "enable_case_sensitive_identifier"
CASE_SETTING_STAND_IN = "redshift.enable_case_sensitive_identifier"
"""The custom PostgreSQL setting that holds ``enable_case_sensitive_identifier`` on the stand-in (unset: off)."""
SHARE_REFERENCE = '"shared_db".'
SHARE_WRITE_REFUSED = {"S": "ERROR", "V": "ERROR", "C": "XX000", "M": "Datashare writes are not authorized"}
"""What a consumer cluster answered a transaction whose first statement read a data-share object (#247 above)."""

_COMMENT = r"(\s*(?:/\*.*?\*/\s*)?)"
_FLAGS = re.IGNORECASE | re.DOTALL
_QUERY_GROUP = re.compile(_COMMENT + r"SET\s+query_group\s+(?:TO|=)\s+", _FLAGS)
_RESET_QUERY_GROUP = re.compile(_COMMENT + r"RESET\s+query_group\b", _FLAGS)
_SHOW_CASE = re.compile(_COMMENT + r"SHOW\s+" + CASE_SETTING + r"\s*;?\s*", _FLAGS)
_SET_CASE = re.compile(_COMMENT + r"((?:SET(?:\s+SESSION|\s+LOCAL)?|RESET)\s+)" + CASE_SETTING + r"\b", _FLAGS)
_LEADING_COMMENT = re.compile(r"\s*/\*.*?\*/", re.DOTALL)
_NOT_OPENING = ("SET ", "RESET ", "SHOW ", "BEGIN", "START TRANSACTION")
MISSING_RELATION = re.compile(r'relation "([^".]+)\.[^"]+" does not exist')
UNDEFINED_TABLE = "42P01"
_APPROXIMATE = re.compile(r"\bAPPROXIMATE\b", re.IGNORECASE)


def stand_in_sql(sql: str) -> str:
    """``sql`` as the stand-in can run it: the ``query_group`` and ``enable_case_sensitive_identifier`` statements
    rewritten, ``APPROXIMATE PERCENTILE_DISC`` made exact (see the module docstring); every other statement
    unchanged."""
    if _QUERY_GROUP.match(sql):
        return _QUERY_GROUP.sub(r"\1SET application_name TO ", sql, count=1)
    if _RESET_QUERY_GROUP.match(sql):
        return _RESET_QUERY_GROUP.sub(r"\1RESET application_name", sql, count=1)
    show = _SHOW_CASE.fullmatch(sql)
    if show:
        return (
            f"{show.group(1)}SELECT coalesce(nullif(current_setting('{CASE_SETTING_STAND_IN}', true), ''), 'off') "
            f"AS {CASE_SETTING}"
        )
    if _SET_CASE.match(sql):
        return _SET_CASE.sub(r"\1\2" + CASE_SETTING_STAND_IN, sql, count=1)
    return exact_percentiles(sql)


def exact_percentiles(sql: str) -> str:
    """``sql`` with each ``APPROXIMATE PERCENTILE_DISC (`` sent as PostgreSQL's exact ``PERCENTILE_DISC (``: the
    word ``APPROXIMATE`` (and what stands between it and ``PERCENTILE_DISC``) taken out where both are SQL words, not
    text in a literal, a quoted name or a comment. Text sqlglot cannot tokenize (an unclosed quote) is sent as it is,
    for the server to refuse."""
    if not _APPROXIMATE.search(sql):  # the common case, without tokenizing
        return sql
    try:
        tokens = sqlglot.tokenize(sql, read="redshift")
    except SqlglotError:
        return sql
    pieces, start = [], 0
    for word, function, paren in zip(tokens, tokens[1:], tokens[2:]):
        if (
            _is_word(word, "APPROXIMATE")
            and _is_word(function, "PERCENTILE_DISC")
            and paren.token_type is TokenType.L_PAREN
        ):
            pieces.append(sql[start : word.start])
            start = function.start
    return "".join(pieces) + sql[start:]


def _is_word(token: Token, word: str) -> bool:
    """Whether ``token`` is the unquoted word ``word`` (any case)."""
    return token.token_type is TokenType.VAR and token.text.upper() == word


def statement_text(sql: str) -> str:
    """``sql`` without its leading comment (glue-elt's tag) and leading space, upper-cased: what the rules read."""
    return _LEADING_COMMENT.sub("", sql, count=1).lstrip().upper()


def opens_transaction(sql: str) -> bool:
    """Whether ``sql``, run first in a transaction, is its first statement for the data-share rule (``SET``,
    ``RESET``, ``SHOW`` and the ``BEGIN`` itself are not)."""
    return not statement_text(sql).startswith(_NOT_OPENING)


def reads_share_only(sql: str) -> bool:
    """Whether ``sql`` is a ``SELECT`` naming a data-share object (``"shared_db".``)."""
    text = statement_text(sql)
    return text.startswith("SELECT") and SHARE_REFERENCE.upper() in text


def share_read_first(sqls: list[str]) -> int | None:
    """The position of a transaction's first statement when it only reads a data share (refused), else None."""
    for index, sql in enumerate(sqls):
        if opens_transaction(sql):
            return index if reads_share_only(sql) else None
    return None


def missing_schema(fields: dict[str, str]) -> str | None:
    """The schema an ErrorResponse's ``relation "x.t" does not exist`` (42P01) names, if it is one; whether that
    schema exists is for the caller to find out."""
    if fields.get("C") != UNDEFINED_TABLE:
        return None
    match = MISSING_RELATION.search(fields.get("M", ""))
    return match.group(1) if match else None


def missing_schema_error(schema: str) -> dict[str, str]:
    """Redshift's error for a missing schema (awslabs/amazon-redshift-utils#490)."""
    return {"S": "ERROR", "V": "ERROR", "C": "3F000", "M": f'schema "{schema}" does not exist'}
