"""How a stopped run says where its chunked rows ended and how to resume them: the error a row gets, one log line per
row, and the command that runs it again with the same run id.

A stop (SIGTERM when AWS Glue stops a job or its timeout ends it, Ctrl-C, ``cancel()``) reports the rows it ended as
``cancelled``; a chunked row keeps its place in that word's company (``cancelled: stopped at chunk 3/12 (id > 200 and
<= 300), 2 of 12 chunk(s) committed ...``), as the SQL step's ``cancelled: <error>`` does, because the error file, a
valid config file, has no other field for it. The re-run's command is the one a person can type where the run came
from: the process's own command line with ``--run_id`` set (``python -m ...``, a script, ``glue-elt migrate``); in
AWS Glue (which passes ``--JOB_ID`` and ``--JOB_RUN_ID`` to every job run), ``aws glue start-job-run`` with the step's
arguments and ``--run_id``: a run's ``Arguments`` "override equivalent default arguments set for the job"
(https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-jobs-runs.html); from code, the run id to pass.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import sys
from collections.abc import Sequence

from glue_elt.core.redaction import redact
from glue_elt.core.stopping import CANCELLED
from glue_elt.steps.redshift_cross_account_migration.results import MigrationResult, RowOutcome, RowStatus

logger = logging.getLogger(__name__)
RUN_ID = "run_id"
GLUE_OWN = frozenset({"JOB_ID", "JOB_RUN_ID", "JOB_NAME", RUN_ID})
"""Arguments a Glue job run gets from Glue itself (and the run id, set anew): never part of ``--arguments``."""
CLI_PROGRAM = "glue-elt"


def where_stopped(outcome: RowOutcome) -> str | None:
    """Where a chunked row stood when it ended (``stopped at chunk 3/12 (...), 2 of 12 chunk(s) committed``), or
    ``None`` for a row loaded whole."""
    if outcome.chunks is None:
        return None
    committed, planned = outcome.chunks
    at = f"stopped at {outcome.ended_at}" if outcome.ended_at is not None else "stopped"
    return f"{at}, {committed} of {planned} chunk(s) committed"


def cancelled_error(outcome: RowOutcome) -> str:
    """The error of a row a stop ended: ``cancelled``, and for a chunked row where it stood."""
    where = where_stopped(outcome)
    if where is None:
        return CANCELLED
    return f"{CANCELLED}: {where} (a re-run with this run id resumes after them)"


def rerun_hint(argv: Sequence[str] | None, run_id: str, parameters: Sequence[str]) -> str:
    """How to run the same work again with ``run_id``: ``run: <command>`` for a command line (``argv`` as the step
    read it), ``start the Glue job again: aws glue start-job-run ...`` in AWS Glue, else (a step made in code) the run
    id to pass."""
    library = f"run the step again with run id {run_id} (run_id={run_id!r} among its arguments)"
    if not argv:
        return library
    args = list(argv[1:])
    given = _pairs(args)
    if "JOB_ID" in given and "JOB_RUN_ID" in given:  # AWS Glue passes both to every job run
        if "JOB_NAME" not in given:
            return f"start the Glue job again with the argument --run_id {run_id}"
        arguments = {f"--{name}": value for name, value in given.items() if name in parameters and name not in GLUE_OWN}
        arguments["--run_id"] = run_id
        command = ["aws", "glue", "start-job-run", "--job-name", given["JOB_NAME"],
                   "--arguments", json.dumps(arguments, separators=(",", ":"))]  # fmt: skip
        return f"start the Glue job again: {shlex.join(command)}"
    program = _program(list(argv))
    if program is None:
        return library
    return f"run: {shlex.join([*program, *_without(args, RUN_ID), f'--{RUN_ID}', run_id])}"


def _program(argv: list[str]) -> list[str] | None:
    """The words that start the step as ``argv`` was given: the process's own interpreter and module or script when
    ``argv`` is the process's command line, ``glue-elt migrate`` for the ``glue-elt`` command, else ``None``."""
    head = argv[0]
    if head.startswith(f"{CLI_PROGRAM} "):  # glue_elt.cli names the step's argv[0] "glue-elt <command>"
        own = sys.argv[0] if os.path.basename(sys.argv[0]) == CLI_PROGRAM else CLI_PROGRAM
        return [own, *head.split()[1:]]
    if argv != sys.argv:
        return None  # a list some code passed in: no command line to repeat
    python = sys.executable or "python3"
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name:  # python -m package (its __main__) or python -m module
        return [python, "-m", spec.name.removesuffix(".__main__")]
    return [python, head]


def _pairs(args: list[str]) -> dict[str, str]:
    """The ``--name value`` and ``--name=value`` arguments of ``args`` (the last value of a name wins)."""
    found: dict[str, str] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        if arg.startswith("--"):
            name, equals, value = arg[2:].partition("=")
            if not equals and index + 1 < len(args):
                index += 1
                value = args[index]
            found[name] = value
        index += 1
    return found


def _without(args: list[str], name: str) -> list[str]:
    """``args`` without ``--name value`` and ``--name=value``."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == f"--{name}":
            skip = True
        elif not arg.startswith(f"--{name}="):
            kept.append(arg)
    return kept


def log_stopped(result: MigrationResult, hint: str) -> None:
    """For a stopped run, one WARNING per chunked row it ended: the row, its chunk and range, how many committed, and
    ``hint`` (``rerun_hint``)."""
    if not result.cancelled:
        return
    for outcome in result.outcomes:
        where = where_stopped(outcome)
        if where is not None and outcome.status is RowStatus.FAILED and (outcome.error or "").startswith(CANCELLED):
            logger.warning("%s: %s; to resume, %s", outcome.row.label, where, redact(hint))
