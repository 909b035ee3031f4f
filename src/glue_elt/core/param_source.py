"""Where a step reads its parameters' raw text: an explicit mapping, or a Glue-style argv list resolved the way AWS
Glue passes job parameters.

Glue starts a job script with ``--name value`` pairs in ``sys.argv`` and adds reserved arguments of its own
(``--JOB_ID``, ``--JOB_RUN_ID``, ``--job-bookmark-option``, ``--TempDir`` ...). Inside Glue, values come from
``awsglue.utils.getResolvedOptions``; elsewhere the same rules are applied without awsglue: ``--name value`` and
``--name=value`` are read, unknown arguments are tolerated, names match exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence

from glue_elt.errors import ConfigError

Resolver = Callable[[Sequence[str], list[str]], dict[str, str]]


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


def _to_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
