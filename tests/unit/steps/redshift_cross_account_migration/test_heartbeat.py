"""Rows in flight: a line when a row starts, heartbeats while it runs that stop with it, and the tables in flight
beside a terminal's progress bar."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from glue_elt.redshift.names import Identifier
from glue_elt.steps.redshift_cross_account_migration.heartbeat import THREAD_NAME, InFlight, elapsed_text
from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow
from glue_elt.steps.redshift_cross_account_migration.report import Progress
from glue_elt.steps.redshift_cross_account_migration.runner import PreparedRow
from glue_elt.steps.redshift_cross_account_migration.sql import load_sql
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

LOGGER = "glue_elt.steps.redshift_cross_account_migration.heartbeat"


def prepared(target: str) -> PreparedRow:
    plan = validate_row(MigrationRow("shared_db.s.src", target, "redshift-secret", load_type="upsert",
                                     merge_keys="id", line=3))  # fmt: skip
    return PreparedRow(plan.row, "key", plan, load_sql(plan, (Identifier("id"),)))


class Beats(logging.Handler):
    """Sets ``seen`` at the first heartbeat line."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = threading.Event()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        if "running for" in record.getMessage():
            self.seen.set()


@pytest.fixture
def beats() -> Iterator[Beats]:
    handler = Beats()
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)


def test_a_row_logs_its_start_then_heartbeats_until_it_ends(beats: Beats) -> None:
    shown: list[list[str]] = []
    in_flight = InFlight(0.01, lambda tables: shown.append(list(tables)))
    with in_flight.running(prepared("mart.orders")):
        assert beats.seen.wait(60), "no heartbeat while the row ran"
    count = len(beats.lines)
    assert beats.lines[0] == "mart.orders (line 3) upsert: started (secret redshift-secret)"
    assert beats.lines[1].startswith("mart.orders (line 3) upsert: running for ")
    assert not [t for t in threading.enumerate() if t.name == THREAD_NAME]  # stopped and joined with the row
    assert len(beats.lines) == count
    assert shown == [["mart.orders"], []]


def test_no_heartbeat_when_off_but_the_start_line_still(beats: Beats) -> None:
    with InFlight(0).running(prepared("mart.orders")):
        assert not [t for t in threading.enumerate() if t.name == THREAD_NAME]
    assert beats.lines == ["mart.orders (line 3) upsert: started (secret redshift-secret)"]


def test_the_elapsed_time_reads_as_a_person_says_it() -> None:
    assert [elapsed_text(s) for s in (0.4, 59.9, 60, 1205, 3600, 7385)] == [
        "0 s", "59 s", "1 min 0 s", "20 min 5 s", "1 h 0 min", "2 h 3 min"
    ]  # fmt: skip


def test_a_terminal_s_bar_shows_the_tables_in_flight(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress(2, bar=True)
    with progress.active():
        progress.running(["mart.orders", "mart.customers"])
    assert "mart.orders, mart.customers" in capsys.readouterr().err
    Progress(2, bar=False).running(["x"])  # without a bar: nothing, and no error
