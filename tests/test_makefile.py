"""The Makefile's help held against what its targets run: ``make help`` is where a newcomer reads what ``make demo``
does, so its line names every step and executor the demo runs (``local_stack/demo.py``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from glue_elt.cli import COMMANDS
from local_stack import demo as demo_script

ROOT = Path(__file__).resolve().parents[1]
STEP_WORDS = {"migrate": "migration step", "sql": "SQL step"}
"""How the help names each step (by its ``glue-elt`` command)."""


def help_lines() -> dict[str, str]:
    """``make help``'s description of each target, as a user sees it."""
    shown = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    lines = {}
    for line in shown.stdout.splitlines():
        target, _, description = line.strip().removeprefix("make ").partition(" ")
        lines[target] = description.strip()
    return lines


def demo_modules() -> set[str]:
    """The step modules ``make demo`` runs: ``local_stack/demo.py``'s module-level ``*MODULE`` names."""
    return {value for name, value in vars(demo_script).items() if name.endswith("MODULE") and isinstance(value, str)}


def test_make_help_says_what_make_demo_runs() -> None:
    demo = help_lines()["demo"]
    modules = demo_modules()
    for command, words in STEP_WORDS.items():
        if COMMANDS[command].target.partition(":")[0] in modules:
            assert words in demo, f"make help: the demo runs the {words}, but its line says: {demo}"
    if "data_api" in Path(str(demo_script.__file__)).read_text(encoding="utf-8"):
        assert "Data API" in demo, demo
    assert "dry run" in demo, demo
