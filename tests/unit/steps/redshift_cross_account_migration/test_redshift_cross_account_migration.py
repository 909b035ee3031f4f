"""The migration step's help (schema-mode rows: ``test_discovery.py``)."""

from __future__ import annotations

import pytest

from glue_elt.steps.redshift_cross_account_migration.step import RedshiftCrossAccountDataMigration


def test_help_lists_every_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    RedshiftCrossAccountDataMigration(["prog", "--help"]).start()
    out = capsys.readouterr().out
    for param in RedshiftCrossAccountDataMigration.PARAMETERS:
        assert f"--{param.name}" in out
