"""The differing rows of a Data API load whose content guard tripped: a second, diagnostic batch that repeats the
row's statements up to its insert and ends with a statement that always fails, its error carrying the check's
figures (count and checksum of each side, so the message reads as the driver's) and up to ``content.EXAMPLES``
example rows (``ContentCheck.examples``, an incremental's above the newest watermark that
``batch_load.content_figures`` kept before the insert) as text.

Why a batch, and why a failure: the load's batch rolled back, so the rows it wrote are gone and no later query can
find them; a batch returns nothing before it ends, and whether the result of a sub-statement of a batch that later
failed can be read is not documented (``GetStatementResult``, API reference). What a failure does return is its
error: the text of a value that could not be converted. PostgreSQL (the stand-in) and Redshift's leader node put it
in the message (``invalid input syntax for integer: "<text>"``); Redshift's compute nodes put the first bad character
in the message (``Invalid digit, Value 'g', Pos 0, Type: Integer``) and the whole input in the ``context:`` line of
the error's DETAIL block (OHDSI/SqlRender#276, ``code: 1207``, ``context: 2.87``), cut at 256 characters (contexts of
exactly 256 characters in rudderlabs/rudder-server#3178 and #3182). The Data API writes a failure's extra fields on
indented lines of ``Error`` (``Hint:`` seen, aws/aws-sdk-js-v3#3056); that it writes the DETAIL block too is not
seen on a cluster (``make live-check`` asks). So the text is found by its ``MARKER`` wherever it is, and only its
first ``CONTEXT_CHARS`` characters are read, whatever the server sent: the stand-in shows no more than Redshift would.
When the text is not there, the row fails as before (``CONTENT_DIFFERS``), pointing to the driver.

Nothing of the diagnostic batch can commit: it is one transaction (``TRANSACTION`` mode, no ``ClientToken``, no
commit record), and its last statement always fails: it casts to INTEGER a text that begins with a letter, built by
an aggregate that returns one row even when no example row is found (``carrier``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from glue_elt.errors import ExecutionError, StoppedError
from glue_elt.redshift.batch import BatchExecutor, BatchStatementError
from glue_elt.redshift.names import quote_identifier, quote_literal
from glue_elt.steps.redshift_cross_account_migration.batch_load import CONTENT, LoadBatch, Role, newest_kept
from glue_elt.steps.redshift_cross_account_migration.content import EXAMPLES, ContentCheck

logger = logging.getLogger(__name__)
MARKER = "glue_elt_examples["
"""Opens the carried text; its first letter makes every cast of the text to INTEGER fail."""
END = "]"
FIGURES_END = "|"
"""Closes the figures, which come first (digits, ``-`` and ``,`` only): an example cut by the limit never costs them."""
FOUND_AGAIN = (
    "the rows written differ from the source rows read (found again by a diagnostic batch that repeated the load and "
    "rolled back)"
)
CONTEXT_CHARS = 256
"""The longest ``context:`` Redshift's error shows (see above): the marker included, no more is read."""
VALUE_CHARS = 32
"""Characters of each shown value carried (five examples of a few values fit in ``CONTEXT_CHARS``)."""
NULL_TEXT = "\\N"
ESCAPES = (("\\", "\\\\"), (",", "\\,"), (";", "\\;"), (END, "\\" + END), ("\n", "\\n"), ("\r", "\\r"))
"""How a value's text is escaped (in this order): the escape character, the separators, line breaks (an error's
lines are joined)."""
Example = tuple[str, tuple[Optional[str], ...]]  # Optional: an alias is evaluated at run time (Python 3.9)
"""A carried example: its side (``s`` source, ``w`` written) and its shown values (``None``: NULL)."""


@dataclass(frozen=True)
class Carried:
    """What a diagnostic batch's error carried: the figures ``(n, s, written n, written s)`` (``None`` when they did
    not read as four numbers) and the example rows."""

    figures: tuple[int, int, int, int] | None
    examples: list[Example]


def _escaped(expression: str) -> str:
    """SQL: ``expression`` (text) escaped by ``ESCAPES`` (backslashes written as ``CHR(92)``: ``quote_literal``)."""
    for plain, escaped in ESCAPES:
        plain_sql = "CHR(10)" if plain == "\n" else "CHR(13)" if plain == "\r" else quote_literal(plain)
        expression = f"REPLACE({expression}, {plain_sql}, {quote_literal(escaped)})"
    return expression


def figures_text(content: ContentCheck) -> str:
    """SQL: the check's figures as the batch found them, ``n,s,wn,ws`` (the source rows' count and checksum, the
    written rows', less the target's before the insert where the written side is a difference), as ``content_guard``
    compares them."""
    kept, written = quote_identifier("glue_elt_kept"), quote_identifier("glue_elt_wrote")
    values = [f"{kept}.n", f"{kept}.s", f"{written}.n - {kept}.bn", f"{written}.s - {kept}.bs"]
    text = " || ',' || ".join(f"CAST({value} AS VARCHAR(40))" for value in values)
    return f"(SELECT {text} FROM {CONTENT} AS {kept} CROSS JOIN ({content.written}) AS {written})"


