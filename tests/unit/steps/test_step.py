"""GlueELTStep: parameter access, help, exit status and clean-up."""

from __future__ import annotations

import logging

import pytest

from glue_elt.core.param_source import resolve_plain
from glue_elt.core.params import Param
from glue_elt.errors import ConfigError
from glue_elt.steps.base import EXIT_CONFIG_ERROR, EXIT_UNEXPECTED, GlueELTStep


class EchoStep(GlueELTStep[str]):
    """A step that returns a parameter, or fails the way it is told to."""

    DESCRIPTION = "echo"
    PARAMETERS = (Param("word", "what to echo"), Param("mode", "how", "plain"))

    def run(self) -> str:
        if self.get_param_value("mode") == "config-error":
            raise ConfigError("bad config")
        if self.get_param_value("mode") == "crash":
            raise RuntimeError("boom")
        return self.get_param_value("word", required=True) or ""

    def exit_code(self, result: str) -> int:
        return 0 if result == "ok" else 1


def test_declared_default_is_used() -> None:
    assert EchoStep({"word": "x"}).get_param_value("mode") == "plain"
    assert EchoStep({"word": "x"}).get_param_value("mode", "other") == "other"


def test_required_parameter_missing() -> None:
    with pytest.raises(ConfigError, match="missing required job parameter --word"):
        EchoStep({}).run()


def test_argv_list_without_program_name() -> None:
    step = EchoStep(["--word", "hello", "--JOB_RUN_ID", "jr_1"], resolver=resolve_plain)
    assert step.run() == "hello"


def test_start_exits_zero_silently_on_success() -> None:
    EchoStep({"word": "ok"}).start()


def test_start_exits_with_result_status() -> None:
    with pytest.raises(SystemExit) as exit_info:
        EchoStep({"word": "nope"}).start()
    assert exit_info.value.code == 1


@pytest.mark.parametrize(("mode", "code"), [("config-error", EXIT_CONFIG_ERROR), ("crash", EXIT_UNEXPECTED)])
def test_start_turns_errors_into_exit_status(mode: str, code: int, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exit_info:
        EchoStep({"word": "x", "mode": mode}).start()
    assert exit_info.value.code == code
    assert "EchoStep failed" in caplog.text


def test_help_lists_parameters_with_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    EchoStep(["prog", "--help"]).start()
    out = capsys.readouterr().out
    assert "--word" in out and "--mode" in out and "[default: 'plain']" in out


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == "glue_elt.steps.base"]


def test_a_typo_of_a_parameter_exits_2_before_the_step_runs(caplog: pytest.LogCaptureFixture) -> None:
    argv = ["prog", "--word", "ok", "--wrod", "hunter2", "--xyz=s3cr3t", "--wrod", "again", "--JOB_ID", "j_1"]
    argv += ["--job-bookmark-option", "job-bookmark-disable", "--TempDir", "s3://t/", "--enable-metrics", "true"]
    ran: list[bool] = []
    step = EchoStep(argv, resolver=resolve_plain)
    step.run = lambda: ran.append(True) or "ok"  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING), pytest.raises(SystemExit) as exit_info:
        step.start()
    assert exit_info.value.code == EXIT_CONFIG_ERROR and ran == []
    assert warnings_of(caplog) == ["--xyz is not a parameter of EchoStep; see --help"]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "EchoStep failed: --wrod (did you mean --word?) is not a parameter of EchoStep: stopped before reading "
        "anything; correct the name (--help lists the parameters)"
    ]
    assert "hunter2" not in caplog.text and "s3cr3t" not in caplog.text and "again" not in caplog.text


def test_an_unknown_argument_close_to_no_parameter_warns_once_and_the_run_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    argv = ["prog", "--word", "ok", "--xyz=s3cr3t", "--xyz", "again", "--JOB_ID", "j_1", "--enable-metrics", "true"]
    with caplog.at_level(logging.WARNING):
        EchoStep(argv, resolver=resolve_plain).start()
    assert warnings_of(caplog) == ["--xyz is not a parameter of EchoStep; see --help"]
    assert "s3cr3t" not in caplog.text and "again" not in caplog.text


def test_typo_of_a_glue_argument_names_glues(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        EchoStep(["prog", "--word", "ok", "--job-bookmark-optoin", "x"], resolver=resolve_plain).start()
    assert warnings_of(caplog) == [
        "--job-bookmark-optoin is not a parameter of this step; did you mean AWS Glue's --job-bookmark-option?"
    ]


def test_no_warning_for_parameters_and_glue_arguments(caplog: pytest.LogCaptureFixture) -> None:
    argv = ["prog", "--word=ok", "--mode", "plain", "--JOB_RUN_ID", "jr_1", "--enable-new-glue-feature", "true"]
    with caplog.at_level(logging.WARNING):
        EchoStep(argv, resolver=resolve_plain).start()
    assert warnings_of(caplog) == []


def test_unknown_mapping_key_fails_at_construction() -> None:
    with pytest.raises(ConfigError, match=r"EchoStep has no parameter 'wrod' \(did you mean 'word'\?\)"):
        EchoStep({"wrod": "x"})
    with pytest.raises(ConfigError, match=r"EchoStep has no parameters '--wrod' \(did you mean 'word'\?\), 'xyz';"):
        EchoStep({"--wrod": "x", "xyz": 1})


def test_mapping_keys_with_or_without_dashes_and_glue_arguments_are_accepted() -> None:
    assert EchoStep({"--word": "ok", "mode": "plain", "JOB_RUN_ID": "jr_1", "TempDir": "s3://t/"}).run() == "ok"
