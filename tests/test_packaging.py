"""The wheel users deploy (``make dist``) holds the package and nothing from the test tooling."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from importlib import metadata
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


FIRST_PINNED_DRIVER = "2.1.8"
"""The first redshift_connector with both what tests/boundary/test_redshift_connector.py pins: ``max_prepared_statements=0``
sending unnamed statements (no Close round trip per statement) and a ROLLBACK that closes the kept ones (2.1.5 fails
both statement tests; the driver's CHANGELOG, v2.1.6), and the ``tcp_keepalive_idle``/``_interval``/``_count``
options ``CONNECT_OPTIONS`` passes (CHANGELOG, v2.1.8; 2.1.7's ``connect`` refuses them)."""


def test_the_driver_floor_admits_no_release_the_boundary_tests_refuse() -> None:
    from packaging.requirements import Requirement

    (driver,) = [Requirement(r) for r in metadata.requires("glue-elt") or [] if r.startswith("redshift_connector")]
    assert not list(driver.specifier.filter(["2.1.0", "2.1.5", "2.1.6", "2.1.7"]))
    assert FIRST_PINNED_DRIVER in driver.specifier and str(driver.specifier) == f">={FIRST_PINNED_DRIVER}"


def test_the_glue_job_page_installs_what_the_wheel_requires() -> None:
    """docs/glue-job.md's create-job command lists the same requirements as the wheel and the template's default
    (tests/test_deploy.py holds the template to the wheel)."""
    declared = [r.replace(" ", "") for r in metadata.requires("glue-elt") or [] if "extra ==" not in r]
    page = (ROOT / "docs" / "glue-job.md").read_text(encoding="utf-8")
    (listed,) = re.findall(r'"--additional-python-modules": "([^"]+)"', page)
    assert listed.split(",") == declared
