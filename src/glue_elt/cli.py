"""``glue-elt``: one command for every step, beside ``python -m glue_elt.steps.<module>``.

``glue-elt COMMAND [--name value ...]`` runs the step registered as ``COMMAND`` with the remaining arguments exactly
as ``python -m`` runs its module (the same parameters, log lines and exit statuses); ``glue-elt COMMAND --help``
shows the step's help and ``glue-elt --help`` lists the commands. A step's module is imported only when its command
runs, so adding a step costs the other commands nothing.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

from glue_elt.core.arguments import closest
from glue_elt.steps.base import EXIT_CONFIG_ERROR, EXIT_OK, GlueELTStep

PROG = "glue-elt"


class Command(NamedTuple):
    """A registered step: ``"package.module:ClassName"`` (imported when the command runs) and a one-line summary
    (the class's ``DESCRIPTION``; a unit test holds the two together)."""

    target: str
    summary: str


COMMANDS: dict[str, Command] = {
    "migrate": Command(
        "glue_elt.steps.redshift_cross_account_migration:RedshiftCrossAccountDataMigration",
        "Copy tables from a Redshift data-share into the target cluster, server-side.",
    ),
    "verify": Command(
        "glue_elt.steps.redshift_cross_account_migration.step:RedshiftMigrationVerification",
        "Compare each migration row's target with its filtered source, read-only: counts, checksums, ranges.",
    ),
    "sql": Command(
        "glue_elt.steps.redshift_sql:RedshiftSqlStep",
        "Run a SQL script from S3 on a Redshift cluster, in one transaction, exactly once per run id.",
    ),
}
"""Command name -> step. Adding a step is one entry here."""


def load_step(target: str) -> type[GlueELTStep[Any]]:
    """The step class named by ``"package.module:ClassName"``, imported now."""
    module_name, _, class_name = target.partition(":")
    step = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(step, type) and issubclass(step, GlueELTStep)):
        raise TypeError(f"{target} is not a GlueELTStep")
    return step


def usage() -> str:
    """``glue-elt --help``: the commands, one line each."""
    width = max(len(name) for name in COMMANDS)
    lines = [
        f"usage: {PROG} COMMAND [--name value ...]",
        "",
        "AWS Glue ELT steps, run with the arguments an AWS Glue job passes them.",
        "",
        "commands:",
        *(f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items()),
        "",
        f"'{PROG} COMMAND --help' lists a command's parameters. Exit status: 0 done, 1 a row or output failed,",
        "2 bad parameters (nothing ran), 3 unexpected error, 4 cluster or AWS unreachable.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``glue-elt`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage(), file=sys.stdout if args else sys.stderr)
        return EXIT_OK if args else EXIT_CONFIG_ERROR
    name, rest = args[0], args[1:]
    command = COMMANDS.get(name)
    if command is None:
        match = closest(name, COMMANDS)
        hint = f"did you mean '{match}'?" if match else f"see '{PROG} --help'"
        print(f"{PROG}: unknown command '{name}'; {hint}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    step = load_step(command.target)([f"{PROG} {name}", *rest])
    try:
        step.start()
    except SystemExit as stop:  # start() exits with the step's status on failure
        return exit_status(stop.code)
    return EXIT_OK


def exit_status(code: object) -> int:
    """The process status ``sys.exit(code)`` gives: ``None`` is 0, a number itself, anything else 1."""
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
