"""``live_check.settings``: which environments the check accepts."""

from __future__ import annotations

import pytest

from live_check.settings import VARIABLES, SettingsError, from_environment

SECRET = {"GLUE_ELT_LIVE_SECRET": "consumer"}
PRODUCER = {"GLUE_ELT_LIVE_PRODUCER_SECRET": "producer"}


def test_a_consumer_secret_alone_creates_the_sources_locally() -> None:
    settings = from_environment(SECRET)
    assert (settings.secret, settings.has_producer, settings.database, settings.share_database) == (
        "consumer", False, "dev", None,
    )  # fmt: skip


def test_an_existing_share_needs_its_database_and_the_producers_schema() -> None:
    settings = from_environment(
        {**SECRET, **PRODUCER, "GLUE_ELT_LIVE_SHARE_DATABASE": "share", "GLUE_ELT_LIVE_PRODUCER_SCHEMA": "public"}
    )
    assert (settings.has_producer, settings.share_database, settings.producer_schema) == (True, "share", "public")
    with pytest.raises(SettingsError, match="GLUE_ELT_LIVE_PRODUCER_SCHEMA"):
        from_environment({**SECRET, **PRODUCER, "GLUE_ELT_LIVE_SHARE_DATABASE": "share"})
    with pytest.raises(SettingsError, match="needs GLUE_ELT_LIVE_PRODUCER_SECRET"):
        from_environment({**SECRET, "GLUE_ELT_LIVE_SHARE_DATABASE": "share"})


def test_setup_share_needs_a_producer_and_makes_the_database_itself() -> None:
    assert from_environment({**SECRET, **PRODUCER}, setup_share=True).setup_share
    with pytest.raises(SettingsError, match="--setup-share needs"):
        from_environment(SECRET, setup_share=True)
    with pytest.raises(SettingsError, match="unset GLUE_ELT_LIVE_SHARE_DATABASE"):
        from_environment({**SECRET, **PRODUCER, "GLUE_ELT_LIVE_SHARE_DATABASE": "share"}, setup_share=True)


def test_without_a_secret_there_is_nothing_live_to_check() -> None:
    with pytest.raises(SettingsError, match="GLUE_ELT_LIVE_SECRET"):
        from_environment({"GLUE_ELT_LIVE_SECRET": "  "})


def test_every_variable_read_is_documented() -> None:
    read = [name for name in VARIABLES if name.startswith("GLUE_ELT_LIVE_")]
    assert len(read) == 7
