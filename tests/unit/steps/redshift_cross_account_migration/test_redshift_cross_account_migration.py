"""Pure parts of the migration step: schema-mode rows, run ids, help."""

from __future__ import annotations

import pytest

from glue_elt.redshift.names import Identifier
from glue_elt.steps.redshift_cross_account_migration.schema_mode import SchemaMode
from glue_elt.steps.redshift_cross_account_migration.step import RedshiftCrossAccountDataMigration, schema_rows
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row


def test_schema_rows_one_per_table() -> None:
    mode = SchemaMode("shared_db.sales", Identifier("analytics"), "sec", "overwrite")
    rows = schema_rows(mode, ["orders", "Order Items"])
    assert [(r.source_table, r.target_table) for r in rows] == [
        ("shared_db.sales.orders", "analytics.orders"),
        ('shared_db.sales."Order Items"', 'analytics."Order Items"'),
    ]
    assert {r.secret_name for r in rows} == {"sec"} and {r.load_type for r in rows} == {"overwrite"}
    assert validate_row(rows[1]).target.table == "Order Items"


def test_help_lists_every_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    RedshiftCrossAccountDataMigration(["prog", "--help"]).start()
    out = capsys.readouterr().out
    for param in RedshiftCrossAccountDataMigration.PARAMETERS:
        assert f"--{param.name}" in out
