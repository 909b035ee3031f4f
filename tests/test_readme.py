"""The README and the pages of docs/ held against the code: the parameter tables against each step's declared
parameters (one source of truth), the commands shown against the modules, steps, parameters, make targets and
files they name, the README's length, and every relative link against the file and heading it points to."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import re
import shlex
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from glue_elt import RedshiftCrossAccountDataMigration, RedshiftSqlStep
from glue_elt.cli import COMMANDS
from glue_elt.core.arguments import is_glue_argument
from glue_elt.steps.base import GlueELTStep

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
MARKDOWN = [README, *PAGES]
PARAMETERS_PAGE = DOCS / "parameters.md"
README_MAX_LINES = 250
ROW = re.compile(r"^\| `--(?P<name>[A-Za-z_]+)` \|\s*(?P<default>[^|]*?)\s*\|")
STEPS: list[type[GlueELTStep[object]]] = [RedshiftCrossAccountDataMigration, RedshiftSqlStep]
FENCE = re.compile(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
HEADING = re.compile(r"^(?P<hashes>#{1,6}) (?P<text>.+?)\s*#*$", re.M)


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def parameter_tables() -> list[list[tuple[str, str]]]:
    """Every table of ``| `--name` | default | ...`` rows of the parameters page, as (name, default) lists."""
    tables: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in [*PARAMETERS_PAGE.read_text(encoding="utf-8").splitlines(), ""]:
        match = ROW.match(line)
        if match:
            current.append((match["name"], match["default"].strip().strip("`")))
        elif current:
            tables.append(current)
            current = []
    return tables


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.__name__)
def test_parameter_table_lists_every_parameter_with_its_default(step: type[GlueELTStep[object]]) -> None:
    declared = [(param.name, param.default_text) for param in step.PARAMETERS]
    tables = [table for table in parameter_tables() if table[0][0] == declared[0][0]]
    assert len(tables) == 1, (
        f"one table in {name(PARAMETERS_PAGE)} for {step.__name__}, starting with --{declared[0][0]}"
    )
    assert tables[0] == declared


def test_readme_is_a_landing_page() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


# --- links -----------------------------------------------------------------------------------------------------


def prose(text: str) -> str:
    """``text`` without its fenced code blocks, and inline code replaced by a placeholder of the same kind."""
    return INLINE_CODE.sub("`code`", FENCE.sub("", text))


def heading_texts(text: str) -> list[str]:
    """The headings' text as rendered (code marks, emphasis and link targets dropped), in order."""
    texts = []
    for match in HEADING.finditer(FENCE.sub("", text)):
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", match["text"])
        texts.append(re.sub(r"[`*]", "", plain))
    return texts


def github_slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation other than ``-`` and ``_`` dropped, each space a ``-``."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def mkdocs_slug(text: str) -> str:
    """Python-Markdown's ``toc`` slugify (MkDocs' default): ASCII only, punctuation dropped, runs of spaces and
    ``-`` one ``-``."""
    value = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


def unique(slugs: list[str], separator: str) -> set[str]:
    """Anchors as both renderers number repeated headings (``x``, ``x-1`` on GitHub, ``x_1`` in MkDocs)."""
    seen: dict[str, int] = {}
    anchors = set()
    for slug in slugs:
        count = seen.get(slug, 0)
        anchors.add(slug if count == 0 else f"{slug}{separator}{count}")
        seen[slug] = count + 1
    return anchors


@cache
def anchors(path: Path) -> frozenset[str]:
    """The anchors of ``path`` that GitHub and MkDocs both give (a link to one of these works on both)."""
    texts = heading_texts(path.read_text(encoding="utf-8"))
    return frozenset(unique([github_slug(t) for t in texts], "-") & unique([mkdocs_slug(t) for t in texts], "_"))


