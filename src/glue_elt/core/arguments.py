"""What a step makes of a ``--name`` it does not know: a typo of one of its parameters stops the run, anything else
is a warning.

AWS Glue passes a job its own arguments (``GLUE_ARGUMENTS``) and whatever the job's definition adds (a pipeline that
imports the step may read ``--run_date`` or ``--table`` of its own), so an unknown name alone is no error. A name a
typing slip away from one of the step's parameters (``is_typo``: at most two edits, one for a short name, case and
``-``/``_`` aside) is another matter: ``--verify_count true`` or ``--overwrite_mod truncate`` is the user asking for
``--verify_counts`` or ``--overwrite_mode``, and a run that went on would do without it, and say so only in a
warning. So such a name stops the run before anything is read (exit status 2), naming the parameter meant. A name
that is only alike (``closest``: ``difflib``), close only to one of Glue's arguments, or close to nothing, stays a
warning. Names only: a value is never shown (it may be a secret).

Here too: the list of Glue's own arguments (``GLUE_ARGUMENTS``, from AWS's documentation), how the names of a
Glue-style argv are read (``argument_names``: a value is never taken for a name), and the words that are neither a
name nor a value (``stray_words``). Glue passes a job's arguments as ``--name value`` pairs (a job run's
``Arguments`` map, read back by ``getResolvedOptions``, GLUE_ARGUMENTS_DOC), so a word that follows a value is
always a mistake made on a command line: ``--load_type overwrite dry_run true`` (the dashes forgotten: the run went
on without ``--dry_run``), or ``--exclude tmp_*`` unquoted, which a shell expands to the file names it matches (the
first taken for the pattern, the others left over). ``awsglue``'s parser (``parse_known_args``) and the plain one
ignore such words; ``stray_error`` stops the run instead (exit status 2), naming them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from glue_elt.core.close_names import close_matches
from glue_elt.errors import ConfigError

GLUE_ARGUMENTS_DOC = "https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-glue-arguments.html"

GLUE_ARGUMENTS = (
    # "Job parameter reference" of GLUE_ARGUMENTS_DOC ("Using job parameters in AWS Glue jobs"):
    "additional-python-modules",
    "auto-scale-within-microbatch",
    "class",
    "continuous-log-conversionPattern",
    "continuous-log-logGroup",
    "continuous-log-logStreamPrefix",
    "customer-driver-env-vars",
    "customer-executor-env-vars",
    "datalake-formats",
    "disable-proxy-v2",
    "enable-auto-scaling",
    "enable-continuous-cloudwatch-log",
    "enable-continuous-log-filter",
    "enable-glue-datacatalog",
    "enable-job-insights",
    "enable-lakeformation-fine-grained-access",
    "enable-metrics",
    "enable-observability-metrics",
    "enable-rename-algorithm-v2",
    "enable-s3-parquet-optimized-committer",
    "enable-spark-ui",
    "executor-cores",
    "extra-files",
    "extra-jars",
    "extra-py-files",
    "job-bookmark-option",
    "job-language",
    "python-modules-installer-option",
    "scriptLocation",
    "spark-event-logs-path",
    "TempDir",
    "use-postgres-driver",
    "user-jars-first",
    "conf",
    "encryption-type",
    # the same page: "AWS Glue uses the following arguments internally and you should never use them":
    "debug",
    "mode",
    "JOB_NAME",
    "endpoint",
    # the same page, suboptions of --job-bookmark-option job-bookmark-pause:
    "job-bookmark-from",
    "job-bookmark-to",
    # passed by Glue at run time and read by awsglue.utils.getResolvedOptions (param_source.GLUE_RESERVED;
    # awsglue's Job.id_params, continuation_options and data_lineage_options):
    "JOB_ID",
    "JOB_RUN_ID",
    "SECURITY_CONFIGURATION",
    "RedshiftTempDir",
    "continuation-option",
    "enable-data-lineage",
)
"""AWS Glue's own job arguments (names without ``--``), from AWS's documentation (``GLUE_ARGUMENTS_DOC``) and the
ones Glue passes at run time. A job may receive any of them: they are never reported as typos. Any ``--enable-*``
name (Glue adds feature switches over time) and ``--conf`` count as Glue's too (``is_glue_argument``)."""


