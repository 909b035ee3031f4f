"""A step's ``--help`` text: its usage line, description, and one entry per parameter with its default.

What it solves: a parameter name longer than the name column (``--statement_timeout_seconds``) ran into its
description, and a default that is not a value (``--run_id`` falls back to ``--JOB_RUN_ID``'s value) was shown
quoted, ``[default: '--JOB_RUN_ID']``, as if it were the literal text to pass. So, as ``argparse`` lays out its help,
a name that does not fit the column goes on a line of its own with its description indented below it; a default that
is a value is quoted (``[default: '4']``), and one that is a rule is said in words (``Param.default_help``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glue_elt.core.params import Param

NAME_COLUMN = 28
"""Width of the ``  --name`` column (two spaces of indent included); a longer name gets a line of its own."""
GAP = 2
"""Spaces between a name and its description, at least."""


def default_shown(param: Param[Any]) -> str:
    """The default as help shows it: ``Param.default_help`` (a rule, in words), the value quoted, or ``(none)``."""
    if param.default_help:
        return param.default_help
    return repr(param.default_text) if param.default_text else "(none)"


def parameter_lines(params: Sequence[Param[Any]]) -> list[str]:
    """One entry per parameter: ``--name``, then its help and default on the same line when the name fits the
    column, else on the next line, indented to the column."""
    lines = []
    for param in params:
        name = f"  --{param.name}"
        description = f"{param.help} [default: {default_shown(param)}]"
        if len(name) + GAP <= NAME_COLUMN:
            lines.append(f"{name:<{NAME_COLUMN}}{description}")
        else:
            lines += [name, f"{'':<{NAME_COLUMN}}{description}"]
    return lines


def usage_text(program: str, description: str, params: Sequence[Param[Any]]) -> str:
    """The whole ``--help`` text of ``program``."""
    return "\n".join([f"usage: {program} [--name value ...]", "", description, "", "parameters:",
                      *parameter_lines(params)])  # fmt: skip
