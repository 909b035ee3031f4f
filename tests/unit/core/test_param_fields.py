"""Settings dataclasses whose fields are job parameters (``glue_elt.core.param_fields``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from glue_elt.core.param_fields import given, nested, params_of, read_settings, setting
from glue_elt.core.params import Param, boolean, integer
from glue_elt.errors import ConfigError

LIMIT = Param("limit", "how many", 3, integer(1, 9))
STRICT = Param("strict", "refuse more", False, boolean)
LABEL = Param("label", "a label", "plain")
RUN = Param("run", "the run")
JOB_RUN = Param("job_run", "the job's run")
PATH = Param("path", "where")


@dataclass(frozen=True)
class Inner:
    label: str = setting(LABEL)


@dataclass(frozen=True)
class Outer:
    path: str = given(PATH)
    limit: int = setting(LIMIT)
    inner: Inner = nested(Inner)
    strict: bool = setting(STRICT)
    run: str | None = setting(RUN, fallback=JOB_RUN)


def read(**raw: str) -> Outer:
    return read_settings(Outer, raw.get, path="made")


def test_each_field_is_its_parameters_typed_value_or_default() -> None:
    assert read() == Outer("made", 3, Inner("plain"), False, None)
    assert read(limit="7", label="x", strict="yes", run="r") == Outer("made", 7, Inner("x"), True, "r")


def test_the_fallback_fills_a_field_whose_parameter_is_not_given() -> None:
    assert read(job_run="jr").run == "jr"
    assert read(run="r", job_run="jr").run == "r"


def test_fields_are_read_in_order_so_the_first_unusable_parameter_is_reported() -> None:
    with pytest.raises(ConfigError, match="--limit must be"):
        read(limit="99", strict="maybe")
    with pytest.raises(ConfigError, match="--strict must be true or false"):
        read(strict="maybe")


def test_a_given_field_must_be_passed() -> None:
    with pytest.raises(TypeError, match=r"Outer\.path is made by the step"):
        read_settings(Outer, {}.get)


def test_params_of_lists_every_declared_parameter_in_order() -> None:
    assert params_of(Outer) == (PATH, LIMIT, LABEL, STRICT, RUN, JOB_RUN)
