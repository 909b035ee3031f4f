"""The check's report: each check PASS or FAIL, each open question with the server's answer, in markdown a
maintainer can paste into docs/redshift-compatibility.md."""

from __future__ import annotations

from dataclasses import dataclass, field

from glue_elt.core.redaction import redact


@dataclass(frozen=True)
class Check:
    """One thing the check expects: ``passed`` or not, and what it saw."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Answer:
    """One open question of the record and what the server answered."""

    question: str
    answer: str


@dataclass
class Report:
    """Everything one run of the check found."""

    where: str
    server: str = "(not reached)"
    checks: list[Check] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    interrupted: bool = False

    def check(self, name: str, passed: bool, detail: str) -> bool:
        """Record a check; returns ``passed``."""
        self.checks.append(Check(name, passed, redact(detail)))
        return passed

    def answer(self, question: str, answer: str) -> None:
        """Record the server's answer to a question."""
        self.answers.append(Answer(question, redact(answer)))

    @property
    def ok(self) -> bool:
        """True when every check passed, there was at least one, and the run was not interrupted."""
        return bool(self.checks) and all(check.passed for check in self.checks) and not self.interrupted

    def markdown(self) -> str:
        """The report as markdown."""
        lines = [
            "## Live check",
            "",
            f"- run against: {self.where}",
            f"- server: `{_cell(self.server)}`",
            f"- result: {'PASS' if self.ok else 'FAIL'}"
            f" ({sum(c.passed for c in self.checks)} of {len(self.checks)} checks passed"
            f"{'; interrupted' if self.interrupted else ''})",
            "",
            "### Checks",
            "",
            "| check | result | seen |",
            "|---|---|---|",
            *(f"| {_cell(c.name)} | {'PASS' if c.passed else 'FAIL'} | {_cell(c.detail)} |" for c in self.checks),
            "",
            "### Open questions of the compatibility record",
            "",
            "| question | the server's answer |",
            "|---|---|",
            *(f"| {_cell(a.question)} | {_cell(a.answer)} |" for a in self.answers),
            "",
        ]
        return "\n".join(lines)


def _cell(text: str) -> str:
    """``text`` fit for one markdown table cell: one line, ``|`` escaped."""
    return " ".join(text.split()).replace("|", "\\|")
