"""The README's parameter tables are held against each step's declared parameters (one source of truth)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from glue_elt import RedshiftCrossAccountDataMigration, RedshiftSqlStep
from glue_elt.steps.base import GlueELTStep

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\| `--(?P<name>[A-Za-z_]+)` \|\s*(?P<default>[^|]*?)\s*\|")
STEPS: list[type[GlueELTStep[object]]] = [RedshiftCrossAccountDataMigration, RedshiftSqlStep]


def parameter_tables() -> list[list[tuple[str, str]]]:
    """Every README table of ``| `--name` | default | ...`` rows, as (name, default) lists."""
    tables: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in [*README.read_text(encoding="utf-8").splitlines(), ""]:
        match = ROW.match(line)
        if match:
            current.append((match["name"], match["default"].strip().strip("`")))
        elif current:
            tables.append(current)
            current = []
    return tables


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.__name__)
def test_readme_table_lists_every_parameter_with_its_default(step: type[GlueELTStep[object]]) -> None:
    declared = [(param.name, param.default_text) for param in step.PARAMETERS]
    tables = [table for table in parameter_tables() if table[0][0] == declared[0][0]]
    assert len(tables) == 1, f"one README table for {step.__name__}, starting with --{declared[0][0]}"
    assert tables[0] == declared