def relative_links(path: Path) -> list[str]:
    targets = [match["target"] for match in LINK.finditer(prose(path.read_text(encoding="utf-8")))]
    return [target for target in targets if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def test_the_checks_read_links_and_anchors_as_renderers_do() -> None:
    assert github_slug("Running SQL scripts: RedshiftSqlStep") == "running-sql-scripts-redshiftsqlstep"
    assert mkdocs_slug("Running SQL scripts: RedshiftSqlStep") == "running-sql-scripts-redshiftsqlstep"
    assert github_slug("The Redshift Data API (--executor data_api)") == "the-redshift-data-api---executor-data_api"
    assert mkdocs_slug("The Redshift Data API (--executor data_api)") == "the-redshift-data-api-executor-data_api"
    assert heading_texts("# A `b` [c](d.md)\n```\n# not a heading\n```\n") == ["A b c"]
    assert relative_links(README)  # the README links into docs/


@pytest.mark.parametrize("path", MARKDOWN, ids=name)
def test_every_relative_link_points_to_an_existing_file_and_heading(path: Path) -> None:
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no file {linked}")
        elif path.parent == DOCS and not linked.is_relative_to(DOCS):
            broken.append(f"{target}: outside docs/ (MkDocs --strict refuses it; name the file in code instead)")
        elif anchor and (linked.suffix != ".md" or anchor not in anchors(linked)):
            broken.append(f"{target}: no heading with anchor #{anchor} in {name(linked)}")
    assert not broken, f"{name(path)}: " + "; ".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_page_has_a_title_and_a_summary_and_is_listed_in_the_index(page: Path) -> None:
    title, blank, summary, *_ = page.read_text(encoding="utf-8").splitlines()
    assert title.startswith("# ") and blank == "" and summary and not summary.startswith("#"), name(page)
    if page.name != "index.md":
        assert page.name in relative_links(DOCS / "index.md"), f"docs/index.md does not list {page.name}"
        assert f"docs/{page.name}" in relative_links(README), f"README.md does not link {page.name}"


# --- commands --------------------------------------------------------------------------------------------------


def shell_commands(path: Path) -> list[list[str]]:
    """The commands of the ``bash`` blocks of ``path`` (continuation lines joined, comments dropped), split at
    ``&&``, ``;`` and ``|`` into word lists."""
    commands: list[list[str]] = []
    for block in FENCE.finditer(path.read_text(encoding="utf-8")):
        if block["lang"] not in {"bash", "sh", "shell"}:
            continue
        lines = block["body"].replace("\\\n", " ").splitlines()
        while lines:
            line = lines.pop(0)
            while True:
                try:
                    words = shlex.split(line, comments=True)
                    break
                except ValueError:  # a quoted value (JSON, say) that goes on over lines
                    line += "\n" + lines.pop(0)
            command: list[str] = []
            for word in words:
                if word in {"&&", ";", "|", "||"}:
                    commands.append(command)
                    command = []
                else:
                    command.append(word)
            commands.append(command)
    return [command for command in commands if command]


def inline_python_modules(path: Path) -> list[str]:
    """The modules of ``python -m module`` written in inline code in the prose."""
    spans = INLINE_CODE.findall(FENCE.sub("", path.read_text(encoding="utf-8")))
    return [m for span in spans for m in re.findall(r"python -m ([A-Za-z_][\w.]*)", span)]


def module_exists(module: str) -> bool:
    """``python -m module`` finds it: a module file or a package with ``__main__`` in src/ or the checkout."""
    parts = Path(*module.split("."))
    return any(
        (base / parts).with_suffix(".py").is_file() or (base / parts / "__main__.py").is_file()
        for base in (ROOT / "src", ROOT)
    )


def step_of_module(module: str) -> type[GlueELTStep[object]] | None:
    for command in COMMANDS.values():
        module_name, _, class_name = command.target.partition(":")
        if module_name == module:
            step: type[GlueELTStep[object]] = getattr(importlib.import_module(module_name), class_name)
            return step
    return None


def parameter_names(step: type[GlueELTStep[object]]) -> set[str]:
    return {param.name for param in step.PARAMETERS}


def option_names(words: list[str]) -> list[str]:
    return [word[2:].split("=", 1)[0] for word in words if word.startswith("--")]


def unknown_options(step: type[GlueELTStep[object]], words: list[str]) -> list[str]:
    return [option for option in option_names(words) if option != "help" and option not in parameter_names(step)]


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", text, re.M))


def json_argument(words: list[str], option: str) -> dict[str, str]:
    value: dict[str, str] = json.loads(words[words.index(option) + 1])
    return value


def problems_of(words: list[str]) -> list[str]:
    """What in one shown command does not fit the code or the checkout."""
    program = Path(words[0]).name
    problems = []
    if program in {"python", "python3"} and words[1:2] == ["-m"]:
        module = words[2]
        step = step_of_module(module)
        if not module_exists(module):
            problems.append(f"no module {module}")
        elif step is not None:
            problems += [f"{step.__name__} has no --{option}" for option in unknown_options(step, words[3:])]
    elif program == "glue-elt":
        command = words[1] if len(words) > 1 else ""
        if command not in COMMANDS and command != "--help":
            problems.append(f"no glue-elt command {command!r}")
        elif command in COMMANDS:
            module = COMMANDS[command].target.partition(":")[0]
            step = step_of_module(module)
            assert step is not None
            problems += [f"{step.__name__} has no --{option}" for option in unknown_options(step, words[2:])]
    elif program == "make":
        problems += [f"no make target {t}" for t in words[1:] if "=" not in t and t not in makefile_targets()]
    elif words[:3] == ["aws", "glue", "start-job-run"]:
        keys = [key[2:] for key in json_argument(words, "--arguments")]
        if not any(set(keys) <= parameter_names(step) for step in STEPS):
            problems.append(f"job arguments {keys} are not the parameters of one step")
    elif words[:3] == ["aws", "glue", "create-job"]:
        keys = [key[2:] for key in json_argument(words, "--default-arguments") if key.startswith("--")]
        steps_keys = [key for key in keys if not is_glue_argument(key)]
        if not any(set(steps_keys) <= parameter_names(step) for step in STEPS):
            problems.append(f"default arguments {steps_keys} are neither Glue's nor one step's parameters")
        script = re.search(r"ScriptLocation=s3://[^,\s]*/([^/,\s]+)", " ".join(words))
        if script is None or not (ROOT / "glue_jobs" / script[1]).is_file():
            problems.append("the script location names no file of glue_jobs/")
    elif words[:3] == ["aws", "s3", "cp"]:
        source = words[3]
        if not source.startswith(("s3://", "dist/")) and not (ROOT / source).is_file():
            problems.append(f"no file {source}")
    elif words[:3] == ["aws", "cloudformation", "deploy"]:
        template = words[words.index("--template-file") + 1]
        if not (ROOT / template).is_file():
            problems.append(f"no template {template}")
    return problems


def test_the_command_checks_find_what_does_not_fit() -> None:
    assert problems_of(["python", "-m", "glue_elt.steps.nowhere"]) == ["no module glue_elt.steps.nowhere"]
    assert problems_of(["glue-elt", "migrate", "--config_pth", "s3://b/k"]) == [
        "RedshiftCrossAccountDataMigration has no --config_pth"
    ]
    assert problems_of(["glue-elt", "sql", "--sql_path=s3://b/k", "--help"]) == []
    assert problems_of(["make", "demo", "tset"]) == ["no make target tset"]
    assert problems_of(["aws", "glue", "start-job-run", "--arguments", '{"--sql_path": "x", "--load_type": "y"}'])


@pytest.mark.parametrize("path", MARKDOWN, ids=name)
def test_every_command_shown_names_what_exists(path: Path) -> None:
    commands = shell_commands(path)
    problems = [f"{shlex.join(words)[:80]}: {problem}" for words in commands for problem in problems_of(words)]
    problems += [
        f"python -m {module}: no such module" for module in inline_python_modules(path) if not module_exists(module)
    ]
    assert not problems, f"{name(path)}: " + "; ".join(problems)


def test_the_readme_shows_both_commands_and_each_step_three_ways() -> None:
    commands = shell_commands(README)
    assert ["make", "demo"] in commands and ["make", "test"] in commands
    for step, command in [(RedshiftCrossAccountDataMigration, "migrate"), (RedshiftSqlStep, "sql")]:
        module = COMMANDS[command].target.partition(":")[0]
        assert any(words[:3] == ["python", "-m", module] for words in commands), module
        assert any(words[:2] == ["glue-elt", command] for words in commands), command
        assert re.search(rf"^from glue_elt import .*\b{step.__name__}\b", README.read_text(encoding="utf-8"), re.M)
    jobs = [words for words in commands if words[:3] == ["aws", "glue", "start-job-run"]]
    assert len(jobs) == 2  # one Glue job run per step


@pytest.mark.parametrize("path", MARKDOWN, ids=name)
def test_python_examples_compile_and_import_what_exists(path: Path) -> None:
    for block in FENCE.finditer(path.read_text(encoding="utf-8")):
        if block["lang"] != "python":
            continue
        tree = ast.parse(block["body"], filename=name(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = importlib.import_module(node.module)
                assert all(hasattr(module, alias.name) for alias in node.names), ast.unparse(node)


def test_the_playground_commands_shown_are_those_make_stack_prints() -> None:
    """``make stack`` prints these (``tests/integration/test_local_stack.py`` runs what it prints)."""
    from local_stack import playground

    commands = playground.Commands(".stack/env", ".venv/bin/python", ".venv/bin/glue-elt")
    shown = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    assert f"\n{commands.python_m(playground.CONFIG_ARGS)}\n" in shown
    assert f"\n{commands.glue_elt(playground.SCHEMA_ARGS)}\n" in shown
    assert f"\n{commands.sql(playground.SQL_ARGS)}\n" in shown


def load_parameters_hook() -> Any:
    """docs/hooks/parameters.py, the generator of the parameter tables (an MkDocs hook, not a package)."""
    spec = importlib.util.spec_from_file_location("parameters_hook", DOCS / "hooks" / "parameters.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_parameter_tables_are_generated_from_the_declarations() -> None:
    """The page in the repository holds what the declarations generate (``make docs-params`` writes it anew)."""
    hook = load_parameters_hook()
    text = PARAMETERS_PAGE.read_text(encoding="utf-8")
    assert text.count("generated from its Param declarations") == len(STEPS)
    assert hook.render(text) == text, "docs/parameters.md is stale: run make docs-params"
    stale = text.replace("| `--max_parallel` | `4` |", "| `--max_parallel` | `5` |")
    assert hook.render(stale) == text  # a hand edit inside a generated table does not survive
