"""The "did you mean" names: closest first, case ignored, each as it is written."""

from __future__ import annotations

from glue_elt.core.close_names import close_matches


def test_the_closest_names_come_first_as_written_and_case_is_ignored() -> None:
    candidates = ["redshift-secret", "Redshift-Secrets", "analytics", "redshift-secret-2"]
    assert close_matches("redshift-secrt", candidates, 3)[0] == "redshift-secret"
    assert close_matches("DRY_RUN", ["dry_run", "run_id"]) == ["dry_run"]
    assert close_matches("zzz", candidates) == []
    assert len(close_matches("redshift-secret", candidates, 2)) == 2
