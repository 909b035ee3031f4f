"""Settings dataclasses whose fields are job parameters, so that each parameter is declared once.

A step's settings are a frozen dataclass. A field declared ``name: T = setting(PARAM)`` is the parameter ``PARAM``
(a ``Param[T]``: its name, parser, default, help, doc and example): its type is the parameter's (mypy checks the two
agree), its default the parameter's default, and ``read_settings`` fills it with the parameter's typed value. A field
``nested(Kind)`` holds settings of their own, read the same way; a field ``given(PARAM)`` is a parameter whose value
the step's own code makes (from several parameters at once) and passes to ``read_settings``. ``read_settings`` reads
the fields in their declared order, so the first unusable parameter in that order is the one reported.

The parameter travels in the field's ``metadata`` (https://docs.python.org/3/library/dataclasses.html#dataclasses.field:
"a mapping ... not used at all by Data Classes ... provided as a third-party extension mechanism").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import Field, field, fields
from typing import Any, TypeVar

from glue_elt.core.params import Param

T = TypeVar("T")
S = TypeVar("S")

PARAM = "glue_elt.param"
FALLBACK = "glue_elt.param.fallback"
GIVEN = "glue_elt.param.given"
NESTED = "glue_elt.param.nested"


def setting(param: Param[T], *, fallback: Param[T] | None = None) -> T:
    """A settings field filled with ``param``'s typed value (``fallback``'s when that is empty); default ``param``'s."""
    return field(default=param.default, metadata={PARAM: param, FALLBACK: fallback})


def given(param: Param[Any]) -> Any:
    """A settings field for ``param`` whose value the step's own code makes and passes to ``read_settings`` (a value
    checked with other parameters'); default: ``param``'s."""
    return field(default=param.default, metadata={PARAM: param, GIVEN: True})


def nested(kind: type[S]) -> S:
    """A settings field holding settings of their own (a dataclass of ``setting`` fields), read the same way; default:
    ``kind()``."""
    return field(default_factory=kind, metadata={NESTED: kind})


def read_settings(kind: type[S], get: Callable[[str], str | None], **values: Any) -> S:
    """``kind`` (a settings dataclass) from ``get(name)`` (a parameter's raw text or ``None``): every ``setting`` and
    ``nested`` field read in the declared order, the others taken from ``values``; ``ConfigError`` from the first
    parameter that is unusable."""
    read = dict(values)
    for item in _fields(kind):
        if item.name in values:
            continue
        if NESTED in item.metadata:
            read[item.name] = read_settings(item.metadata[NESTED], get)
        elif PARAM in item.metadata and not item.metadata.get(GIVEN):
            read[item.name] = _value(item, get)
        else:
            raise TypeError(f"{getattr(kind, '__name__', kind)}.{item.name} is made by the step: pass it")
    return kind(**read)


def params_of(kind: type[Any]) -> tuple[Param[Any], ...]:
    """Every parameter the fields of ``kind`` (a settings dataclass) declare, nested settings' included, in order."""
    found: list[Param[Any]] = []
    for item in fields(kind):
        if NESTED in item.metadata:
            found.extend(params_of(item.metadata[NESTED]))
        found.extend(p for p in (item.metadata.get(PARAM), item.metadata.get(FALLBACK)) if p is not None)
    return tuple(found)


def _fields(kind: type[Any]) -> tuple[Field[Any], ...]:
    return fields(kind)


def _value(item: Field[Any], get: Callable[[str], str | None]) -> Any:
    value = item.metadata[PARAM].read(get)
    fallback = item.metadata[FALLBACK]
    return fallback.read(get) if fallback is not None and not value else value
