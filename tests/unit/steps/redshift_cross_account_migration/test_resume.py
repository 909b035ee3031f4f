"""What a stopped run says of its chunked rows: their error, the log line, and the command that resumes them, for
each way a step is started (``python -m``, a script, ``glue-elt``, AWS Glue, code)."""

from __future__ import annotations

import importlib.machinery
import logging
import shlex
import sys
import types

import pytest

from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow
from glue_elt.steps.redshift_cross_account_migration.results import MigrationResult, RowOutcome, RowStatus
from glue_elt.steps.redshift_cross_account_migration.resume import cancelled_error, log_stopped, rerun_hint
from glue_elt.steps.redshift_cross_account_migration.settings import PARAMETERS

NAMES = [param.name for param in PARAMETERS]
ROW = MigrationRow("shared_db.s.big", "a.big", "secret", line=2)
STOPPED = RowOutcome(ROW, RowStatus.FAILED, None, 1.0, "chunk 3/6 (id > 500 and <= 1000) failed, 2 of 6 committed …",
                     chunks=(2, 6), ended_at="chunk 3/6 (id > 500 and <= 1000)")  # fmt: skip


def test_a_chunked_row_a_stop_ended_says_where_it_stood_and_a_row_loaded_whole_stays_cancelled() -> None:
    assert cancelled_error(STOPPED) == (
        "cancelled: stopped at chunk 3/6 (id > 500 and <= 1000), 2 of 6 chunk(s) committed "
        "(a re-run with this run id resumes after them)"
    )
    assert cancelled_error(RowOutcome(ROW, RowStatus.FAILED, None, 1.0, "x", chunks=(6, 6))) == (
        "cancelled: stopped, 6 of 6 chunk(s) committed (a re-run with this run id resumes after them)"
    )  # every chunk in, the row's record refused
    assert cancelled_error(RowOutcome(ROW, RowStatus.FAILED, None, 1.0, "x")) == "cancelled"


@pytest.mark.parametrize(
    ("main_module", "program"),
    [
        ("glue_elt.steps.redshift_cross_account_migration.__main__",
         ["-m", "glue_elt.steps.redshift_cross_account_migration"]),  # python -m <package>
        ("glue_elt.steps.redshift_cross_account_migration.step",
         ["-m", "glue_elt.steps.redshift_cross_account_migration.step"]),  # python -m <module>
        (None, ["/x/job.py"]),  # python <script>
    ],
)  # fmt: skip
def test_the_process_command_line_is_repeated_with_the_run_id_set(
    monkeypatch: pytest.MonkeyPatch, main_module: str | None, program: list[str]
) -> None:
    argv = ["/x/job.py", "--config_path", "s3://b/k 1.csv", "--run_id=old", "--chunk_rows", "500"]
    main = types.ModuleType("__main__")
    main.__spec__ = None if main_module is None else importlib.machinery.ModuleSpec(main_module, None)
    monkeypatch.setitem(sys.modules, "__main__", main)
    monkeypatch.setattr(sys, "argv", argv)
    hint = rerun_hint(list(argv), "r-1", NAMES)
    assert hint.startswith("run: ")
    assert shlex.split(hint.removeprefix("run: ")) == [
        sys.executable, *program, "--config_path", "s3://b/k 1.csv", "--chunk_rows", "500", "--run_id", "r-1",
    ]  # fmt: skip


def test_the_glue_elt_command_is_repeated_as_glue_elt() -> None:
    hint = rerun_hint(["glue-elt migrate", "--config_path", "s3://b/k.csv", "--run_id", "old"], "r-1", NAMES)
    words = shlex.split(hint.removeprefix("run: "))
    assert words[1:] == ["migrate", "--config_path", "s3://b/k.csv", "--run_id", "r-1"]
    assert words[0].endswith("glue-elt")


def test_in_glue_the_hint_is_a_start_job_run_with_the_steps_arguments_and_the_run_id() -> None:
    argv = ["script.py", "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_9", "--JOB_NAME", "nightly", "--TempDir", "s3://t/",
            "--config_path", "s3://b/k.csv", "--chunk_rows", "500"]  # fmt: skip
    assert rerun_hint(argv, "jr_9", NAMES) == (
        "start the Glue job again: aws glue start-job-run --job-name nightly --arguments "
        """'{"--config_path":"s3://b/k.csv","--chunk_rows":"500","--run_id":"jr_9"}'"""
    )
    without_name = [arg for arg in argv if arg not in ("--JOB_NAME", "nightly")]
    assert rerun_hint(without_name, "jr_9", NAMES) == "start the Glue job again with the argument --run_id jr_9"


def test_a_step_made_in_code_is_told_the_run_id() -> None:
    expected = "run the step again with run id r-1 (run_id='r-1' among its arguments)"
    assert rerun_hint(None, "r-1", NAMES) == expected
    assert rerun_hint(["RedshiftCrossAccountDataMigration", "--config_path", "s3://b/k"], "r-1", NAMES) == expected


def test_a_stopped_run_logs_each_chunked_row_it_ended_with_the_hint(caplog: pytest.LogCaptureFixture) -> None:
    cancelled = RowOutcome(ROW, RowStatus.FAILED, None, 1.0, cancelled_error(STOPPED), chunks=(2, 6),
                           ended_at=STOPPED.ended_at)  # fmt: skip
    failed_alone = RowOutcome(ROW, RowStatus.FAILED, None, 1.0, "chunk 2/4 … failed", chunks=(1, 4), ended_at="x")
    whole = RowOutcome(ROW, RowStatus.FAILED, None, 1.0, "cancelled")
    result = MigrationResult("r-1", (cancelled, failed_alone, whole), cancelled=True)
    with caplog.at_level(logging.INFO):
        log_stopped(result, "run: python -m x --run_id r-1")
        log_stopped(MigrationResult("r-1", (cancelled,)), "run: never")  # not stopped: nothing
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "a.big (line 2): stopped at chunk 3/6 (id > 500 and <= 1000), 2 of 6 chunk(s) committed; "
        "to resume, run: python -m x --run_id r-1"
    )
