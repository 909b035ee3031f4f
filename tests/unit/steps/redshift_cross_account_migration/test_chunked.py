"""What ``ChunkedLoads`` tells its observer and puts in the row's outcome, against a scripted server (no database):
each chunk started and finished with its rows (committed now or before), the row's end whatever it was, and for a
failed row the chunk it ended at and the chunks this process committed."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import ExecutionError
from glue_elt.redshift.catalog import ClusterFacts, Column
from glue_elt.redshift.state import RunLedger, StateTable
from glue_elt.steps.redshift_cross_account_migration.chunk_events import ChunkedRow
from glue_elt.steps.redshift_cross_account_migration.chunk_store import ChunkPlans
from glue_elt.steps.redshift_cross_account_migration.chunked import ChunkedLoads
from glue_elt.steps.redshift_cross_account_migration.chunks import Chunk, chunk_key
from glue_elt.steps.redshift_cross_account_migration.layout import lay_out
from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow
from glue_elt.steps.redshift_cross_account_migration.results import RowStatus
from glue_elt.steps.redshift_cross_account_migration.runner import LoadOptions, PreparedRow, RowRunner
from glue_elt.steps.redshift_cross_account_migration.staged_overwrite import StagedOverwrite
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

STATE = StateTable.parse("glue_elt.migration_state")
FACTS = ClusterFacts("dev", "etl", superuser=False, folds_identifiers=True)
KEY = "k" * 64
COLUMNS = [Column("id", "integer"), Column("v", "character varying(10)")]


class Server:
    """Answers the estimate (30 rows), the cut points (10 and 20, no NULL), the run id's committed keys
    (``committed``), and inserts 10 rows per chunk; an INSERT whose text holds ``refuse`` fails."""

    def __init__(self, committed: Sequence[str] = (), refuse: str | None = None) -> None:
        self.committed = list(committed)
        self.refuse = refuse
        self.read: list[str] = []
        """The queries of the load transactions (a content check's figures: 10 rows, checksum 0, after each insert)."""

    def execute(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> int:
        return 0

    def query(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        if sql.startswith("SELECT COUNT(*) - COUNT("):
            return [(0, 10, 20)]
        if sql.startswith("SELECT COUNT(*) FROM"):
            return [(30,)]
        if sql.startswith("SELECT row_key, rows_affected"):
            return [(key, 10) for key in self.committed]
        return []

    def query_beside(self, secret_name: str, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return []

    @contextlib.contextmanager
    def transaction(self, secret_name: str) -> Iterator[Any]:
        refuse, read = self.refuse, self.read

        class Session:
            def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
                if refuse is not None and sql.startswith("INSERT INTO") and refuse in sql:
                    raise ExecutionError("permission denied for relation t")
                return 10

            def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
                read.append(sql)
                before = sum(1 for done in read if done.startswith("SELECT COUNT(*) AS n")) % 3 == 1
                return [(0, 0)] if before else [(10, 0)]  # an append's: before, then the source, then after

        yield Session()


class Watcher:
    """A fake observer: every call, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def chunk_started(self, row: ChunkedRow, chunk: Chunk) -> None:
        self.calls.append(("started", row.planned, chunk.number))

    def chunk_finished(self, row: ChunkedRow, chunk: Chunk, rows: int, *, loaded: bool) -> None:
        self.calls.append(("finished", chunk.number, rows, loaded))

    def row_ended(self, row: ChunkedRow) -> None:
        self.calls.append(("ended", row.label, row.estimated_rows))


def loads(
    server: Server, options: LoadOptions | None = None, target: Sequence[Column] = COLUMNS
) -> tuple[ChunkedLoads, PreparedRow]:
    retry = RetryPolicy(0, 0.0)
    ledger = RunLedger(server, "r1")
    ledger.open("sec", STATE, "dev", exists=True, schema_exists=True)
    plans = ChunkPlans(server, ledger)
    plans.open("sec", STATE.name, FACTS, exists=False)
    runner = RowRunner(server, ledger, retry, options or LoadOptions())
    staged = StagedOverwrite(server, ledger, retry, lambda secret: FACTS)
    plan = validate_row(MigrationRow("shared_db.s.src", "a.t", "sec", chunk_column="id"))
    layout = lay_out(plan, FACTS, {FACTS.key(plan.source): COLUMNS, FACTS.key(plan.target): list(target)})
    return ChunkedLoads(runner, server, ledger, plans, staged, retry, 10), runner.prepare(plan, KEY, layout)


def test_the_observer_sees_each_chunk_with_its_rows_and_the_row_end() -> None:
    chunked, prepared = loads(Server(committed=[chunk_key(KEY, 2)]))  # chunk 2 was committed by an earlier process
    watcher = Watcher()
    outcome = chunked.load(prepared, watcher)
    assert (outcome.status, outcome.rows_affected, outcome.chunks, outcome.chunks_loaded) == (
        RowStatus.SUCCEEDED, 40, (4, 4), 3,
    )  # fmt: skip
    assert outcome.ended_at is None
    assert watcher.calls == [
        ("started", 4, 1), ("finished", 1, 10, True),  # the NULL chunk
        ("started", 4, 2), ("finished", 2, 10, False),  # committed before: counted, not loaded now
        ("started", 4, 3), ("finished", 3, 10, True),
        ("started", 4, 4), ("finished", 4, 10, True),
        ("ended", "a.t", 30),
    ]  # fmt: skip


def test_a_failed_chunk_ends_the_row_for_the_observer_and_names_where_it_ended() -> None:
    chunked, prepared = loads(Server(refuse="> CAST('10' AS INTEGER)"))  # the third chunk: id > 10 and <= 20
    watcher = Watcher()
    outcome = chunked.load(prepared, watcher)
    assert (outcome.status, outcome.chunks, outcome.chunks_loaded) == (RowStatus.FAILED, (2, 4), 2)
    assert outcome.ended_at == "chunk 3/4 (id > 10 and <= 20)"
    assert str(outcome.error).startswith("chunk 3/4 (id > 10 and <= 20) failed, 2 of 4 committed")
    assert watcher.calls[-3:] == [("finished", 2, 10, True), ("started", 4, 3), ("ended", "a.t", 30)]


def test_a_row_without_an_observer_loads_the_same() -> None:
    chunked, prepared = loads(Server())
    outcome = chunked.load(prepared)
    assert (outcome.status, outcome.rows_affected, outcome.chunks, outcome.chunks_loaded) == (
        RowStatus.SUCCEEDED, 40, (4, 4), 4,
    )  # fmt: skip


def test_a_failed_row_reports_its_own_seconds_not_its_last_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(range(100))
    monkeypatch.setattr(time, "monotonic", lambda: float(next(clock)))  # each reading one second later
    chunked, prepared = loads(Server(refuse="> CAST('10' AS INTEGER)"))
    before = time.monotonic()
    outcome = chunked.load(prepared)
    after = time.monotonic()
    assert outcome.status is RowStatus.FAILED
    assert after - before - 2 <= outcome.seconds < after - before  # the whole load, not its third chunk alone


def test_each_chunks_content_check_reads_its_range_of_the_target(caplog: pytest.LogCaptureFixture) -> None:
    server = Server()
    chunked, prepared = loads(server, LoadOptions(verify_content=True))
    with caplog.at_level(logging.INFO):
        assert chunked.load(prepared).status is RowStatus.SUCCEEDED
    target = [sql for sql in server.read if '"a"."t" AS "glue_elt_written"' in sql]
    assert len(target) == 8  # before and after, per chunk
    column = '"glue_elt_written"."id"'
    ranges = [f"{column} IS NULL", f"{column} <= CAST('10' AS INTEGER)",
              f"{column} > CAST('10' AS INTEGER) AND {column} <= CAST('20' AS INTEGER)",
              f"{column} > CAST('20' AS INTEGER)"]  # fmt: skip
    assert [sql.split(" WHERE ", 1)[1] for sql in target] == [r for r in ranges for _ in ("before", "after")]
    assert "reads the whole target" not in caplog.text


def test_a_target_column_of_another_type_keeps_the_whole_read_said_once(caplog: pytest.LogCaptureFixture) -> None:
    server = Server()
    wider = [Column("id", "bigint"), Column("v", "character varying(10)")]
    chunked, prepared = loads(server, LoadOptions(verify_content=True), wider)
    with caplog.at_level(logging.INFO):
        assert chunked.load(prepared).status is RowStatus.SUCCEEDED
    target = [sql for sql in server.read if '"a"."t" AS "glue_elt_written"' in sql]
    assert len(target) == 8 and not any("WHERE" in sql for sql in target)
    said = [r.getMessage() for r in caplog.records if "reads the whole target" in r.getMessage()]
    assert said == [
        "a.t: --verify content reads the whole target (or stage) for each chunk: the chunk column id is integer but "
        "the target column id is bigint: the insert's cast could move a value across a chunk bound"
    ]
