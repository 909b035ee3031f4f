"""The migration step's help and the run's opening line (schema-mode rows: ``test_discovery.py``)."""

from __future__ import annotations

import pytest

from glue_elt.steps.redshift_cross_account_migration.settings import read_settings
from glue_elt.steps.redshift_cross_account_migration.step import RedshiftCrossAccountDataMigration, verification_note


def test_help_lists_every_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    RedshiftCrossAccountDataMigration(["prog", "--help"]).start()
    out = capsys.readouterr().out
    for param in RedshiftCrossAccountDataMigration.PARAMETERS:
        assert f"--{param.name}" in out


@pytest.mark.parametrize(
    ("given", "note"),
    [
        ({}, ""),
        ({"verify_counts": "true"}, "; --verify_counts true: each load's row count is checked against its filtered "
                                    "source before it commits"),
        ({"verify": "counts"}, "; --verify counts: each load's row count is checked"),
        ({"verify": "content", "verify_counts": "true"}, "; --verify content: each load's rows are checked against "
                                                         "the source rows read, by count and checksum"),
    ],
)  # fmt: skip
def test_the_opening_line_says_what_the_loads_verify(given: dict[str, str], note: str) -> None:
    settings = read_settings({"config_path": "s3://b/k.csv", **given}.get)
    assert verification_note(settings).startswith(note) and bool(note) == bool(verification_note(settings))
