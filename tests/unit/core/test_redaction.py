"""Secret values are masked in text and log records."""

from __future__ import annotations

import logging

import pytest

from glue_elt.core.redaction import RedactingFilter, redact, register_secret


def test_registered_values_are_masked() -> None:
    register_secret("s3cr3t-value")
    assert redact("password=s3cr3t-value;") == "password=***;"


def test_short_values_are_not_registered() -> None:
    register_secret("ab")
    assert redact("ab cd") == "ab cd"


def test_filter_masks_formatted_messages(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("another-secret")
    logger = logging.getLogger("test.redaction")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO):
        logger.info("connecting with %s", "another-secret")
    assert "another-secret" not in caplog.text
    assert "connecting with ***" in caplog.text
