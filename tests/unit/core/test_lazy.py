"""A package's names imported on first use (``glue_elt.core.lazy``)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from glue_elt.core.lazy import lazy_attributes

SRC = Path(__file__).resolve().parents[3] / "src"
PACKAGES = sorted(".".join(p.parent.relative_to(SRC).parts) for p in (SRC / "glue_elt").rglob("__init__.py"))


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


@pytest.mark.parametrize("package", PACKAGES)
def test_every_name_in_all_resolves_and_every_public_name_is_in_it(package: str) -> None:
    module = importlib.import_module(package)
    for name in getattr(module, "__all__", ()):
        getattr(module, name)
    exec(f"from {package} import *", {})  # noqa: S102
    public = {n for n in vars(module) if not n.startswith("_") and n != "TYPE_CHECKING"}
    submodules = {n for n in public if type(vars(module)[n]) is type(sys)}
    assert public - submodules - {"exports"} <= set(getattr(module, "__all__", ())), package


PACKAGE = '''"""A package."""

from typing import TYPE_CHECKING

from glue_elt.core.lazy import exports
from json import dumps as dumps
from json import loads

if TYPE_CHECKING:
    from colorsys import rgb_to_hls as rgb_to_hls
    from colorsys import hls_to_rgb

__all__, __getattr__ = exports(__name__)
'''


def test_exports_are_the_imports_written_name_as_name(tmp_path: Path) -> None:
    (tmp_path / "lazy_example").mkdir()
    (tmp_path / "lazy_example" / "__init__.py").write_text(PACKAGE, encoding="utf-8")
    code = (
        "import sys, json; import lazy_example as p; "
        "print(p.__all__, 'colorsys' in sys.modules, p.rgb_to_hls.__module__, 'colorsys' in sys.modules); "
        "print(hasattr(p, 'hls_to_rgb'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r}); {code}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.splitlines() == ["['dumps', 'rgb_to_hls'] False colorsys True", "False"]
