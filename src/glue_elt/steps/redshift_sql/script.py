"""A SQL script split into statements with sqlglot's Redshift tokenizer, and what each statement is.

A ``;`` inside a string, a quoted name, a comment or a dollar-quoted body never splits: those are single
tokens (comments are not tokens at all). A statement's text is the original slice from its first token's
start to its last token's end. (Never use a later token's start: after a leading ``VACUUM``, ``CALL``,
``EXPLAIN``, ``SHOW`` ... sqlglot folds the rest of the statement into one string token whose ``start`` is
wrong; its ``end`` is right.) For the same reason secret literals are found in the text, not in the tokens
(``glue_elt.redshift.sql_secrets``). Keywords are matched on upper-cased token text, never on token types, which
differ between sqlglot versions (``ABORT``, ``START``, ``APPEND`` are plain words to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import Token, TokenType
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import TokenError

from glue_elt.errors import ConfigError
from glue_elt.redshift.sql_secrets import mask_sql

MAX_STATEMENT_BYTES = 16 * 1024 * 1024
"""Redshift's limit for one statement ("The maximum size for a single Amazon Redshift SQL statement is 16 MB",
dg/c_redshift-sql.html)."""
HEAD_CHARS = 80
QUOTED = frozenset(
    {
        TokenType.IDENTIFIER,
        TokenType.STRING,
        TokenType.HEREDOC_STRING,
        TokenType.BYTE_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.RAW_STRING,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
    }
)
TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "ABORT"})
EXPLAINABLE = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})
NO_TRANSACTION_BLOCK = "cannot run inside a transaction block"
NON_TRANSACTIONAL: dict[tuple[str, ...], str] = {
    ("VACUUM",): NO_TRANSACTION_BLOCK,
    ("CREATE", "DATABASE"): NO_TRANSACTION_BLOCK,
    ("DROP", "DATABASE"): NO_TRANSACTION_BLOCK,
    ("ALTER", "DATABASE"): NO_TRANSACTION_BLOCK,
    ("CREATE", "EXTERNAL", "TABLE"): NO_TRANSACTION_BLOCK,
    ("CREATE", "LIBRARY"): "cannot run inside a transaction block and commits at once",
    ("DROP", "LIBRARY"): "cannot run inside a transaction block and commits at once",
    ("CREATE", "IDENTITY", "PROVIDER"): NO_TRANSACTION_BLOCK,
    ("ALTER", "IDENTITY", "PROVIDER"): NO_TRANSACTION_BLOCK,
    ("DROP", "IDENTITY", "PROVIDER"): NO_TRANSACTION_BLOCK,
    ("CREATE", "TABLESPACE"): NO_TRANSACTION_BLOCK,
    ("DROP", "TABLESPACE"): NO_TRANSACTION_BLOCK,
    ("REINDEX",): NO_TRANSACTION_BLOCK,
    ("TRUNCATE",): "commits the transaction it runs in, so the script could not roll back",
    ("REFRESH", "MATERIALIZED", "VIEW"): (
        "runs as a transaction of its own (an incremental refresh does not see the script's uncommitted changes)"
    ),
}
"""Leading keywords (after ``CREATE``, ``OR REPLACE`` is skipped) of statements Redshift cannot run inside
``BEGIN … COMMIT``, and why (docs/redshift-compatibility.md has the sources)."""
FOLDED = frozenset({"REFRESH"})
"""First words after which sqlglot may fold the rest of the statement into one string token: their next words
are read from the statement's text instead."""
_GAP = r"(?:\s|--[^\n]*|/\*.*?\*/)+"
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9$]*")
LEADING_WORDS = re.compile(rf"(?:{_GAP}[A-Za-z_][A-Za-z_0-9$]*(?![A-Za-z_0-9$.\"]))*", re.DOTALL)


@dataclass(frozen=True)
class Refusal:
    """Why a statement cannot be part of the script's one transaction."""

    name: str
    why: str
    transaction_control: bool = False


@dataclass(frozen=True)
class Statement:
    """One statement of a script: its number (from 1), the line it starts on, its exact text, its first keyword
    (upper case), its text as logs may show it (``mask_sql``: literals after ``PASSWORD``, ``CREDENTIALS`` ...
    masked, in every kind of statement), why it cannot run in a transaction (if so) and whether EXPLAIN accepts it."""

    number: int
    line: int
    text: str
    keyword: str
    shown: str
    refusal: Refusal | None = None
    explainable: bool = False

    @property
    def head(self) -> str:
        """The statement's first line, shortened, with ``…`` when there is more."""
        lines = self.shown.splitlines() or [""]
        first = lines[0].rstrip()
        if len(first) > HEAD_CHARS:
            return first[: HEAD_CHARS - 1] + "…"
        return first + (" …" if len(lines) > 1 else "")

    @property
    def label(self) -> str:
        """``statement N (line L: first line)``, how every message names it."""
        return f"statement {self.number} (line {self.line}: {self.head})"


@dataclass(frozen=True)
class Script:
    """A script's statements, and the string literals in it that look like secrets (to mask in logs)."""

    statements: tuple[Statement, ...]
    secret_literals: frozenset[str]


