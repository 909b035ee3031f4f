"""Names a package offers but imports only when first used, so importing the package stays cheap.

A package lists its names and the modules that define them, and sets ``__getattr__ = lazy_attributes(__name__,
names)`` (PEP 562); the names stay in its ``__all__`` and, for type checkers and the API reference, in an
``if TYPE_CHECKING:`` import block.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_attributes(package: str, names: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package`` that imports ``names[name]`` (a module path) when ``name`` is first
    asked for and returns its attribute of that name."""

    def attribute(name: str) -> object:
        if name in names:
            return getattr(importlib.import_module(names[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return attribute
