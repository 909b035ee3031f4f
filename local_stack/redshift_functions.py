"""Redshift's scalar functions that PostgreSQL lacks, as functions in ``public`` of the stand-in: ``GETDATE()``,
``STRTOL(num_string, base)`` and ``FROM_VARBYTE(v, format)``, so the step's statements run unchanged.

- ``GETDATE()``: the start of the current statement, a ``TIMESTAMP`` in UTC (dg/r_GETDATE.html).
- ``STRTOL``: a string of a number in ``base`` as a BIGINT; "any amount of white space, optionally followed by a
  single plus '+' or minus '-' sign"; for base 16 an optional ``0x``; an empty string is 0; NULL gives NULL; the value
  must be "within the signed 64-bit range"; base an integer between 2 and 36 (dg/r_STRTOL.html). PostgreSQL text
  cannot hold ``\\0``, so the page's ``'\\0'`` case cannot arise here.
- ``FROM_VARBYTE(v, 'hex')`` (dg/r_FROM_VARBYTE.html; the stand-in's VARBYTE is ``bytea``).

**Why STRTOL is written as it is: its cost.** Redshift's STRTOL is built in; the content checksum calls it once per
row (``glue_elt.redshift.checksum``: ``STRTOL(SUBSTRING(MD5(...), 1, 15), 16)``). A PostgreSQL function costs about
as much only when the planner inlines it, and PostgreSQL inlines a ``LANGUAGE sql`` function whose body is one
expression only if each parameter whose argument is expensive (more than ten operators' cost, as the checksum's
chain of MD5s is) appears **once** in the body (``inline_function`` in PostgreSQL's ``optimizer/util/clauses.c``).
The earlier STRTOL tested its argument with a regular expression and fell back to PL/pgSQL, so it named the
argument several times: never inlined, it ran as a SQL function call per row, 8 of the 9.6 s of one side's
checksum figures over 1M rows (``EXPLAIN VERBOSE`` showed ``strtol(...)`` in the plan). This STRTOL names
``num_string`` once, in a chain of string functions that ends in PostgreSQL 16's integer input, which itself reads
white space, a sign, and the prefixes ``0x``, ``0o`` and ``0b`` (its "non-decimal integer" input): a marker ``#`` is
put before the string (after its leading white space), moved behind a sign, ``0x``/``0X`` after it dropped for base
16, and replaced by the base's prefix and a ``0`` (so an empty string reads 0). The string's own ``#`` and ``_`` are
made ``!`` first, which no base accepts (PostgreSQL 16 would read ``_`` between digits as a separator), with
``replace``, which returns a string it finds nothing in as it is. Over 1M strings of 15 hex digits the chain took 0.61
s, the same with ``translate`` for the two ``replace`` 0.86 to 1.09 s, PostgreSQL's bit-string cast
``('x' || lpad(h, 16, '0'))::bit(64)::bigint`` (no sign, no white space, at most 16 digits) 0.36 s. So the stand-in
converts bases 2, 8, 10 and 16; another base between 2 and 36 is refused with SQLSTATE 0A000 (a base 36 STRTOL
would need the argument twice). ``base`` may appear several times: it is a constant, and
``strtol_prefix(16)``, an IMMUTABLE function of constants, is computed once when the statement is planned. A string
that is not a number of its base fails with PostgreSQL's ``invalid input syntax for type bigint`` (Redshift's
message is not documented); a value outside BIGINT with ``out of range``.
"""

from __future__ import annotations

GETDATE = """
CREATE OR REPLACE FUNCTION public.getdate() RETURNS timestamp LANGUAGE sql STABLE
AS $$ SELECT (statement_timestamp() AT TIME ZONE 'UTC')::timestamp $$
"""

STRTOL_PREFIX = """
CREATE OR REPLACE FUNCTION public.strtol_prefix(base integer) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    IF base < 2 OR base > 36 THEN RAISE EXCEPTION 'STRTOL: base % is not between 2 and 36', base; END IF;
    IF base NOT IN (2, 8, 10, 16) THEN
        RAISE EXCEPTION 'STRTOL: the stand-in converts bases 2, 8, 10 and 16, not %', base
            USING ERRCODE = 'feature_not_supported';
    END IF;
    RETURN CASE base WHEN 16 THEN '0x' WHEN 8 THEN '0o' WHEN 2 THEN '0b' ELSE '' END;
END $$"""
"""PostgreSQL 16's integer input prefix for ``base`` ('' for 10); an error for any other base."""

STRTOL_BODY = (
    "CAST(replace(replace(replace(replace(replace("
    "'#' || ltrim(replace(replace(num_string, '#', '!'), '_', '!'), E' \\t\\n\\x0b\\f\\r'), "
    "'#-', '-#'), '#+', '+#'), "
    "'#0x', CASE WHEN base = 16 THEN '#' ELSE '#0x' END), "
    "'#0X', CASE WHEN base = 16 THEN '#' ELSE '#0X' END), "
    "'#', public.strtol_prefix(base) || '0') AS bigint)"
)
"""STRTOL as one expression naming ``num_string`` once (see the module docstring); ``E''`` strings read the same
whatever ``standard_conforming_strings`` is (the stand-in's database sets it off, as Redshift reads backslashes)."""

STRTOL = f"""
CREATE OR REPLACE FUNCTION public.strtol(num_string text, base integer) RETURNS bigint LANGUAGE sql IMMUTABLE
PARALLEL SAFE AS $$ SELECT {STRTOL_BODY} $$"""

FROM_VARBYTE = """
CREATE OR REPLACE FUNCTION public.from_varbyte(bytes bytea, format text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT CASE lower(format) WHEN 'hex' THEN encode(bytes, 'hex') WHEN 'binary' THEN NULL
                  ELSE convert_from(bytes, 'UTF8') END $$"""


def redshift_functions_sql() -> list[str]:
    """Statements (run as superuser in the cluster's database) creating the functions, callable by everyone; the
    PL/pgSQL general case of the earlier STRTOL is dropped."""
    return [
        GETDATE,
        "GRANT EXECUTE ON FUNCTION public.getdate() TO PUBLIC",
        STRTOL_PREFIX,
        STRTOL,
        "DROP FUNCTION IF EXISTS public.strtol_digits(text, integer)",
        FROM_VARBYTE,
    ]
