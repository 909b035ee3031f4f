"""The ``glue-elt`` command: help, dispatch to the registered steps, exit statuses, lazy imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from glue_elt import cli
from glue_elt.cli import COMMANDS, Command, load_step, main
from glue_elt.steps.base import EXIT_CONFIG_ERROR, EXIT_OK, EXIT_ROWS_FAILED, EXIT_UNEXPECTED

ECHO = Command("tests.unit.steps.test_step:EchoStep", "echo a word")


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test step registered as ``glue-elt echo``."""
    monkeypatch.setitem(COMMANDS, "echo", ECHO)


def test_help_lists_every_command_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("usage: glue-elt COMMAND [--name value ...]")
    for name, command in COMMANDS.items():
        (line,) = [line for line in out.splitlines() if line.startswith(f"  {name} ")]
        assert line.split(None, 1)[1] == command.summary
    assert main(["-h"]) == EXIT_OK


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_names_a_step_whose_description_is_its_summary(name: str) -> None:
    step = load_step(COMMANDS[name].target)
    assert COMMANDS[name].summary == step.DESCRIPTION
    assert name == step.NAME  # also the Step dimension of the step's metrics


def test_no_command_prints_usage_to_stderr_and_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_CONFIG_ERROR
    captured = capsys.readouterr()
    assert captured.out == "" and "usage: glue-elt COMMAND" in captured.err


def test_unknown_command_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrat", "--config_path", "s3://b/k"]) == EXIT_CONFIG_ERROR
    assert capsys.readouterr().err == "glue-elt: unknown command 'migrat'; did you mean 'migrate'?\n"
    assert main(["xyz"]) == EXIT_CONFIG_ERROR
    assert capsys.readouterr().err == "glue-elt: unknown command 'xyz'; see 'glue-elt --help'\n"


def test_command_help_is_the_steps_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("usage: RedshiftCrossAccountDataMigration")
    assert "--config_path" in out and "--max_parallel" in out


@pytest.mark.usefixtures("echo")
@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["--word", "ok"], EXIT_OK),
        (["--word=nope", "--JOB_RUN_ID", "jr_1"], EXIT_ROWS_FAILED),
        (["--word", "x", "--mode", "config-error"], EXIT_CONFIG_ERROR),
        (["--word", "x", "--mode", "crash"], EXIT_UNEXPECTED),
        ([], EXIT_CONFIG_ERROR),  # the required --word is missing
    ],
)
def test_dispatch_passes_the_remaining_arguments_and_returns_the_steps_status(args: list[str], status: int) -> None:
    assert main(["echo", *args]) == status


def test_dispatch_gives_the_step_a_glue_style_argv(echo: None, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str] | None] = []

    def run(self: object) -> str:
        seen.append(self._params.argv)  # type: ignore[attr-defined]
        return "ok"

    monkeypatch.setattr(load_step(ECHO.target), "run", run)
    assert main(["echo", "--word", "ok", "--JOB_ID", "j_1"]) == EXIT_OK
    assert seen == [["glue-elt echo", "--word", "ok", "--JOB_ID", "j_1"]]


def test_migrate_without_a_mode_exits_two_like_python_m(caplog: pytest.LogCaptureFixture) -> None:
    assert main(["migrate", "--JOB_ID", "j_1", "--zzz", "append"]) == EXIT_CONFIG_ERROR
    assert "no migration rows: give --config_path" in caplog.text
    assert "--zzz is not a parameter of RedshiftCrossAccountDataMigration; see --help" in caplog.text


def test_a_typo_of_a_parameter_exits_two_before_the_mode_is_read(caplog: pytest.LogCaptureFixture) -> None:
    assert main(["migrate", "--JOB_ID", "j_1", "--load_typ", "append"]) == EXIT_CONFIG_ERROR
    assert "--load_typ (did you mean --load_type?) is not a parameter of" in caplog.text
    assert "no migration rows" not in caplog.text


def test_load_step_refuses_what_is_not_a_step() -> None:
    with pytest.raises(TypeError, match="is not a GlueELTStep"):
        load_step("glue_elt.cli:Command")


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (4, 4), ("message", 1)])
def test_exit_status_follows_sys_exit(code: object, status: int) -> None:
    assert cli.exit_status(code) == status


def test_steps_are_imported_only_when_their_command_runs() -> None:
    script = (
        "import sys\n"
        "from glue_elt import cli\n"
        "assert cli.main(['--help']) == 0\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('glue_elt.steps.redshift_',)))\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
