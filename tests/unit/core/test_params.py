"""Typed job parameters and their parsers (``glue_elt.core.params``)."""

from __future__ import annotations

import pytest

from glue_elt.core.params import Param, parse_bool
from glue_elt.errors import ConfigError


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("False", False), (" yes ", True), ("0", False)])
def test_parse_bool(text: str, expected: bool) -> None:
    assert parse_bool("x", text) is expected


def test_parse_bool_rejects_other_words() -> None:
    with pytest.raises(ConfigError, match="--fail_on_error must be true or false"):
        parse_bool("fail_on_error", "maybe")


def test_qualified_prefixes_the_doc_and_the_help_unless_told() -> None:
    param = Param("secret_name", "the secret", doc="a secret", example="s")
    assert param.qualified("schema mode") == Param(
        "secret_name", "schema mode: the secret", doc="schema mode: a secret", example="s"
    )
    assert param.qualified("required", in_help=False).help == "the secret"
    assert Param("x", "only help").qualified("required").doc == "required: only help"
