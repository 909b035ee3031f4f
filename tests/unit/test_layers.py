"""The packages by layer import one way only: ``core`` nothing of glue_elt but ``errors``, ``aws`` only ``core``,
``redshift`` only ``core`` and ``aws``, ``observability`` (beside ``redshift``: lineage names datasets by the
connection spec) ``core``, ``aws`` and ``redshift``, ``steps`` anything below it; a step (a package under
``glue_elt.steps``) is imported only by itself, by ``glue_elt.cli`` and, on first use, by ``glue_elt`` itself.

Every ``import`` of every module is read with ``ast``, those inside functions and ``if TYPE_CHECKING:`` blocks too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "glue_elt"

RANKS = {
    "glue_elt.errors": 0,
    "glue_elt.core": 1,
    "glue_elt.aws": 2,
    "glue_elt.redshift": 3,
    "glue_elt.observability": 3,
    "glue_elt.steps": 4,
}
"""A module may import modules of its own rank or lower; the root package and ``glue_elt.cli`` rank above all."""
TOP = 5
LAYER_NAMES = {
    0: "errors",
    1: "core",
    2: "aws",
    3: "redshift / observability",
    4: "steps",
    TOP: "glue_elt / glue_elt.cli",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def rank(module: str) -> int:
    for prefix, value in RANKS.items():
        if module == prefix or module.startswith(prefix + "."):
            return value
    return TOP  # glue_elt itself, glue_elt.cli


def step_of(module: str) -> str | None:
    """The step package ``module`` belongs to (``glue_elt.steps.<step>``), if any."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[:2] == ["glue_elt", "steps"]:
        step = ".".join(parts[:3])
        if step in MODULES and (MODULES[step].name == "__init__.py"):
            return step
    return None


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(source: str, module: str, is_package: bool) -> list[tuple[int, str, bool]]:
    """``(line, imported module, lazy)`` for every glue_elt import of ``source``; lazy means inside a function or
    an ``if TYPE_CHECKING:`` block. ``from a import b`` imports ``a.b`` when that is a module, else ``a``."""
    found: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, lazy) for alias in node.names if alias.name.startswith("glue_elt"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "glue_elt" or base.startswith("glue_elt."):
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    found.append((node.lineno, target if target in MODULES else base, lazy))
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(node, ast.If) and is_type_checking(node.test) and child in node.body:
                inner = True
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def problems_of(module: str, source: str, is_package: bool = False, where: str = "") -> list[str]:
    where = where or module
    problems = []
    for line, target, lazy in imports(source, module, is_package):
        if rank(target) > rank(module):
            problems.append(
                f"{where}:{line}: imports {target} ({LAYER_NAMES[rank(module)]} may not import "
                f"{LAYER_NAMES[rank(target)]})"
            )
        step = step_of(target)
        if step is not None and step != step_of(module):
            allowed = module == "glue_elt.cli" or (module == "glue_elt" and lazy)
            if not allowed:
                problems.append(
                    f"{where}:{line}: imports the step {target} (only glue_elt.cli, and glue_elt on first use, may)"
                )
    return problems


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str) -> None:
    path = MODULES[module]
    where = str(path.relative_to(SRC.parent))
    assert problems_of(module, path.read_text(encoding="utf-8"), path.name == "__init__.py", where) == []


def test_redshift_does_not_import_observability() -> None:
    """The two share a layer, but only one way: what a run publishes about itself never shapes how it reaches
    Redshift."""
    found = [
        f"{module}:{line}: {target}"
        for module, path in MODULES.items()
        if module == "glue_elt.redshift" or module.startswith("glue_elt.redshift.")
        for line, target, _ in imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
        if target.startswith("glue_elt.observability")
    ]
    assert found == []


def test_the_layout() -> None:
    top = {path.name for path in PACKAGE.iterdir() if not path.name.startswith("__pycache__")}
    assert top <= {
        "__init__.py",
        "errors.py",
        "cli.py",
        "py.typed",
        "core",
        "aws",
        "redshift",
        "observability",
        "steps",
    }
    packages = ("core", "aws", "redshift", "redshift.driver", "redshift.data_api", "redshift.auth", "observability")
    for package in (*packages, "steps"):
        assert MODULES[f"glue_elt.{package}"].name == "__init__.py"


@pytest.mark.parametrize(
    ("module", "source", "wrong"),
    [
        ("glue_elt.core.params", "from glue_elt.redshift import names", "glue_elt.redshift.names"),
        ("glue_elt.core.params", "def f():\n    import glue_elt.aws.s3", "glue_elt.aws.s3"),
        ("glue_elt.aws.s3", "if TYPE_CHECKING:\n    from glue_elt.redshift.executor import Executor", "executor"),
        ("glue_elt.redshift.state", "from glue_elt import RunLedger", "imports glue_elt "),
        ("glue_elt.errors", "from glue_elt.core.params import Param", "glue_elt.core.params"),
        ("glue_elt.steps.base", "from glue_elt.steps.redshift_sql.step import RedshiftSqlStep", "the step"),
        (
            "glue_elt.steps.redshift_sql.step",
            "from glue_elt.steps.redshift_cross_account_migration import model",
            "step",
        ),
        ("glue_elt", "from glue_elt.steps.redshift_sql.step import RedshiftSqlStep", "the step"),
    ],
)
def test_an_upward_import_is_found(module: str, source: str, wrong: str) -> None:
    (problem,) = problems_of(module, source)
    assert wrong in problem


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("glue_elt.core.params", "from glue_elt.errors import ConfigError"),
        ("glue_elt.redshift.state", "from glue_elt.redshift import catalog\nfrom glue_elt.aws.s3 import S3Uri"),
        ("glue_elt.steps.redshift_sql.step", "from glue_elt.steps.redshift_sql.run import Run"),
        ("glue_elt", "if TYPE_CHECKING:\n    from glue_elt.steps.redshift_sql.step import RedshiftSqlStep"),
        ("glue_elt.cli", "from glue_elt.steps.redshift_sql import RedshiftSqlStep"),
    ],
)
def test_a_downward_import_passes(module: str, source: str) -> None:
    assert problems_of(module, source) == []
