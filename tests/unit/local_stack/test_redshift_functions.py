"""local_stack.redshift_functions: the shape PostgreSQL needs to inline the stand-in's STRTOL."""

from __future__ import annotations

import re

from local_stack.redshift_functions import STRTOL, STRTOL_BODY, STRTOL_PREFIX, redshift_functions_sql


def test_strtol_names_its_string_once_so_that_postgresql_inlines_it() -> None:
    # inline_function (PostgreSQL's optimizer/util/clauses.c) refuses a body that names an expensive argument twice
    assert len(re.findall(r"\bnum_string\b", STRTOL_BODY)) == 1
    assert "LANGUAGE sql IMMUTABLE" in STRTOL and "STRICT" not in STRTOL and "SECURITY DEFINER" not in STRTOL


def test_strtol_reads_the_same_whatever_standard_conforming_strings_is() -> None:
    plain = re.sub(r"E'(?:[^'\\]|\\.)*'", "", STRTOL_BODY)  # E'' strings read their backslashes either way
    assert "\\" not in plain


def test_the_prefix_function_is_made_before_strtol_that_calls_it() -> None:
    statements = redshift_functions_sql()
    assert statements.index(STRTOL_PREFIX) < statements.index(STRTOL)
