"""Typed job parameters: ``Param`` (a name, help text, typed default and parser) and the parsers parameters use.

A step declares each of its parameters once as a ``Param``; its help text, its settings (``glue_elt.core.settings``)
and the documentation's parameter tables (docs/hooks/parameters.py) all follow from the declarations. Where the raw
values come from, the way AWS Glue passes them, is ``glue_elt.core.param_source``; what a step makes of a name it
does not know, ``glue_elt.core.arguments``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Generic, TypeVar

from glue_elt.errors import ConfigError

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
    default_help: str = ""
    """The default in words, for ``--help``, when it is a rule rather than a value to pass (``the value of
    --JOB_RUN_ID``); ``glue_elt.core.usage`` quotes a value."""

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

    def qualified(self, condition: str, *, in_help: bool = True) -> Param[T]:
        """This parameter as a step lists it when it applies to it under ``condition`` (``schema mode``,
        ``required``): its doc, and when ``in_help`` its help, start with ``condition: ``."""
        shown_help = f"{condition}: {self.help}" if in_help else self.help
        return replace(self, help=shown_help, doc=f"{condition}: {self.doc or self.help}")


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


def parse_bool(name: str, value: str) -> bool:
    """Parse a Glue-style boolean parameter (``true``/``false``, ``yes``/``no``, ``1``/``0``)."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"--{name} must be true or false, got {value!r}")
