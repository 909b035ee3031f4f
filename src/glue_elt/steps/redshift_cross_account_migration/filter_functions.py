"""Which functions a ``source_filter`` may call: the rule and its check.

Why: a filter is a condition on source rows, but the database runs whatever function it names with the job's
rights, once per row. On the stand-in a filter called ``set_config`` (it switched off the pooled session's
statement timeout for later rows) and ``pg_terminate_backend`` (it ended another session of the same user);
Redshift has the same kind of functions: system administration functions such as ``SET_CONFIG``,
``PG_CANCEL_BACKEND``, ``PG_TERMINATE_BACKEND`` and ``CHANGE_SESSION_PRIORITY``
(https://docs.aws.amazon.com/redshift/latest/dg/r_System_administration_functions.html,
dg/r_SET_CONFIG.html, dg/r_CHANGE_SESSION_PRIORITY.html), and user-defined functions that may do anything
(docs/redshift-compatibility.md, "String literals and functions in a filter").

The rule is an allow-list: a filter may call the functions sqlglot's Redshift dialect knows as SQL functions
(its typed expressions: string, math, date, conditional, conversion, hash and JSON functions), except those in
``REFUSED`` (effects). Every other name (sqlglot's ``Anonymous``: system administration and session functions,
PostgreSQL-only functions, UDFs) is refused before anything runs, named in the message.
"""

from __future__ import annotations

from sqlglot import exp

from glue_elt.errors import ValidationError

REFUSED: tuple[type[exp.Func], ...] = (exp.NextValueFor, exp.ToFile)
"""Functions sqlglot knows that have an effect (advance a sequence, write a file)."""


def check_functions(tree: exp.Expr, text: str) -> None:
    """Raise ``ValidationError`` naming the first function of ``tree`` (the parsed ``source_filter`` ``text``)
    that the rule above does not allow."""
    for node in tree.find_all(exp.Func):
        if isinstance(node, (exp.Anonymous, *REFUSED)):
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            raise ValidationError(
                f"source_filter {text!r} calls {name.lower()}(), which a filter may not call: a filter is a "
                "condition on source rows, so it may call Redshift's built-in SQL functions only (no system "
                "administration or session functions, no user-defined functions)"
            )
