"""Job parameters resolved the way AWS Glue passes them.

Glue starts a job script with ``--name value`` pairs in ``sys.argv`` and adds reserved arguments of its
own (``--JOB_ID``, ``--JOB_RUN_ID``, ``--job-bookmark-option``, ``--TempDir`` ...). Inside Glue, values come
from ``awsglue.utils.getResolvedOptions``; elsewhere the same rules are applied without awsglue:
``--name value`` and ``--name=value`` are read, unknown arguments are tolerated, names match exactly.

An argument that is neither a parameter of the step nor one of Glue's own (``GLUE_ARGUMENTS``) is most likely a
typo: ``unknown_arguments`` finds them (names only, never values), ``closest`` suggests the parameter meant and
``glue_elt.core.arguments`` decides: a typo of a parameter stops the run, anything else is a warning.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from glue_elt.errors import ConfigError

Resolver = Callable[[Sequence[str], list[str]], dict[str, str]]
T = TypeVar("T")

TRUE_WORDS = frozenset({"true", "yes", "1", "y", "on"})
FALSE_WORDS = frozenset({"false", "no", "0", "n", "off"})


class TextEnum(str, Enum):
    """An enum whose members are their text values, also under ``str()`` and ``format()`` (``enum.StrEnum``
    exists only from Python 3.11)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


def text(name: str, value: str) -> str:
    """A parameter's text, stripped."""
    return value.strip()


@dataclass(frozen=True)
class Param(Generic[T]):
    """One job parameter: its name (without ``--``), help text, typed default and parser.

    ``parse(name, text)`` turns the given text into the typed value, raising ``ConfigError`` that names
    ``--name``; an absent or blank value is ``default``. The help text, a step's settings and the documentation's
    parameter tables (``doc``, ``example``: docs/hooks/parameters.py) all follow from these declarations.
    """

    name: str
    help: str
    default: T = None  # type: ignore[assignment]
    parse: Callable[[str, str], T] = text  # type: ignore[assignment]
    shown_default: str | None = None
    doc: str = ""
    """The parameter's line in the documentation's tables (Markdown; ``help`` when empty)."""
    example: str = ""
    """A value a user might give, shown beside ``doc``."""
    whitespace_is_value: bool = False
    """Whether a value of only whitespace (a space, a tab: a separator) is given, not blank: only ``""`` is blank."""

    def read(self, get: Callable[[str], str | None]) -> T:
        """The typed value from ``get(name)`` (the raw text or ``None``)."""
        raw = get(self.name)
        if raw is None or not raw or (not raw.strip() and not self.whitespace_is_value):
            return self.default
        return self.parse(self.name, raw)

    @property
    def default_text(self) -> str:
        """The default as a user writes it (empty when there is none)."""
        if self.shown_default is not None:
            return self.shown_default
        return "" if self.default is None else format_value(self.default)


def format_value(value: object) -> str:
    """A typed parameter value as text: ``true``/``false``, an enum's value, ``1`` for ``1.0``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def boolean(name: str, value: str) -> bool:
    """Parse a Glue-style boolean parameter (``true``/``false``, ``yes``/``no``, ``1``/``0``)."""
    return parse_bool(name, value)


def integer(minimum: int, maximum: int) -> Callable[[str, str], int]:
    """A parser for whole numbers from ``minimum`` to ``maximum``."""

    def parse(name: str, value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            raise ConfigError(f"--{name} must be a number, got {value!r}") from None
        return _within(name, value, number, minimum, maximum)

    return parse


def number(minimum: float, maximum: float) -> Callable[[str, str], float]:
    """A parser for numbers from ``minimum`` to ``maximum``."""

    def parse(name: str, value: str) -> float:
        try:
            parsed = float(value.strip())
        except ValueError:
            raise ConfigError(f"--{name} must be a number, got {value!r}") from None
        return _within(name, value, parsed, minimum, maximum)

    return parse


N = TypeVar("N", int, float)


def _within(name: str, value: str, parsed: N, minimum: N, maximum: N) -> N:
    if not minimum <= parsed <= maximum:
        raise ConfigError(f"--{name} must be between {minimum:g} and {maximum:g}, got {value!r}")
    return parsed


E = TypeVar("E", bound=Enum)


def choice(kind: type[E]) -> Callable[[str, str], E]:
    """A parser for one of an enum's values (case-insensitive)."""

    def parse(name: str, value: str) -> E:
        word = value.strip().lower()
        for member in kind:
            if str(member.value) == word:
                return member
        names = [str(m.value) for m in kind]
        raise ConfigError(f"--{name} must be {', '.join(names[:-1])} or {names[-1]}, got {value!r}")

    return parse


