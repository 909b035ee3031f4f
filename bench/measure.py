"""Timing and peak-memory helpers for the benchmark."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence

RUNS = 5
MEMORY_RUNS = 3

PEAK_RSS_WRAPPER = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - started
print(code, seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def compare(*actions: Callable[[], object], reset: Callable[[], object], runs: int = RUNS) -> list[float]:
    """Median wall time of each action over ``runs`` rounds, after one untimed warm-up round.

    Within a round the actions alternate, so drift (caches, background work) affects all alike;
    ``reset`` (untimed) runs before every action.
    """
    times: list[list[float]] = [[] for _ in actions]
    for round_number in range(runs + 1):
        for index, action in enumerate(actions):
            reset()
            started = time.perf_counter()
            action()
            if round_number:
                times[index].append(time.perf_counter() - started)
    return [statistics.median(series) for series in times]


def run_measured(command: Sequence[str], env: Mapping[str, str]) -> tuple[float, float]:
    """Run ``command`` in a fresh wrapper process; return (seconds, peak RSS in MB) of that command."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_WRAPPER, *command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    code, seconds, max_rss_kb = done.stdout.split()
    if code != "0":
        raise RuntimeError(f"{' '.join(command)} exited {code}")
    return float(seconds), int(max_rss_kb) / 1024


def median_measured(
    command: Sequence[str], env: Mapping[str, str], reset: Callable[[], object], runs: int = MEMORY_RUNS
) -> tuple[float, float]:
    """Medians of (seconds, peak RSS MB) over ``runs`` runs of ``command``."""
    results = []
    for _ in range(runs):
        reset()
        results.append(run_measured(command, env))
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": sys.version.split()[0],
        "platform": sys.platform,
    }


def dump(path: str, document: object) -> None:
    """Write ``document`` as pretty JSON."""
    with open(path, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
