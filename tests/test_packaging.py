"""The wheel users deploy (``make dist``) holds the package and nothing from the test tooling."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contents(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)]
    built = subprocess.run(command, check=False, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("glue_elt-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "glue_elt/steps/redshift_cross_account_migration/__main__.py" in names and "glue_elt/py.typed" in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "glue_elt/cli.py" in names and "glue-elt = glue_elt.cli:main" in entry_points
    assert "glue_elt/steps/redshift_sql/__main__.py" in names and "glue_elt/steps/redshift_sql/script.py" in names
    assert not [n for n in names if n.startswith(("pyspark", "tests", "local_stack", "bench", "awsglue"))]
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Python: >=3.9" in metadata
    for dependency in ("boto3", "redshift_connector", "sqlglot", "tenacity", "tqdm"):
        assert f"Requires-Dist: {dependency}" in metadata
