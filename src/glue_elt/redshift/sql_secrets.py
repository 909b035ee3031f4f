"""Secret literals in SQL text, found and masked the same way in every kind of statement.

Redshift takes credentials as string literals after a keyword: ``ACCESS_KEY_ID``, ``SECRET_ACCESS_KEY``,
``SESSION_TOKEN`` and ``[WITH] CREDENTIALS [AS] 'aws_access_key_id=…;aws_secret_access_key=…'`` (COPY,
dg/copy-parameters-authorization.html; UNLOAD, dg/r_UNLOAD.html), ``MASTER_SYMMETRIC_KEY`` (client-side encryption,
dg/c_loading-encrypted-files.html) and ``PASSWORD`` in CREATE USER and ALTER USER, whose value may be the password or
its ``md5…`` / ``sha256…`` hash (dg/r_CREATE_USER.html), masked alike. ``IAM_ROLE`` and ``SECRET_ARN`` (CREATE
EXTERNAL SCHEMA, dg/r_CREATE_EXTERNAL_SCHEMA.html) name a role or a secret and carry none. Sources are in
docs/redshift-compatibility.md.

Why not sqlglot's tokens: its Redshift tokenizer folds everything after ``UNLOAD``, ``CALL``, ``EXECUTE`` ... into one
string token, so a keyword in that text is never a token of its own and its literal went unmasked. ``mask_sql`` reads
the text itself, with a lexer that knows what hides a keyword: string literals (``''`` and ``\\'`` escapes, as
Redshift reads them) and quoted names. Comments and dollar-quoted bodies (a procedure's ``ALTER USER … PASSWORD``)
are read as SQL too. What shows a script's SQL (statement labels in logs and errors, the summary's first lines, the
lineage SQL facet) shows ``mask_sql``'s text; the values it finds are registered for ``redact``, which masks them in
every other message and log line (the executors' debug log of each statement sent included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "'***'"
SECRET_KEYWORDS = frozenset(
    {"PASSWORD", "CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "MASTER_SYMMETRIC_KEY"}
)
"""Keywords whose next string literal (after an optional ``AS``) is a secret."""
_LEXEME = re.compile(
    r"(?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))"
    r"|(?P<body>\$(?P<tag>[A-Za-z_][A-Za-z_0-9]*|)\$)"
    r"|(?P<string>'(?:[^'\\]|\\.|'')*(?:'|\Z))"
    r'|(?P<name>"(?:[^"]|"")*(?:"|\Z))'
    r"|(?P<word>[A-Za-z_][A-Za-z_0-9$]*)"
    r"|(?P<other>\S)",
    re.DOTALL,
)
_ESCAPE = re.compile(r"''|\\(.)", re.DOTALL)


@dataclass(frozen=True)
class MaskedSql:
    """SQL text with each secret literal shown as ``'***'``, and the literals' values (as written and as read; and
    each ``name=value`` part's value of a ``CREDENTIALS`` string, so that a message quoting one part is masked)."""

    text: str
    secrets: frozenset[str]


def mask_sql(sql: str) -> MaskedSql:
    """``sql`` with every string literal after a secret keyword (``PASSWORD``, ``CREDENTIALS [AS]``,
    ``ACCESS_KEY_ID`` ...) replaced by ``'***'``, whatever the statement; and the values it replaced."""
    parts: list[str] = []
    values: set[str] = set()
    at = 0
    for start, end, keyword in _secret_spans(sql, 0, len(sql)):
        written = sql[start + 1 : end - 1] if end - start > 1 and sql[end - 1] == "'" else sql[start + 1 : end]
        read = _ESCAPE.sub(lambda m: m.group(1) or "'", written)
        values.update((written, read))
        if keyword == "CREDENTIALS":
            values.update(part.partition("=")[2].strip() for part in read.split(";"))
        parts += [sql[at:start], MASK]
        at = end
    parts.append(sql[at:])
    return MaskedSql("".join(parts), frozenset(values - {""}))


def _secret_spans(sql: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Where the secret literals of ``sql[start:end]`` are, in order, with their keyword (comments and ``$$``
    bodies read as SQL)."""
    spans: list[tuple[int, int, str]] = []
    before = ("", "")  # the two lexemes before: upper-cased words, "" for anything else
    pos = start
    while True:
        found = _LEXEME.search(sql, pos, end)
        if found is None:
            return spans
        kind, pos = found.lastgroup, found.end()
        if kind == "comment":
            spans += _secret_spans(sql, found.start() + 2, pos)
            continue
        if kind == "body":
            close = sql.find(found.group(), pos, end)
            stop = end if close < 0 else close
            spans += _secret_spans(sql, pos, stop)
            pos = stop + (len(found.group()) if close >= 0 else 0)
        elif kind == "string":
            keyword = before[0] if before[1] == "AS" else before[1]
            if keyword in SECRET_KEYWORDS:
                spans.append((found.start(), pos, keyword))
        before = (before[1], found.group().upper() if kind == "word" else "")