def split_script(text: str, source: str) -> Script:
    """Split ``text`` into statements; ``ConfigError`` naming ``source`` when it cannot be tokenized, has no
    statement, or a statement is over Redshift's 16 MB limit."""
    try:
        tokens = Dialect.get_or_raise("redshift").tokenize(text)
    except TokenError as error:
        raise ConfigError(f"SQL script {source} cannot be split into statements: {_where(error, text)}") from None
    groups: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type is TokenType.SEMICOLON:
            groups.append([])
        else:
            groups[-1].append(token)
    statements: list[Statement] = []
    secrets: set[str] = set()
    line, counted = 1, 0
    for group in filter(None, groups):
        line, counted = line + text.count("\n", counted, group[0].start), group[0].start
        statement, found = _statement(len(statements) + 1, line, group, text)
        statements.append(statement)
        secrets |= found
    if not statements:
        what = "is empty" if not text.strip() else "has no statement, only comments"
        raise ConfigError(f"SQL script {source} {what}: nothing to run")
    for statement in statements:
        size = len(statement.text.encode("utf-8"))
        if size > MAX_STATEMENT_BYTES:
            raise ConfigError(
                f"SQL script {source}: {statement.label} is {size / 1024 / 1024:.1f} MB; "
                "Redshift's limit for one statement is 16 MB"
            )
    return Script(tuple(statements), frozenset(secrets))


def _where(error: TokenError, text: str) -> str:
    """Where tokenizing stopped, from the cause sqlglot chains (``Missing ' from 6:27``: 27 is the offset of the
    opening quote); sqlglot's own message quotes the script, which may hold secrets, so it is not repeated."""
    found = re.search(r"Missing (\S+) from \d+:(\d+)", str(error.__cause__ or ""))
    if found:
        delimiter, offset = found.group(1), int(found.group(2))
        line = text.count("\n", 0, offset) + 1
        return f"the {delimiter} opened on line {line} is never closed"
    return "an unclosed quote, quoted name, $$ body or /* comment"


def _statement(number: int, line: int, tokens: list[Token], text: str) -> tuple[Statement, frozenset[str]]:
    """The statement of ``tokens``, and the secret values in it (to register for masking)."""
    first, last = tokens[0], tokens[-1]
    exact = text[first.start : last.end + 1].rstrip()  # a folded command's last token may end in blanks
    masked = mask_sql(exact)
    words = _top_level_words(tokens) or ("",)
    if words[0] in FOLDED:
        words = (words[0], *_leading_words(exact[len(first.text) :]))
    if words[:3] == ("CREATE", "OR", "REPLACE"):
        words = ("CREATE", *words[3:])
    statement = Statement(
        number=number,
        line=line,
        text=exact,
        keyword=words[0],
        shown=masked.text,
        refusal=refusal(words),
        explainable=explain_accepts(words, tokens),
    )
    return statement, masked.secrets


def _top_level_words(tokens: list[Token]) -> tuple[str, ...]:
    """Upper-cased token texts outside parentheses (a parenthesised group is one ``(``); quoted tokens are
    ``""``, so a quoted name or string never reads as a keyword."""
    words: list[str] = []
    depth = 0
    for token in tokens:
        if token.token_type is TokenType.R_PAREN:
            depth = max(depth - 1, 0)
        elif token.token_type is TokenType.L_PAREN:
            if depth == 0:
                words.append("(")
            depth += 1
        elif depth == 0:
            words.append("" if token.token_type in QUOTED else token.text.upper())
    return tuple(words)


def _leading_words(text: str) -> tuple[str, ...]:
    """The bare words (upper case) at the start of ``text``, across blanks and comments, up to anything else."""
    found = LEADING_WORDS.match(text)
    return tuple(word.upper() for word in WORD.findall(_COMMENT.sub(" ", found.group(0)))) if found else ()


def refusal(words: tuple[str, ...]) -> Refusal | None:
    """Why Redshift cannot run a statement with these top-level words in the script's transaction, if so."""
    if words[0] in TRANSACTION_CONTROL or words[:2] == ("START", "TRANSACTION"):
        name = " ".join(words[:2]) if words[0] == "START" else words[0]
        return Refusal(name, "controls transactions; the step manages them itself", transaction_control=True)
    for keywords, why in NON_TRANSACTIONAL.items():
        if words[: len(keywords)] == keywords:
            return Refusal(" ".join(keywords), why)
    if words[:2] == ("ALTER", "TABLE"):
        for index in range(2, len(words) - 1):
            if words[index : index + 2] == ("APPEND", "FROM"):
                return Refusal("ALTER TABLE … APPEND", "commits at once and " + NO_TRANSACTION_BLOCK)
            if words[index] == "ALTER":
                after = index + 2 if words[index + 1] == "COLUMN" else index + 1
                if words[after + 1 : after + 2] == ("TYPE",):
                    return Refusal("ALTER TABLE … ALTER COLUMN … TYPE", NO_TRANSACTION_BLOCK)
    if words[:2] == ("ALTER", "DATASHARE") and "PUBLICACCESSIBLE" in words:
        return Refusal("ALTER DATASHARE … SET PUBLICACCESSIBLE", NO_TRANSACTION_BLOCK)
    return None


def explain_accepts(words: tuple[str, ...], tokens: list[Token]) -> bool:
    """Whether Redshift's EXPLAIN accepts the statement: SELECT (and SELECT INTO), CREATE TABLE AS, INSERT,
    UPDATE, DELETE, or WITH … followed by one of those (dg/r_EXPLAIN.html)."""
    first = words[0]
    if first in EXPLAINABLE:
        return True
    if first == "WITH":
        return any(word in EXPLAINABLE for word in words[1:])
    if first == "(":  # (SELECT …) UNION …
        inner = next((t.text.upper() for t in tokens if t.token_type is not TokenType.L_PAREN), "")
        return inner in ("SELECT", "WITH")
    if first == "CREATE":
        rest = [w for w in words[1:] if w not in ("LOCAL", "TEMP", "TEMPORARY")]
        return rest[:1] == ["TABLE"] and "AS" in rest
    return False
