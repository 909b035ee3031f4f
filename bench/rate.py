"""The Data API's request rate at ``--max_parallel 64``: the busiest second's requests, counted by the local API
server (boto3's own retries included), beside the per-second quotas the executor paces itself under."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from glue_elt.redshift.data_api.pace import QUOTAS_PER_SECOND
from local_stack.aws_api.process import request_counts

if TYPE_CHECKING:
    from bench.__main__ import Bench

RATE_TABLES = 200
RATE_PARALLEL = 64
log = logging.getLogger("bench")


def request_rate(bench: Bench, tables: int = RATE_TABLES) -> dict[str, Any]:
    """One run over ``tables`` tables of 1,000 rows, 64 at once, through the Data API."""
    log.info("Data API request rate: %d tables x 1000 rows, --max_parallel %d", tables, RATE_PARALLEL)
    small = [f"s{i:03d}" for i in range(tables)]
    bench.reset(*small)()
    config = bench.config("rate", [f"shared_db.bench_src.{t}###bench_tgt.{t}#{bench.secret}#append" for t in small])
    url = bench.ep.redshift_api_url
    request_counts(url, reset=True)
    started = time.perf_counter()
    bench.step(config, max_parallel=RATE_PARALLEL, kind="data_api")
    seconds = time.perf_counter() - started
    counted = request_counts(url)
    return {
        "tables": tables,
        "max_parallel": RATE_PARALLEL,
        "seconds": seconds,
        "peak_per_second": counted["peak_per_second"],
        "peak_all_per_second": counted["peak_all_per_second"],
        "total": counted["total"],
        "quotas": dict(QUOTAS_PER_SECOND),
    }


def report_row(figures: dict[str, Any]) -> tuple[str, str, str, str]:
    """The bench table's row: each quota'd operation's busiest second, and every operation's together."""
    peak, quotas = figures["peak_per_second"], figures["quotas"]
    measured = ", ".join(f"{op} {peak.get(op, 0)}" for op in quotas) + f" (all: {figures['peak_all_per_second']})"
    target = "under " + " / ".join(f"{quota:g}" for quota in quotas.values())
    met = all(peak.get(op, 0) <= quota for op, quota in quotas.items())
    name = (
        f"Data API requests per second at peak, --max_parallel {figures['max_parallel']} ({figures['tables']} tables)"
    )
    return name, measured, target, "yes" if met else "**no**"