def carrier(content: ContentCheck) -> str:
    """The statement that always fails, its error carrying the check's figures and ``content.examples``'s rows:
    ``MARKER``, the figures (``figures_text``), ``FIGURES_END``, the examples separated by ``;`` (each its side,
    then its shown values separated by ``,``), ``END``."""
    names = [f"v{index}" for index in range(len(content.shown))]
    found = quote_identifier("glue_elt_found")
    columns = ", ".join(quote_identifier(name) for name in ["side", *names, "h"])
    values = [
        f"COALESCE({_escaped(f'SUBSTRING(CAST({quote_identifier(n)} AS VARCHAR(65535)), 1, {VALUE_CHARS})')}, "
        f"{quote_literal(NULL_TEXT)})"
        for n in names
    ]
    text = " || ',' || ".join([quote_identifier("side"), *values])
    texts = quote_identifier("glue_elt_texts")
    numbered = (f"SELECT x, ROW_NUMBER() OVER (ORDER BY x) AS r FROM (SELECT {text} AS x "
                f"FROM ({content.examples(newest_kept(content))}) AS {found} ({columns})) AS {texts}")  # fmt: skip
    parts = ["COALESCE(MAX(CASE WHEN r = 1 THEN x END), '')"]
    parts += [f"COALESCE(MAX(CASE WHEN r = {n} THEN ';' || x END), '')" for n in range(2, EXAMPLES + 1)]
    head = [quote_literal(MARKER), f"COALESCE({figures_text(content)}, '')", quote_literal(FIGURES_END)]
    carried = " || ".join([*head, *parts, quote_literal(END)])
    return f"SELECT CAST({carried} AS INTEGER) FROM ({numbered}) AS {quote_identifier('glue_elt_numbered')}"


def diagnostic_batch(batch: LoadBatch, content: ContentCheck) -> tuple[str, ...]:
    """The load's statements before its content guard (the lock, the copy, the delete, the insert, their guards),
    then ``carrier``: no guard of the content, no commit record, nothing after the failing statement."""
    guard = next(index for index, part in enumerate(batch.parts) if part.role is Role.CONTENT_GUARD)
    return (*batch.statements[:guard], carrier(content))


def carried(error: str) -> Carried | None:
    """What a failure's ``error`` text carried, read from ``MARKER`` for at most ``CONTEXT_CHARS`` characters;
    ``None`` when the marker is not there. An example cut by the limit is left out."""
    start = error.find(MARKER)
    if start < 0:
        return None
    text = error[start : start + CONTEXT_CHARS][len(MARKER) :]
    figures_text, bar, text = text.partition(FIGURES_END)
    if not bar:
        return Carried(None, [])
    return Carried(_figures(figures_text), _examples(text))


def _figures(text: str) -> tuple[int, int, int, int] | None:
    """``n,s,wn,ws`` as four numbers, else ``None``."""
    try:
        n, s, written_n, written_s = (int(part) for part in text.split(","))
    except ValueError:
        return None
    return n, s, written_n, written_s


def _examples(text: str) -> list[Example]:
    """The examples of the carried text after the figures, up to ``END`` or the cut."""
    examples: list[Example] = []
    fields: list[str | None] = []
    field, escaped, null = "", False, False
    for char in text:
        if escaped:
            escaped = False
            if char == "N" and not field:
                null = True
            else:
                field += {"n": "\n", "r": "\r"}.get(char, char)
        elif char == "\\":
            escaped = True
        elif char in ",;" or char == END:
            fields.append(None if null else field)
            field, null = "", False
            if char != ",":
                if fields != [""]:  # an empty list: no example
                    examples.append(_example(fields))
                fields = []
            if char == END:
                return examples
        else:
            field += char
    return examples  # cut by the limit: the examples before the cut


def _example(fields: Sequence[str | None]) -> Example:
    """An example's fields: its side, then its shown values."""
    return fields[0] or "", tuple(fields[1:])


def find(executor: BatchExecutor, secret_name: str, batch: LoadBatch, content: ContentCheck) -> str | None:
    """Send the diagnostic batch and say what its failure carried: the figures that differ, as the driver says them
    (``ContentCheck.mismatch``), and the example rows (``ContentCheck.describe``); ``None`` when its error carried
    nothing (another error, or a server that did not pass the text on)."""
    try:
        executor.run_batch(secret_name, diagnostic_batch(batch, content))
    except StoppedError:
        raise
    except BatchStatementError as error:
        found = carried(str(error))
        if found is None:
            logger.info("the diagnostic batch's error carried no example rows: %s", error)
            return None
        logger.info("a diagnostic batch repeated the load and rolled back to find the differing rows")
        examples = content.describe([(side, *values) for side, values in found.examples])
        problem = None if found.figures is None else content.mismatch(found.figures[:2], found.figures[2:])
        return f"{problem or FOUND_AGAIN}; {examples}; rolled back"
    except ExecutionError as error:
        logger.info("the diagnostic batch was not run: %s", error)
        return None
    raise ExecutionError("the diagnostic batch of a content check finished, which its last statement never lets it")
