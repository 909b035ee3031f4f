"""Names a package offers but imports only when first used, so importing the package stays cheap.

A package declares each name it offers once, as an import written ``from module import Name as Name`` (the typing
convention for a re-export, PEP 484: https://peps.python.org/pep-0484/#stub-files; mypy --strict, pyright and the
API reference's griffe honour it): at the top level for a name imported with the package, under ``if
TYPE_CHECKING:`` for one imported on first use. Then ``__all__, __getattr__ = exports(__name__)`` (PEP 562:
https://peps.python.org/pep-0562/) reads those imports from the package's own source: ``__all__`` lists every such
name, and ``__getattr__`` imports a ``TYPE_CHECKING`` name's module when the name is first asked for.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable, Mapping


def exports(package: str) -> tuple[list[str], Callable[[str], object]]:
    """``package``'s ``__all__`` (sorted) and ``__getattr__``, from its imports ``from module import Name as Name``
    at the top level (imported with it) and under ``if TYPE_CHECKING:`` (imported on first use)."""
    eager: list[str] = []
    lazy: dict[str, str] = {}
    for node in ast.parse(_source(package)).body:
        if isinstance(node, ast.ImportFrom):
            eager.extend(_reexported(node))
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for inner in node.body:
                if isinstance(inner, ast.ImportFrom):
                    lazy.update(dict.fromkeys(_reexported(inner), inner.module or ""))
    return sorted([*eager, *lazy]), lazy_attributes(package, lazy)


def lazy_attributes(package: str, names: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package`` that imports ``names[name]`` (a module path) when ``name`` is first
    asked for and returns its attribute of that name."""

    def attribute(name: str) -> object:
        if name in names:
            return getattr(importlib.import_module(names[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return attribute


def _source(package: str) -> str:
    spec = sys.modules[package].__spec__
    source = spec.loader.get_source(package) if spec and spec.loader and hasattr(spec.loader, "get_source") else None
    if source is None:
        raise ImportError(f"{package} declares its names in its source, which cannot be read", name=package)
    return str(source)


def _reexported(node: ast.ImportFrom) -> list[str]:
    if node.level:
        raise ImportError(f"a re-export is written with the module's full name, not from {'.' * node.level}")
    return [alias.name for alias in node.names if alias.asname == alias.name]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )
