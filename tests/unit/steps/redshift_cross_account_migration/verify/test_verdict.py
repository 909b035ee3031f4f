"""A table's verdict as its line and its report entry, and a run's outcomes and report from the verdicts."""

from __future__ import annotations

from datetime import datetime, timezone

from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationRow
from glue_elt.steps.redshift_cross_account_migration.results import MigrationResult, RowStatus
from glue_elt.steps.redshift_cross_account_migration.verify.bisection import (
    NULLS,
    WHOLE,
    Compared,
    Figures,
    Narrowed,
    Segment,
)
from glue_elt.steps.redshift_cross_account_migration.verify.report import outcomes, total_line, verify_document
from glue_elt.steps.redshift_cross_account_migration.verify.verdict import TableVerdict, Verdict

ROW = MigrationRow("shared_db.s.t", "a.t", "secret", line=2)
SAME = Compared(WHOLE, Figures(3, 30), Figures(3, 30))
DIFFERENT = Compared(WHOLE, Figures(3, 30), Figures(3, 31))
RANGES = (
    Compared(NULLS, Figures(1, 7), Figures(0, 0)),
    Compared(Segment(4, 5), Figures(1, 5, 5, 5), Figures(2, 10, 5, 5)),
    Compared(Segment(10, 20), Figures(2, 8, 11, 19), Figures(2, 9, 11, 19)),
)


def verdict(kind: Verdict, **more: object) -> TableVerdict:
    return TableVerdict(ROW, LoadType.APPEND, kind, 0.5, **more)  # type: ignore[arg-type]


def test_each_verdict_reads_as_one_line() -> None:
    assert verdict(Verdict.EQUAL, whole=SAME).line() == "a.t (line 2): equal (3 row(s), checksum 30)"
    narrowed = Narrowed(RANGES, 0, 2, settled=False)
    line = verdict(Verdict.DIFFERENT, whole=DIFFERENT, column="id", narrowed=narrowed).line()
    assert line == (
        "a.t (line 2): DIFFERS in checksum (source 3 row(s), target 3; checksums 30 and 31); 3 differing range(s) of "
        "id found in 2 more queries (not narrowed further: the query budget or the range count was reached): id IS "
        "NULL (source 1, target 0); id = 5 (source 1, target 2); id > 10 and <= 20 (source 2, target 2)"
    )
    figures_only = verdict(Verdict.DIFFERENT, whole=Compared(WHOLE, Figures(3, 30), Figures(4, 40)), reason="why")
    assert figures_only.text() == (
        "DIFFERS in rows and checksum (source 3 row(s), target 4; checksums 30 and 40); no range narrowed down: why"
    )
    assert verdict(Verdict.FAILED, error="no such table").text() == "NOT VERIFIED: no such table"


def test_the_run_maps_verdicts_to_row_outcomes_and_one_report() -> None:
    verdicts = [
        verdict(Verdict.EQUAL, whole=SAME),
        verdict(Verdict.DIFFERENT, whole=DIFFERENT, column="id", narrowed=Narrowed(RANGES[1:2], 2, 4, settled=True)),
        verdict(Verdict.FAILED, error="gone", unreachable=True),
    ]
    found = outcomes(verdicts)
    assert [(o.status, o.unreachable) for o in found] == [
        (RowStatus.SUCCEEDED, False), (RowStatus.FAILED, False), (RowStatus.FAILED, True)
    ]  # fmt: skip
    result = MigrationResult("r1", found, verification=tuple(verdicts))
    assert total_line(result, 1.0) == (
        "verify run r1: 1 table(s) equal, 1 different, 1 not verified; read-only, nothing written on the cluster, in "
        "1.00 s"
    )
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    document = verify_document(result, "config_file", now, now, 1.0)
    assert document["counts"] == {"equal": 1, "different": 1, "failed": 1} and document["equal"] is False
    entry = document["tables"][1]
    assert entry["source"] == {"rows": 3, "checksum": "30"} and entry["differs_in"] == ["checksum"]
    assert entry["bisection"]["more_ranges"] == 2 and entry["bisection"]["settled"] is True
    (found_range,) = entry["bisection"]["ranges"]
    assert found_range["range"] == "id = 5" and (found_range["above"], found_range["up_to"]) == ("4", "5")
    assert found_range["target"] == {"rows": 2, "checksum": "10"} and "bisection" not in document["tables"][0]
