"""Long runs on the local stack: a running statement's connections send keepalives a NAT gateway would notice, and a
run outlives the IAM database credentials it started with (issue 29, item 4).

The keepalive timer is read as an operator would, with ``ss -tnpo`` (iproute2), for this process's connections to
the front door while the step's statement runs; the credentials are made to last seconds by the local Redshift API's
``credential_seconds`` control (the library still asks for the real API's 3,600), and really stop working then.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Callable, Iterator

import pytest

from local_stack import LocalStack, StackEndpoints
from local_stack.aws_api.process import request_counts, set_faults
from tests.conftest import Db, run_step
from tests.integration.isolation import slow_rows
from tests.integration.test_iam_credentials import KINDS, iam_secret

pytestmark = pytest.mark.integration

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
NAT_SAFE_SECONDS = 300
"""AWS's NAT gateways and load balancers drop a flow silent for 350 s: the first probe must come well before."""
_TIMER = re.compile(r"timer:\(keepalive,([^,]+),")
_SS_TIME = re.compile(r"(?:(\d+)min)?(?:(\d+)(sec|\.))?(?:(\d+)ms)?")


def ss_seconds(text: str) -> float:
    """An ``ss`` timer as seconds: ``119min``, ``1min59sec``, ``59sec``, ``5.123ms`` (5.123 s) or ``123ms``
    (iproute2's ``print_ms_timer``)."""
    found = _SS_TIME.fullmatch(text)
    assert found is not None and text, f"not an ss timer: {text!r}"
    minutes, seconds, _, millis = found.groups()
    return int(minutes or 0) * 60 + int(seconds or 0) + int(millis or 0) / 1000


def keepalive_timers(port: int) -> list[float]:
    """The keepalive timers (seconds to the next probe) of this process's established connections to ``port`` (one
    sending data at that moment shows its retransmission timer instead)."""
    command = ["ss", "-tnpo", "state", "established", f"( dport = :{port} )"]
    shown = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    mine = [line for line in shown.splitlines() if f"pid={os.getpid()}," in line]
    return [ss_seconds(found[1]) for line in mine if (found := _TIMER.search(line))]


class Watcher(threading.Thread):
    """Reads ``keepalive_timers`` again and again until stopped."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.seen: list[float] = []
        self.failure: BaseException | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(0.2):
                self.seen += keepalive_timers(self.port)
        except BaseException as error:  # reported by the test
            self.failure = error


@pytest.fixture
def faults(stack: LocalStack) -> Iterator[str]:
    """The local Redshift API server's test controls; everything is disarmed afterwards."""
    url = stack.endpoints.redshift_api_url
    yield url
    set_faults(url, reset=True)


def test_a_running_statement_s_connections_probe_well_before_a_nat_gateway_forgets_them(
    stack: LocalStack, db: Db, schemas: tuple[str, str], etl_secret: str, put_config: Callable[[str, str], str]
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t SELECT g FROM generate_series(1, 40) g")
    db.as_etl(f"CREATE TABLE {target}.t (id int)")
    slow_rows(db, target, "t", seconds=0.1)  # the INSERT … SELECT runs about 4 s
    config = put_config(f"{target}/alive.csv", f"{HEADER}\nshared_db.{source}.t###{target}.t#{etl_secret}#append\n")
    watcher = Watcher(stack.endpoints.front_door_port)
    watcher.start()
    try:
        result = run_step({"config_path": config, "executor": "driver"})
    finally:
        watcher.done.set()
        watcher.join()
    assert watcher.failure is None, watcher.failure
    assert result.ok and db.count(f"{target}.t") == 40
    assert watcher.seen, "no connection of the step to the front door was seen"
    assert max(watcher.seen) < NAT_SAFE_SECONDS, sorted(watcher.seen)[-3:]


def test_a_run_outlives_its_iam_database_credentials(
    endpoints: StackEndpoints,
    db: Db,
    schemas: tuple[str, str],
    put_config: Callable[[str, str], str],
    faults: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Logins last 3 s; the first row's load alone takes longer, and the later rows need new connections (two
    secrets, one connection at a time): each new connection logs in with new credentials, and every row loads."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t SELECT g FROM generate_series(1, 30) g")
    db.as_etl(*[f"CREATE TABLE {target}.t{i} (id int)" for i in (1, 2, 3)])
    slow_rows(db, target, "t1", seconds=0.15)  # row 1 loads for about 4.5 s
    first, second = iam_secret(endpoints, **KINDS["cluster_user"]), iam_secret(endpoints, **KINDS["cluster_user"])
    lines = [f"shared_db.{source}.t###{target}.t{i}#{secret}#append" for i, secret in ((1, first), (2, second))]
    lines.append(f"shared_db.{source}.t###{target}.t3#{first}#append")
    config = put_config(f"{target}/expiring.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    assert set_faults(faults, credential_seconds=3)["credential_seconds"] == 3
    request_counts(endpoints.redshift_api_url, reset=True)
    result = run_step({"config_path": config, "executor": "driver", "max_parallel": 1})
    assert result.ok, [outcome.error for outcome in result.outcomes]
    assert [db.count(f"{target}.t{i}") for i in (1, 2, 3)] == [30, 30, 30]
    issued = request_counts(endpoints.redshift_api_url)["total"].get("GetClusterCredentials", 0)
    assert issued >= 3, issued  # the logins of the first connections, and new ones for those opened later
    assert caplog.text.count("temporary credentials for IAM:etl_user from GetClusterCredentials") == issued
    assert "refused at log-in" not in caplog.text  # renewed before use, not after a refusal
