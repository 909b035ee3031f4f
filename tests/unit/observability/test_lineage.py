"""The lineage emitter: when it is on, what it sends, and that it never holds up or fails a run."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from glue_elt.observability import lineage
from glue_elt.observability.lineage import (
    NO_LINEAGE,
    DatasetRef,
    Emitter,
    LineageRun,
    glue_parent,
    new_run_id,
    open_lineage,
)
from glue_elt.observability.lineage_config import configured, job_namespace, split_url

ROOT = Path(__file__).resolve().parents[3]
RUN = LineageRun(
    "redshift_cross_account_migration.dev.tgt.orders",
    new_run_id(),
    (
        DatasetRef(
            "redshift://p.us-east-1:5439", "shared_db.src.orders", (("id", "integer"), ("amount", "numeric(10,2)"))
        ),
    ),
    (DatasetRef("redshift://c.us-east-1:5439", "dev.tgt.orders", (("id", "integer"),), 7),),
    "INSERT INTO tgt.orders (id) SELECT id FROM shared_db.src.orders",
)


class Recording:
    """A client that keeps the JSON of every event it is given."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def emit(self, event: Any) -> None:
        from openlineage.client.serde import Serde

        self.bodies.append(json.loads(Serde.to_json(event)))


class Refusing:
    def __init__(self) -> None:
        self.calls = 0

    def emit(self, event: Any) -> None:
        self.calls += 1
        raise ConnectionError("connection refused")


