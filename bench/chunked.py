"""What chunked loads cost (issue 29, item 6): the 1M-row table loaded whole and in chunks, and a resume.

Each round (one untimed warm-up, then ``RUNS``; figures are medians) times three in-process runs of the step on the
1,000,000-row source of section 1, one after the other into an emptied target:

1. whole: one ``INSERT ... SELECT`` (no ``--chunk_rows``);
2. chunked: ``--chunk_rows`` = rows / 20 on the column ``id`` (the config's ``chunk_column``), a new run id: the
   estimate, the percentile query, the plan, then each chunk's transaction and record, the row's record;
3. resumed: first, untimed, the same chunked run as a ``python -m`` process, killed with SIGKILL once ``KILL_AT`` of
   its chunks are recorded in the state table (about half-way); then, timed, the re-run of that run id, which reads
   the kept plan and loads only the chunks that are missing.

Targets: chunked at most 1.3x whole, resumed at most 0.6x chunked. So that a missed target says what costs the time,
the plan's two queries (the library's own ``COUNT(*)`` and percentile SQL) are timed alone too, and the rest of the
difference is spread over the chunks. The source's sort key is ``id`` (``seed``), so the stand-in reads a chunk's
range through its zone map, a BRIN index (``local_stack.zone_maps``), as Redshift reads few blocks of a range of the
sort key (dg/t_Sorting_data.html).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bench.measure import RUNS
from glue_elt.redshift.names import Identifier, parse_table_name, quote_identifier, quote_literal
from glue_elt.redshift.state import DEFAULT_STATE_TABLE
from glue_elt.steps.redshift_cross_account_migration import chunks

if TYPE_CHECKING:
    from redshift_connector.core import Connection

    from bench.__main__ import Bench

ROWS = 1_000_000
SOURCE = "shared_db.bench_src.big_1M"
TARGET = "chunked"
CHUNKS = 20
CHUNK_ROWS = ROWS // CHUNKS
KILL_AT = 10
CHUNKED_LIMIT = 1.3
RESUME_LIMIT = 0.6
HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type#chunk_column"
MODULE = "glue_elt.steps.redshift_cross_account_migration"
STATE_SQL = parse_table_name(DEFAULT_STATE_TABLE, "--state_table").sql()
TARGET_SQL = f"{quote_identifier('bench_tgt')}.{quote_identifier(TARGET)}"
log = logging.getLogger("bench")


def chunked_loads(bench: Bench) -> dict[str, Any]:
    """Whole vs chunked vs resumed, medians of ``RUNS`` rounds; the plan queries' time; where each kill landed."""
    log.info("chunked loads: 1 table x 1M rows whole, in %d chunks, and resumed after a kill", CHUNKS)
    config = bench.config("chunked", [f"{SOURCE}###bench_tgt.{TARGET}#{bench.secret}#append#id"], header=HEADER)
    times: dict[str, list[float]] = {"whole": [], "chunked": [], "resumed": []}
    killed_at: list[int] = []
    planned = 0
    with contextlib.closing(bench.stack.admin_connect()) as watch:
        for round_number in range(RUNS + 1):
            figures, committed, planned = one_round(bench, watch, config)
            if round_number:  # the first round warms up
                for name, seconds in figures.items():
                    times[name].append(seconds)
                killed_at.append(committed)
        plan_s = plan_queries(watch)  # and one range's scan
    medians = {name: statistics.median(series) for name, series in times.items()}
    beyond = medians["chunked"] - medians["whole"] - plan_s["count"] - plan_s["percentiles"]
    return {
        "rows": ROWS,
        "chunk_rows": CHUNK_ROWS,
        "planned_chunks": planned,
        "whole_s": medians["whole"],
        "chunked_s": medians["chunked"],
        "resumed_s": medians["resumed"],
        "chunked_ratio": medians["chunked"] / medians["whole"],
        "resume_ratio": medians["resumed"] / medians["chunked"],
        "killed_after_chunks": killed_at,
        "plan_queries_s": plan_s,
        "per_chunk_ms": beyond / planned * 1000,
    }