def role_arn(name: str, value: str) -> str:
    """An IAM role ARN (``arn:aws:iam::<account>:role/<name>``)."""
    arn = value.strip()
    if not arn.startswith("arn:") or ":role/" not in arn:
        raise ConfigError(f"--{name} must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got {value!r}")
    return arn


def argv_has(argv: Sequence[str], name: str) -> bool:
    """Whether ``--name`` (alone or as ``--name=value``) appears in ``argv``."""
    flag = f"--{name}"
    return any(arg == flag or arg.startswith(flag + "=") for arg in argv)


GLUE_RESERVED = (
    "JOB_ID",
    "JOB_RUN_ID",
    "SECURITY_CONFIGURATION",
    "TempDir",
    "RedshiftTempDir",
    "encryption-type",
    "job-bookmark-from",
    "job-bookmark-to",
)
"""Arguments Glue itself passes; resolved as optional, the way ``getResolvedOptions`` does."""

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
    # passed by Glue at run time and read by awsglue.utils.getResolvedOptions (GLUE_RESERVED above; awsglue's
    # Job.id_params, continuation_options and data_lineage_options):
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


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``name`` (``difflib.get_close_matches``, ignoring case), or ``None``."""
    by_folded = {candidate.lower(): candidate for candidate in candidates}
    matches = difflib.get_close_matches(name.lower(), list(by_folded), n=1)
    return by_folded[matches[0]] if matches else None


def resolve_plain(argv: Sequence[str], names: list[str]) -> dict[str, str]:
    """Glue's ``getResolvedOptions`` semantics without awsglue.

    Every name in ``names`` is required; Glue's reserved arguments are returned when present.
    ``argv[0]`` is the program name and is skipped, as Glue does.
    """
    args = list(argv[1:])
    found = {name: value for name in GLUE_RESERVED if (value := _find(args, name)) is not None}
    for name in names:
        value = _find(args, name)
        if value is None:
            raise ConfigError(f"the following arguments are required: --{name}")
        found[name] = value
    return found


def _find(args: list[str], name: str) -> str | None:
    """The last value given for ``--name`` in ``args`` (argparse keeps the last one too)."""
    flag, value = f"--{name}", None
    for index, arg in enumerate(args):
        if arg.startswith(flag + "="):
            value = arg[len(flag) + 1 :]
        elif arg == flag:
            if index + 1 >= len(args):
                raise ConfigError(f"argument --{name}: expected one argument")
            value = args[index + 1]
    return value


@functools.cache
def glue_resolver() -> Resolver | None:
    """``awsglue.utils.getResolvedOptions`` when awsglue is importable (inside Glue), else ``None``."""
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    resolver: Resolver = getResolvedOptions
    return resolver


class ParamSource:
    """Where a step reads its parameters: an explicit mapping, or a Glue-style argv list."""

    def __init__(
        self,
        argv: Sequence[str] | None = None,
        mapping: Mapping[str, object] | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self._argv = list(argv) if argv is not None else None
        self._mapping = {k.removeprefix("--"): v for k, v in (mapping or {}).items()}
        self._resolver = resolver

    @property
    def argv(self) -> list[str] | None:
        """The argv list this source reads, or ``None`` for a mapping source."""
        return self._argv

    def get(self, name: str) -> str | None:
        """The raw value of ``--name``, or ``None`` when it was not given."""
        if self._argv is None:
            value = self._mapping.get(name)
            return None if value is None else _to_text(value)
        if not argv_has(self._argv, name):
            return None
        resolver = self._resolver or glue_resolver() or resolve_plain
        try:
            if name in GLUE_RESERVED:
                return resolver(self._argv, []).get(name)
            return resolver(self._argv, [name])[name]
        except ConfigError:
            raise
        except Exception as error:  # awsglue's parser raises its own argument errors
            raise ConfigError(f"argument --{name}: {error}") from None


def parse_bool(name: str, value: str) -> bool:
    """Parse a Glue-style boolean parameter (``true``/``false``, ``yes``/``no``, ``1``/``0``)."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"--{name} must be true or false, got {value!r}")


def _to_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
