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
are read as SQL too, unless the body follows a secret keyword: then it is the secret. Every literal form PostgreSQL's
lexer knows is masked after a keyword, whether Redshift accepts it or not (a script may hold one and fail, and its
failure is shown): ``'…'``, ``E'…'`` (also ``E '…'``), ``N'…'``, ``B'…'``, ``X'…'``, ``U&'…'`` [``UESCAPE '…'``],
``$$…$$``, ``$tag$…$tag$``, and a literal continued on a later line (``'a'`` newline ``'b'`` is ``'ab'``). Redshift
documents ``$$`` bodies (dg/r_CREATE_PROCEDURE.html) and, being based on PostgreSQL 8.0, has no ``E'…'`` or
``U&'…'`` (docs/redshift-compatibility.md, "Literal forms").

What shows a script's SQL (statement labels in logs and errors, the summary's first lines, the lineage SQL facet)
shows ``mask_sql``'s text; the values it finds (as written and as read) are registered for ``redact``, which masks
them in every other message and log line (the executors' debug log of each statement sent included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "'***'"
SECRET_KEYWORDS = frozenset(
    {"PASSWORD", "CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "MASTER_SYMMETRIC_KEY"}
)
"""Keywords whose next string literal (after an optional ``AS``) is a secret."""
SKIPPED = frozenset({"AS", "E", "N", "B", "X"})
"""Words between a secret keyword and its literal: ``AS``, and a prefix written apart (``E 'x'``, a typed literal)."""
_LETTER = "A-Za-z_\x80-\U0010ffff"
_LEXEME = re.compile(
    r"(?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))"
    rf"|(?P<body>\$(?:[{_LETTER}][{_LETTER}0-9]*)?\$)"
    r"|(?P<string>(?P<prefix>[EeNnBbXx]|[Uu]&)?'(?:[^'\\]|\\.|'')*(?:'|\Z))"
    r'|(?P<name>(?:[Uu]&)?"(?:[^"]|"")*(?:"|\Z))'
    rf"|(?P<word>[{_LETTER}][{_LETTER}0-9$]*)"
    r"|(?P<other>\S)",
    re.DOTALL,
)
_CONTINUED = re.compile(r"(?:[ \t\r\f\v]|--[^\n]*)*\n(?:\s|--[^\n]*)*('(?:[^'\\]|\\.|'')*(?:'|\Z))", re.DOTALL)
"""A plain literal continuing the one before: separated by blanks (and ``--`` comments) with a newline in them."""
_UESCAPE = re.compile(r"\s+UESCAPE\s+'([^'])'", re.IGNORECASE)
_C_ESCAPE = re.compile(r"''|\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_C_LETTERS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass(frozen=True)
class MaskedSql:
    """SQL text with each secret literal shown as ``'***'``, and the literals' values (as written and as read; and
    each ``name=value`` part's value of a ``CREDENTIALS`` string, so that a message quoting one part is masked)."""

    text: str
    secrets: frozenset[str]


@dataclass(frozen=True)
class _Secret:
    """Where a secret literal is in the text, its keyword, and its values as written and as read."""

    start: int
    end: int
    keyword: str
    values: tuple[str, ...]


def mask_sql(sql: str) -> MaskedSql:
    """``sql`` with every literal after a secret keyword (``PASSWORD``, ``CREDENTIALS [AS]``, ``ACCESS_KEY_ID``
    ...) replaced by ``'***'``, whatever the statement and whatever the literal's form (``'…'``, ``E'…'``,
    ``U&'…'``, ``$$…$$``, ``$tag$…$tag$``, continued on the next line); and the values it replaced."""
    parts: list[str] = []
    values: set[str] = set()
    at = 0
    for secret in _secret_spans(sql, 0, len(sql)):
        values.update(secret.values)
        if secret.keyword == "CREDENTIALS":
            values.update(part.partition("=")[2].strip() for value in secret.values for part in value.split(";"))
        parts += [sql[at : secret.start], MASK]
        at = secret.end
    parts.append(sql[at:])
    return MaskedSql("".join(parts), frozenset(values - {""}))


def _secret_spans(sql: str, start: int, end: int) -> list[_Secret]:
    """The secret literals of ``sql[start:end]``, in order (comments and ``$$`` bodies that follow no secret
    keyword are read as SQL)."""
    spans: list[_Secret] = []
    keyword = ""  # the secret keyword the next literal belongs to, if any
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
            after = stop + (len(found.group()) if close >= 0 else 0)
            if keyword:
                spans.append(_Secret(found.start(), after, keyword, (sql[pos:stop],)))
            else:
                spans += _secret_spans(sql, pos, stop)
            pos = after
        elif kind == "string" and keyword:
            secret = _literal(sql, found, end, keyword)
            spans.append(secret)
            pos = secret.end
        if kind == "word" and found.group().upper() in SECRET_KEYWORDS:
            keyword = found.group().upper()
        elif not (kind == "word" and keyword and found.group().upper() in SKIPPED):
            keyword = ""


def _literal(sql: str, found: re.Match[str], end: int, keyword: str) -> _Secret:
    """The quoted literal ``found`` (any prefix) with the plain literals continuing it, and its values."""
    prefix = (found.group("prefix") or "").upper()
    segments = [_inside(found.group()[len(prefix) :])]
    stop = found.end()
    while (more := _CONTINUED.match(sql, stop, end)) is not None:
        segments.append(_inside(more.group(1)))
        stop = more.end()
    escape = _UESCAPE.match(sql, stop, end)
    read = [_read_unicode(s, escape.group(1) if escape else "\\") if prefix == "U&" else _read(s) for s in segments]
    return _Secret(found.start(), stop, keyword, (*segments, *read, "".join(segments), "".join(read)))


def _inside(quoted: str) -> str:
    """A quoted literal's text between its quotes (to the end when it is never closed)."""
    return quoted[1:-1] if len(quoted) > 1 and quoted.endswith("'") else quoted[1:]


def _read(written: str) -> str:
    """A literal's value as Redshift reads it: ``''`` is a quote, a backslash escapes (``\\n``, octal, ``\\x41``,
    ``\\u0041`` as in PostgreSQL's ``E'…'``; any other character stands for itself)."""

    def one(match: re.Match[str]) -> str:
        octal, hexa, short, long, other = match.groups()
        if match.group() == "''":
            return "'"
        if other is not None:
            return _C_LETTERS.get(other, other)
        code = int(octal, 8) if octal else int(hexa or short or long, 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return _C_ESCAPE.sub(one, written)


def _read_unicode(written: str, escape: str) -> str:
    """A ``U&'…'`` literal's value: ``<escape>XXXX`` and ``<escape>+XXXXXX`` are code points, a doubled escape is
    the escape character itself, ``''`` a quote."""
    code = re.escape(escape)
    pattern = re.compile(rf"''|{code}{code}|{code}\+([0-9A-Fa-f]{{6}})|{code}([0-9A-Fa-f]{{4}})")

    def one(match: re.Match[str]) -> str:
        if match.group() == "''":
            return "'"
        digits = match.group(1) or match.group(2)
        if digits is None:
            return escape
        value = int(digits, 16)
        return chr(value) if value <= 0x10FFFF else match.group()

    return pattern.sub(one, written)
