"""``live_check.report``: the markdown a maintainer pastes into the compatibility record."""

from __future__ import annotations

from glue_elt.core.redaction import register_secret
from live_check.report import Report


def test_the_report_passes_only_when_every_check_passed() -> None:
    report = Report("local stack", server="PostgreSQL 16.2")
    assert not report.ok  # no check yet
    report.check("a", True, "fine")
    assert report.ok
    report.check("b", False, "broken")
    assert not report.ok
    assert "- result: FAIL (1 of 2 checks passed)" in report.markdown()


def test_cells_stay_on_one_line_and_pipes_are_escaped() -> None:
    report = Report("local stack")
    report.check("a", True, "line one\nline | two")
    report.answer("question?", "answer\twith | pipe")
    text = report.markdown()
    assert "| a | PASS | line one line \\| two |" in text
    assert "| question? | answer with \\| pipe |" in text


def test_a_registered_secret_never_reaches_the_report() -> None:
    register_secret("s3cr3t-pa55word")
    report = Report("live")
    report.check("login", False, "password authentication failed for s3cr3t-pa55word")
    report.answer("q", "s3cr3t-pa55word")
    assert "s3cr3t-pa55word" not in report.markdown()


def test_an_interrupted_run_fails() -> None:
    report = Report("live")
    report.check("a", True, "")
    report.interrupted = True
    assert not report.ok and "interrupted" in report.markdown()