def one_round(bench: Bench, watch: Connection, config: str) -> tuple[dict[str, float], int, int]:
    """Seconds of the whole, chunked and resumed runs; the chunks committed when the killed run was killed; the
    plan's chunk count."""
    reset = bench.reset(TARGET)
    reset()
    whole = timed(lambda: bench.step(config))
    reset()
    result, chunked = timed_result(lambda: bench.step(config, chunk_rows=CHUNK_ROWS))
    planned = planned_chunks(result.outcomes[0].chunks)
    reset()
    run_id = f"bench-resume-{secrets.token_hex(4)}"
    committed = kill_half_way(bench, watch, config, run_id)
    bench.admin("CHECKPOINT")  # as every other timed run starts (reset)
    result, resumed = timed_result(lambda: bench.step(config, chunk_rows=CHUNK_ROWS, run_id=run_id))
    check_resumed(watch, result.outcomes[0].chunks, planned)
    return {"whole": whole, "chunked": chunked, "resumed": resumed}, committed, planned


def timed(action: Callable[[], object]) -> float:
    return timed_result(action)[1]


def timed_result(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def planned_chunks(chunked: tuple[int, int] | None) -> int:
    """The plan's chunk count from a row's outcome (``RuntimeError`` when the row was not chunked)."""
    if chunked is None or chunked[0] != chunked[1]:
        raise RuntimeError(f"the chunked run did not load in chunks: {chunked}")
    return chunked[1]


def one_row(watch: Connection, sql: str) -> tuple[Any, ...]:
    """The first row of ``sql``'s answer."""
    cursor = watch.cursor()
    cursor.execute(sql)
    return tuple(cursor.fetchall()[0])


def records(watch: Connection, run_id: str) -> int:
    """The state table's records of ``run_id``: its committed chunks (and, once all are in, the row's own)."""
    return int(one_row(watch, f"SELECT COUNT(*) FROM {STATE_SQL} WHERE run_id = {quote_literal(run_id)}")[0])


def open_work(watch: Connection, user: str) -> bool:
    """Whether ``user`` has a session running a statement or holding a transaction open."""
    sql = (
        "SELECT COUNT(*) FROM pg_stat_activity WHERE usename = " + quote_literal(user) + " AND state IN "
        "('active', 'idle in transaction', 'idle in transaction (aborted)')"
    )
    return int(one_row(watch, sql)[0]) > 0


def kill_half_way(bench: Bench, watch: Connection, config: str, run_id: str, timeout: float = 120.0) -> int:
    """Start the chunked run as a process, SIGKILL it once ``KILL_AT`` chunks are recorded; the chunks committed."""
    command = [sys.executable, "-m", MODULE, "--config_path", config, "--run_id", run_id,
               "--chunk_rows", str(CHUNK_ROWS)]  # fmt: skip
    deadline = time.monotonic() + timeout
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        try:
            while records(watch, run_id) < KILL_AT and process.poll() is None:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the chunked run recorded fewer than {KILL_AT} chunks in {timeout:g} s")
                time.sleep(0.005)
            process.send_signal(signal.SIGKILL)
        finally:
            process.kill()
            process.wait()
        if process.returncode != -signal.SIGKILL:
            raise RuntimeError(f"the chunked run ended (exit {process.returncode}) before it could be killed")
    while open_work(watch, bench.ep.etl_user):  # the killed session's last statement, until the server ends it
        if time.monotonic() > deadline:
            raise RuntimeError("the killed run's session still works")
        time.sleep(0.05)
    return records(watch, run_id)


def check_resumed(watch: Connection, chunked: tuple[int, int] | None, planned: int) -> None:
    """``RuntimeError`` unless the re-run ended with every chunk committed and every row once in the target."""
    found = one_row(watch, f"SELECT COUNT(*), COUNT(DISTINCT id) FROM {TARGET_SQL}")
    if chunked != (planned, planned) or found != (ROWS, ROWS):
        raise RuntimeError(f"the resumed run ended with chunks {chunked} and (rows, distinct ids) {found}")


def plan_queries(watch: Connection, runs: int = RUNS) -> dict[str, float]:
    """Median seconds of the plan's two queries alone (the library's SQL, through the front door), and of one
    chunk's range read alone (``COUNT(*)`` of the middle chunk's range, through the source's zone map)."""
    source = parse_table_name(SOURCE, "the bench's source")
    column = Identifier("id")
    middle = chunks.Chunk(CHUNKS // 2, str(ROWS // 2 - CHUNK_ROWS), str(ROWS // 2))
    statements = {
        "count": chunks.count_sql(source, None),
        "percentiles": chunks.fitting_percentile_sql(source, None, column, chunks.chunk_count(ROWS, CHUNK_ROWS)),
        "one_range": chunks.count_sql(source, middle.condition(column, "integer")),
    }

    def query(sql: str) -> Callable[[], object]:
        return lambda: one_row(watch, sql)

    return {name: statistics.median(timed(query(sql)) for _ in range(runs)) for name, sql in statements.items()}
