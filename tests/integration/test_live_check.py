"""``python -m live_check`` run against the session's stack (``GLUE_ELT_LIVE_SECRET`` names its secret): every
check passes, each open question gets an answer, and nothing the check created is left, also when it is interrupted
or fails half-way."""

from __future__ import annotations

import json

import boto3
import pytest

from live_check.__main__ import main
from live_check.questions import Questions
from live_check.step_checks import StepChecks
from live_check.workspace import PREFIX
from local_stack import StackEndpoints
from local_stack.endpoints import LOCAL_WORKGROUP
from tests.conftest import Db

QUESTIONS = (
    "SVV_REDSHIFT_TABLES and SVV_REDSHIFT_COLUMNS",
    "Does LOCK inside a transaction take no snapshot?",
    "statement_timeout returns through the Data API",
    "SYS_QUERY_HISTORY.query_text",
    "CREATE TABLE of an existing table",
    "SYS_SESSION_HISTORY",
    "a failed conversion's context",
)


def leftovers(db: Db) -> list[tuple[object, ...]]:
    """The check's schemas still on the server."""
    return db.rows(f"SELECT nspname FROM pg_namespace WHERE nspname LIKE '{PREFIX}%'")


@pytest.fixture
def live_env(monkeypatch: pytest.MonkeyPatch, cluster_secret: str) -> None:
    monkeypatch.setenv("GLUE_ELT_LIVE_SECRET", cluster_secret)


@pytest.mark.usefixtures("live_env")
def test_the_check_passes_on_the_stack_answers_each_question_and_leaves_nothing(
    db: Db, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([])
    report = capsys.readouterr().out
    assert code == 0, report
    assert report.startswith("## Live check\n")
    assert "- result: PASS (8 of 8 checks passed)" in report
    checks = [
        line for line in report.splitlines() if line.startswith("| ") and ("| PASS |" in line or "| FAIL |" in line)
    ]
    assert [line.split(" | ")[0].removeprefix("| ") for line in checks] == [
        "migration, driver: targets created, then loaded",
        "migration, data_api: overwrite",
        "SQL step, driver: one transaction, once per run id",
        "SQL step, data_api: one transaction, once per run id",
        "SQL step, data_api: VACUUM in autocommit mode (an AUTO_COMMIT batch)",
        "cancel(), driver: a running load stopped from another thread",
        "cancel(), data_api: a running load stopped from another thread",
        "everything the check created was removed",
    ]
    answers = report.split("### Open questions of the compatibility record")[1]
    for question in QUESTIONS:
        assert question in answers
    assert "Status FAILED" in answers and "already exists" in answers  # the stand-in's own answers
    assert (
        "carried Carried(figures=(2, 0, 2, 0), examples=[('s', ('" in answers
    )  # the stand-in's message holds the text
    assert leftovers(db) == []


@pytest.mark.usefixtures("live_env")
@pytest.mark.parametrize(("stop", "code"), [(KeyboardInterrupt, 130), (RuntimeError, 1)])
def test_an_interrupted_or_failed_check_still_removes_what_it_created(
    db: Db, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stop: type[BaseException], code: int
) -> None:
    created: list[tuple[object, ...]] = []

    def stopped(checks: StepChecks) -> None:
        created.extend(leftovers(db))
        raise stop("stopped half-way")

    monkeypatch.setattr(StepChecks, "run_all", stopped)
    assert main([]) == code
    report = capsys.readouterr().out
    assert len(created) == 3  # work, target and source schemas existed when it stopped
    assert leftovers(db) == []
    assert "| everything the check created was removed | PASS |" in report
    assert "- result: FAIL" in report


def test_a_managed_admin_secret_gets_a_secret_of_the_checks_own_for_the_run_only(
    db: Db, endpoints: StackEndpoints, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret with a username and password only (as Redshift manages an admin's) and the workgroup named in the
    environment: the check writes a glue-elt secret with both for the run, and deletes it at the end."""
    managed = "live-check/managed-admin"
    payload = {"username": endpoints.etl_user, "password": endpoints.etl_password, "ssl": False}  # PgBouncer: no TLS
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=managed, SecretString=json.dumps(payload))
    monkeypatch.setenv("GLUE_ELT_LIVE_SECRET", managed)
    monkeypatch.setenv("GLUE_ELT_LIVE_WORKGROUP", LOCAL_WORKGROUP)
    monkeypatch.setenv("GLUE_ELT_LIVE_DATABASE", endpoints.database)
    monkeypatch.setattr(StepChecks, "run_all", lambda checks: None)  # the steps are the first test's
    monkeypatch.setattr(Questions, "ask_all", lambda questions, run_ids: None)
    code = main([])
    report = capsys.readouterr().out
    assert code == 0, report
    names = [s["Name"] for s in secrets.list_secrets()["SecretList"]]
    assert managed in names and not [name for name in names if name.startswith("glue-elt-live-check-")]
    assert endpoints.etl_password not in report
    assert leftovers(db) == []


@pytest.mark.usefixtures("stack")
def test_a_secret_that_cannot_be_read_fails_the_check_with_a_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLUE_ELT_LIVE_SECRET", "live-check/no-such-secret")
    assert main([]) == 1
    report = capsys.readouterr().out
    assert "| the check could reach its target | FAIL | SecretError: secret 'live-check/no-such-secret'" in report
