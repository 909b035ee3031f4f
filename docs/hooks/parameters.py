"""The parameter tables of docs/parameters.md, generated from the steps' ``Param`` declarations.

Each table stands between two markers in the page. ``python docs/hooks/parameters.py`` rewrites the page from the
declarations; as an MkDocs hook (``hooks:`` in mkdocs.yml) the same tables are put in at build time, so the site
always matches ``--help``; tests/test_readme.py fails when the page in the repository does not.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PAGE = Path(__file__).resolve().parents[1] / "parameters.md"
BEGIN = "<!-- parameters of {step}: generated from its Param declarations by docs/hooks/parameters.py -->"
END = "<!-- end of the generated table -->"
SECTION = re.compile(re.escape(BEGIN).replace(re.escape("{step}"), r"(?P<step>\w+)") + r"\n.*?" + re.escape(END), re.S)
PLAIN_DEFAULTS = frozenset({"generated"})
"""Defaults that are words, not values a user would write: shown without code marks."""


def steps() -> dict[str, Sequence[Any]]:
    """Each documented step's parameters, by the class name the markers use."""
    from glue_elt import RedshiftCrossAccountDataMigration, RedshiftSqlStep

    return {step.__name__: step.PARAMETERS for step in (RedshiftCrossAccountDataMigration, RedshiftSqlStep)}


def table(params: Sequence[Any]) -> str:
    """The Markdown table of ``params``: name, default, meaning (``doc``, else ``help``) and example."""
    lines = ["| parameter | default | meaning | example |", "|---|---|---|---|"]
    for param in params:
        default = param.default_text
        shown = default if not default or default in PLAIN_DEFAULTS else f"`{default}`"
        example = f"`{param.example}`" if param.example else ""
        lines.append(f"| `--{param.name}` |{f' {shown} ' if shown else ' '}| {param.doc or param.help} | {example} |")
    return "\n".join(lines)


def render(markdown: str) -> str:
    """``markdown`` with every generated table made anew from the declarations."""
    known = steps()

    def fresh(match: re.Match[str]) -> str:
        step = match["step"]
        if step not in known:
            raise ValueError(f"docs/parameters.md names no known step: {step}")
        return f"{BEGIN.format(step=step)}\n{table(known[step])}\n{END}"

    return SECTION.sub(fresh, markdown)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """MkDocs hook: the parameters page gets its tables from the declarations at build time."""
    return render(markdown) if page.file.src_uri == "parameters.md" else markdown


if __name__ == "__main__":
    text = PAGE.read_text(encoding="utf-8")
    PAGE.write_text(render(text), encoding="utf-8")
    sys.stdout.write(f"{PAGE}: tables generated\n")
