"""A package's names imported on first use (``glue_elt.core.lazy``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from glue_elt.core.lazy import lazy_attributes


def test_a_name_is_imported_from_its_module_when_first_asked_for() -> None:
    attribute = lazy_attributes("pkg", {"OrderedDict": "collections", "dedent": "textwrap"})
    from collections import OrderedDict

    assert attribute("OrderedDict") is OrderedDict
    with pytest.raises(AttributeError, match="module 'pkg' has no attribute 'missing'"):
        attribute("missing")


def test_importing_a_package_imports_none_of_its_modules() -> None:
    """What keeps ``--help`` fast: a package's lazy names load only when used (the root imports the framework
    itself, but neither backend's less common half nor a step)."""
    code = (
        "import sys, glue_elt.redshift.data_api, glue_elt.steps.redshift_sql, glue_elt.steps; "
        "print(sorted(m for m in sys.modules if m.startswith('glue_elt.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for module in ("redshift.data_api.executor", "steps.redshift_sql.step", "steps.redshift_cross_account_migration"):
        assert f"'glue_elt.{module}" not in loaded, loaded
