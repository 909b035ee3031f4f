"""``make bench``'s cost of verification (issue 30, item 3): the 1M-row table's plain load against the same load
with ``--verify content``, and ``glue-elt verify`` of the loaded table against the plain load.

``--verify content`` reads each side once more in the load's transaction (the filtered source's loaded columns, and
the target's, twice for an append: before and after the insert), casting and hashing every value; the target on the
stand-in is 4x the plain load at most. ``--verify_only`` reads both sides once (the table is equal, so no bisection
query follows). The timed runs alternate after a warm-up (``measure.compare``), the loads each from an empty target.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bench.measure import compare
from glue_elt import RedshiftCrossAccountDataMigration

if TYPE_CHECKING:
    from bench.__main__ import Bench

log = logging.getLogger("bench")
TABLE = "big_1M"
TARGET = "big"
CONTENT_TARGET = 4.0
"""``--verify content`` within this many times the plain load (the issue's target on the stand-in)."""


def run(args: dict[str, object]) -> None:
    """The migration step in-process with ``args``; raises unless every row succeeded."""
    step = RedshiftCrossAccountDataMigration(args)
    try:
        result = step.run()
    finally:
        step.close()
    if not result.ok:
        raise RuntimeError(f"the step failed: {[o.error for o in result.outcomes if o.error]}")


def verify_cost(bench: Bench) -> dict[str, float]:
    """Seconds of the plain load, the load with ``--verify content`` and ``--verify_only`` (medians), and ratios."""
    log.info("verification cost: 1 table x 1M rows, plain load / --verify content / --verify_only")
    config = bench.config("verify_cost", [f"shared_db.bench_src.{TABLE}###bench_tgt.{TARGET}#{bench.secret}#append"])
    load = {"config_path": config, "max_parallel": 1}
    plain, content = compare(lambda: run(load), lambda: run({**load, "verify": "content"}), reset=bench.reset(TARGET))
    bench.reset(TARGET)()
    run(load)  # the target now equals the source: the verification reads both sides once, no bisection
    (verify,) = compare(lambda: run({**load, "verify_only": "true"}), reset=lambda: None)
    return {
        "plain_s": plain,
        "content_s": content,
        "content_ratio": content / plain,
        "verify_only_s": verify,
        "verify_only_ratio": verify / plain,
    }


def report_rows(figures: dict[str, float]) -> list[tuple[str, str, str, str]]:
    """The comparison's rows of the benchmark's table."""
    ratio = figures["content_ratio"]
    content = f"{ratio:.2f}x (content {figures['content_s']:.2f} s, plain {figures['plain_s']:.2f} s)"
    verify = f"{figures['verify_only_ratio']:.2f}x ({figures['verify_only_s']:.2f} s)"
    met = "yes" if ratio <= CONTENT_TARGET else "**no**"
    return [
        ("1 table x 1M rows: load with --verify content / plain load", content, f"<= {CONTENT_TARGET:g}x", met),
        ("1 table x 1M rows: glue-elt verify (equal) / plain load", verify, "(read-only)", "-"),
    ]