def is_glue_argument(name: str) -> bool:
    """Whether ``--name`` is one of AWS Glue's own job arguments (``GLUE_ARGUMENTS``, any ``enable-*``, ``conf``)."""
    return name in GLUE_ARGUMENTS or name.startswith("enable-") or name == "conf"


def argument_names(argv: Sequence[str], known: Collection[str]) -> list[str]:
    """The ``--name`` arguments of a Glue-style ``argv`` (``argv[0]``, the program, is skipped), in order.

    ``--name=value`` names ``name``. After ``--name`` without ``=``, the next item is its value, whatever it looks
    like (``--python-modules-installer-option --upgrade``), unless it is itself ``--k`` or ``--k=...`` for a name
    ``k`` in ``known`` or of Glue's (a flag given without a value: ``--enable-metrics --config_path s3://...``). So
    a value is never reported as an unknown name: an unknown argument's value may be a secret.
    """
    names: list[str] = []
    args = list(argv[1:])
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.startswith("--") or arg == "--":
            continue
        name, equals, _ = arg[2:].partition("=")
        if name:
            names.append(name)
        if not equals and index < len(args) and not _names_known(args[index], known):
            index += 1  # the value of --name
    return names


def _names_known(arg: str, known: Collection[str]) -> bool:
    if not arg.startswith("--"):
        return False
    name = arg[2:].partition("=")[0]
    return name in known or is_glue_argument(name)


def unknown_arguments(argv: Sequence[str], parameters: Iterable[str]) -> list[str]:
    """The ``--name`` arguments of ``argv`` (see ``argument_names``) that are neither one of ``parameters`` nor one
    of AWS Glue's own arguments (``is_glue_argument``), each once, in order. Names only, never values."""
    own = set(parameters) | {"help"}
    found = [n for n in argument_names(argv, own) if n not in own and not is_glue_argument(n)]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class StrayWords:
    """Words of an argv that are neither a ``--name`` nor its value, after the ``--name`` (``None``: before any)
    whose value (``None``: given as ``--name=value``, or none) they follow."""

    after: str | None
    value: str | None
    words: tuple[str, ...]


def stray_words(argv: Sequence[str]) -> list[StrayWords]:
    """The words of a Glue-style ``argv`` (``argv[0]``, the program, is skipped) that no ``--name`` takes, grouped by
    the name they follow: a word right after ``--name`` (without ``=``) is its value (whatever it looks like, see
    ``argument_names``), any word after that value, or after ``--name=value``, is stray. A lone ``--`` is a word."""
    found: list[StrayWords] = []
    after: str | None = None
    value: str | None = None
    takes_value = False
    for arg in argv[1:]:
        if arg.startswith("--") and arg != "--":
            after, equals, _ = arg[2:].partition("=")
            takes_value, value = not equals, None
        elif takes_value:
            takes_value, value = False, arg
        elif found and found[-1].after == after and found[-1].value == value:
            found[-1] = StrayWords(after, value, (*found[-1].words, arg))
        else:
            found.append(StrayWords(after, value, (arg,)))
    return found


