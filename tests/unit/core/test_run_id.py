"""Run ids: Glue's when given, else sortable and unique."""

from __future__ import annotations

import re

from glue_elt.core.run_id import new_run_id, resolve_run_id


def test_run_id_shape() -> None:
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}", new_run_id())
    assert new_run_id() != new_run_id()


def test_glue_run_id_wins() -> None:
    assert resolve_run_id(" jr_1 ") == "jr_1"
    assert re.fullmatch(r"\d{8}T.*", resolve_run_id(None)) and re.fullmatch(r"\d{8}T.*", resolve_run_id(" "))


def test_run_id_wins_over_glues_job_run_id() -> None:
    assert resolve_run_id("2026-11-29", "jr_1_attempt_1") == "2026-11-29"
    assert resolve_run_id(None, "jr_1") == "jr_1" and resolve_run_id("", "jr_1") == "jr_1"