class Stuck:
    """A client whose first send never returns until released: a hung endpoint."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def emit(self, event: Any) -> None:
        self.release.wait()


@pytest.fixture(autouse=True)
def _client() -> None:
    pytest.importorskip("openlineage.client")


def lineage_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == lineage.__name__ and r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("url", "environ", "on"),
    [
        (None, {}, False),
        ("http://127.0.0.1:5000", {}, True),
        (None, {"OPENLINEAGE_URL": "http://x:5000"}, True),
        (None, {"OPENLINEAGE_URL": " "}, False),
        (None, {"OPENLINEAGE_CONFIG": "/etc/ol.yml"}, True),
        (None, {"OPENLINEAGE__TRANSPORT__TYPE": "http"}, True),
        (None, {"OPENLINEAGE_NAMESPACE": "x"}, False),  # a namespace alone sends nothing
        ("http://127.0.0.1:5000", {"OPENLINEAGE_DISABLED": "TRUE"}, False),
    ],
)
def test_when_lineage_is_on(
    url: str | None, environ: dict[str, str], on: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert configured(url, environ, home=tmp_path) is on


def test_a_config_file_where_the_client_looks_turns_it_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "home" / ".openlineage").mkdir(parents=True)
    assert not configured(None, {}, home=tmp_path / "home")
    (tmp_path / "home" / ".openlineage" / "openlineage.yml").write_text("transport: {type: console}\n")
    assert configured(None, {}, home=tmp_path / "home")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    (tmp_path / "work" / "openlineage.yml").write_text("transport: {type: console}\n")
    assert configured(None, {}, home=tmp_path)


def test_urls_namespaces_and_the_glue_parent() -> None:
    assert split_url("http://m:5000") == ("http://m:5000", "api/v1/lineage")
    assert split_url("http://m:5000/api/v1/lineage/") == ("http://m:5000", "api/v1/lineage")
    assert split_url("https://m/proxy/") == ("https://m/proxy", "api/v1/lineage")
    assert job_namespace({}) == "glue-elt" and job_namespace({"OPENLINEAGE_NAMESPACE": "etl"}) == "etl"
    parent = glue_parent("nightly", "jr_1", "glue-elt")
    assert parent is not None and parent == glue_parent("nightly", "jr_1", "glue-elt")  # the same for every step
    assert uuid.UUID(parent.run_id) and parent.name == "nightly"
    assert glue_parent("nightly", None, "glue-elt") is None and glue_parent(None, "jr_1", "glue-elt") is None


def test_events_carry_the_names_and_facets() -> None:
    client = Recording()
    emitter = Emitter(lambda: client, "glue-elt", glue_parent("nightly", "jr_1", "glue-elt"))
    emitter.start(RUN)
    emitter.fail(RUN, "duplicate merge keys")
    emitter.close()
    start, fail = client.bodies
    assert (start["eventType"], fail["eventType"]) == ("START", "FAIL")
    assert start["run"]["runId"] == fail["run"]["runId"] == RUN.run_id
    assert start["job"] == fail["job"] | {"facets": start["job"]["facets"]}
    assert start["job"]["namespace"] == "glue-elt" and start["job"]["name"] == RUN.job
    assert start["job"]["facets"]["sql"]["query"] == RUN.sql and start["job"]["facets"]["sql"]["dialect"] == "redshift"
    assert start["job"]["facets"]["jobType"]["processingType"] == "BATCH"
    (source,), (target,) = start["inputs"], start["outputs"]
    assert (source["namespace"], source["name"]) == ("redshift://p.us-east-1:5439", "shared_db.src.orders")
    assert [(f["name"], f["type"]) for f in source["facets"]["schema"]["fields"]] == list(RUN.inputs[0].fields)
    assert target["outputFacets"]["outputStatistics"]["rowCount"] == 7
    parent = start["run"]["facets"]["parent"]
    assert (parent["job"]["namespace"], parent["job"]["name"]) == ("glue-elt", "nightly")
    assert uuid.UUID(parent["run"]["runId"])
    assert fail["run"]["facets"]["errorMessage"]["message"] == "duplicate merge keys"
    assert "errorMessage" not in start["run"]["facets"]
    assert start["producer"].startswith("https://pypi.org/project/glue-elt/")
    assert start["eventTime"] <= fail["eventTime"]


def test_no_dataset_facets_without_columns_or_counts() -> None:
    client = Recording()
    emitter = Emitter(lambda: client, "glue-elt")
    emitter.complete(
        LineageRun(
            "j", new_run_id(), (DatasetRef("redshift://c:5439", "d.s.a"),), (DatasetRef("redshift://c:5439", "d.s.b"),)
        )
    )
    emitter.close()
    (body,) = client.bodies
    assert body["inputs"][0]["facets"] == {} and body["outputs"][0]["outputFacets"] == {}
    assert "sql" not in body["job"]["facets"] and "parent" not in body["run"]["facets"]


def test_a_refusing_endpoint_is_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    client = Refusing()
    emitter = Emitter(lambda: client, "glue-elt")
    for _ in range(20):
        emitter.start(RUN)
    emitter.close()
    assert client.calls == 20 and emitter.failed == 20
    (warning,) = lineage_warnings(caplog)
    assert "ConnectionError: connection refused" in warning and "the run goes on" in warning


def test_a_client_that_cannot_be_made_is_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> Any:
        raise ValueError("Failed to parse OpenLineage config.")

    emitter = Emitter(broken, "glue-elt")
    emitter.start(RUN)
    emitter.complete(RUN)
    emitter.close()
    (warning,) = lineage_warnings(caplog)
    assert "could not be set up: ValueError" in warning and emitter.dropped == 2


def test_a_hung_endpoint_does_not_hold_up_close(caplog: pytest.LogCaptureFixture) -> None:
    client = Stuck()
    emitter = Emitter(lambda: client, "glue-elt", drain_seconds=0.2)
    for _ in range(3):
        emitter.start(RUN)
    emitter.close()  # returns although the first event never goes out
    (warning,) = lineage_warnings(caplog)
    assert "not sent within 0.2 s" in warning
    client.release.set()  # let the thread drop the rest and end
    thread = next(t for t in threading.enumerate() if t.name == lineage.THREAD_NAME)
    thread.join(10)
    assert not thread.is_alive() and emitter.sent == 1 and emitter.dropped == 2


def test_close_can_be_given_a_shorter_drain(caplog: pytest.LogCaptureFixture) -> None:
    client = Stuck()
    emitter = Emitter(lambda: client, "glue-elt", drain_seconds=30)
    emitter.start(RUN)
    started = time.monotonic()
    emitter.close(0.1)  # a stopped run's budget instead of the emitter's 30 s
    assert time.monotonic() - started < 10
    (warning,) = lineage_warnings(caplog)
    assert "not sent within 0.1 s" in warning
    client.release.set()
    thread = next(t for t in threading.enumerate() if t.name == lineage.THREAD_NAME)
    thread.join(10)
    assert not thread.is_alive()


def test_close_without_events_starts_nothing() -> None:
    emitter = Emitter(Refusing, "glue-elt")
    emitter.close()
    assert not [t for t in threading.enumerate() if t.name == lineage.THREAD_NAME]


def test_begin_sets_the_client_up_before_any_event_and_close_then_ends_the_thread() -> None:
    made = threading.Event()

    def make() -> Recording:
        made.set()
        return Recording()

    emitter = Emitter(make, "glue-elt")
    emitter.begin()
    emitter.begin()  # once
    assert made.wait(10)
    assert len([t for t in threading.enumerate() if t.name == lineage.THREAD_NAME]) == 1
    emitter.close()
    assert not [t for t in threading.enumerate() if t.name == lineage.THREAD_NAME]
    assert (emitter.sent, emitter.failed, emitter.dropped) == (0, 0, 0)


def test_not_installed_is_one_warning(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(lineage, "client_installed", lambda: False)
    assert open_lineage("http://127.0.0.1:9", environ={}) is NO_LINEAGE
    (warning,) = lineage_warnings(caplog)
    assert "pip install glue-elt[lineage]" in warning


def test_open_lineage_is_an_emitter_when_configured() -> None:
    made = open_lineage("http://127.0.0.1:9", environ={"OPENLINEAGE_NAMESPACE": "etl"})
    assert isinstance(made, Emitter) and made.namespace == "etl"
    made.close()


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENLINEAGE")}
    env |= {"PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "HOME": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )


def test_without_configuration_openlineage_is_never_imported(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from glue_elt import RedshiftCrossAccountDataMigration, RedshiftSqlStep\n"
        "from glue_elt.observability.lineage import NO_LINEAGE\n"
        "assert RedshiftSqlStep({'sql_path': 's3://b/k.sql', 'secret_name': 's'}).lineage() is NO_LINEAGE\n"
        "assert RedshiftCrossAccountDataMigration({'config_path': 's3://b/k.csv'}).lineage() is NO_LINEAGE\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'openlineage'))\n"
    )
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_the_extra_a_configured_run_warns_once_and_goes_on(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['openlineage'] = None  # as if glue-elt[lineage] were not installed\n"
        "from glue_elt.observability.lineage import NO_LINEAGE, open_lineage\n"
        "assert open_lineage('http://127.0.0.1:9') is NO_LINEAGE\n"
    )
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("pip install glue-elt[lineage]") == 1