def stray_error(argv: Sequence[str], parameters: Collection[str], step: str) -> ConfigError | None:
    """The ``ConfigError`` that stops a run whose argv holds stray words (``stray_words``; ``None`` when there is
    none), with the parameter a word names (``dry_run``: ``--dry_run`` meant). The words, and the value they follow,
    are shown when they follow one of the step's ``parameters``; after any other name (Glue's ``--customer-driver-
    env-vars``, a pipeline's own) they are only counted: they may be part of its value, a secret."""
    found = stray_words(argv)
    if not found:
        return None
    parts, meant = [], []
    for stray in found:
        known = stray.after is None or stray.after in parameters
        if stray.after is None:
            where = "before the first --name"
        elif known and stray.value is not None:
            where = f"after --{stray.after} {stray.value!r}"
        else:
            where = f"after the value of --{stray.after}"
        if known:
            parts.append(f"{', '.join(repr(word) for word in stray.words)} {where}")
            meant += [f"--{m}" for w in stray.words if (m := closest(w, parameters)) and is_typo(w, m)]
        else:
            parts.append(f"{len(stray.words)} word(s) {where} (not shown: they may be part of its value, a secret)")
    hint = f" (did you mean {', '.join(dict.fromkeys(meant))}?)" if meant else ""
    return ConfigError(
        f"stray words on the command line: {'; '.join(parts)}{hint}: a value follows its --name, and these words "
        "were not read; quote a value that holds spaces or a * (a shell expands an unquoted * into the file names it "
        f"matches, and only the first of them is the value). {step} stopped before reading anything"
    )


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``name`` (``close_names.close_matches``, ignoring case), or ``None``."""
    return next(iter(close_matches(name, candidates)), None)


@dataclass(frozen=True)
class UnknownArgument:
    """A ``--name`` that is neither a parameter of the step nor one of Glue's, with what it is close to: one of the
    step's parameters (``meant``: a typo, which stops the run) or else one of Glue's arguments (``glue_meant``)."""

    name: str
    meant: str | None = None
    glue_meant: str | None = None
    alike: str | None = None
    """A parameter of the step the name resembles without being a slip of it (a warning's suggestion)."""

    def warning(self, step: str) -> str:
        """The warning for a name that does not stop the run."""
        if self.alike:
            return f"--{self.name} is not a parameter of {step}; did you mean --{self.alike}?"
        if self.glue_meant:
            return f"--{self.name} is not a parameter of this step; did you mean AWS Glue's --{self.glue_meant}?"
        return f"--{self.name} is not a parameter of {step}; see --help"


def unknown(argv: Sequence[str], parameters: Iterable[str]) -> list[UnknownArgument]:
    """The unknown ``--name`` arguments of a Glue-style ``argv`` (``unknown_arguments``), each with the parameter or
    Glue argument it is close to."""
    names = list(parameters)
    found = []
    for name in unknown_arguments(argv, names):
        alike = closest(name, names)
        if alike is not None and is_typo(name, alike):
            found.append(UnknownArgument(name, alike))
        else:
            found.append(UnknownArgument(name, None, None if alike else closest(name, GLUE_ARGUMENTS), alike))
    return found


def is_typo(name: str, parameter: str) -> bool:
    """Whether ``name`` is a slip of ``parameter``: at most two edits (one when the parameter is shorter than six
    characters), an edit being a character inserted, dropped, changed or two swapped; case and ``-``/``_`` aside."""
    written, meant = (text.lower().replace("-", "_") for text in (name, parameter))
    return edits(written, meant) <= (1 if len(meant) < 6 else 2)


def edits(a: str, b: str) -> int:
    """The optimal-string-alignment distance between ``a`` and ``b`` (Levenshtein's, plus adjacent swaps)."""
    rows = [list(range(len(b) + 1))]
    for i, char in enumerate(a, 1):
        row = [i]
        for j, other in enumerate(b, 1):
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (char != other)))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def typo_error(found: Sequence[UnknownArgument], step: str) -> ConfigError | None:
    """The ``ConfigError`` that stops a run given typos of the step's parameters (``None`` when there is none)."""
    typos = [f"--{a.name} (did you mean --{a.meant}?)" for a in found if a.meant]
    if not typos:
        return None
    names = (
        f"{', '.join(typos[:-1])} and {typos[-1]} are not parameters"
        if len(typos) > 1
        else f"{typos[0]} is not a parameter"
    )
    return ConfigError(
        f"{names} of {step}: stopped before reading anything; correct the name{'s' if len(typos) > 1 else ''} "
        "(--help lists the parameters)"
    )
