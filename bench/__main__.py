"""``make bench``: the migration step against its floors on the local stack.

1. one table of 1,000,000 rows: the step vs the same INSERT ... SELECT sent by psql;
2. 500 tables of 1,000 rows: step serial, step --max_parallel 4, and psql running all 500 statements;
3. peak memory of the step process at 100k, 1M and 5M rows, beside a client-side copy of the same data;
4. cold start of ``python -m glue_elt.steps.redshift_cross_account_migration --help``;
5. the two executors on 50 tables of 1,000 rows (serial and --max_parallel 4): time per table with the driver
   and with the Redshift Data API (the local API server, which runs the SQL on the same stand-in), and the Data
   API requests per table from runs over 10 and 20 tables (``DescribeStatement`` polling counted apart);
6. the Data API's busiest second at ``--max_parallel 64``, counted by its local server, vs the quotas (``bench.rate``);
7. the cost of verification (``bench.verify_cost``): the 1M-row load with ``--verify content`` and ``glue-elt verify``
   of the loaded table, each against the plain load;
8. chunked loads (``bench.chunked``): the 1M-row table whole vs in 20 chunks (``--chunk_rows`` 50,000), and the
   re-run of a chunked run SIGKILLed half-way vs a full chunked run;
9. statements per table, counted by the server: serial overwrite and append runs over 10 and 20 tables with
   PostgreSQL logging the migration user's statements (untimed: logging slows the server; it runs last and is
   switched off again before anything else runs).

Figures are medians of 5 runs (memory: 3; cold start: 5), written to bench/results/latest.{json,md}.
``--only`` runs a subset and prints its figures without writing them (``--only statements``: about a minute;
``--only chunks``: about a minute after the stack starts).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3

from bench.chunked import TARGET as CHUNKED_TARGET
from bench.chunked import chunked_loads
from bench.measure import compare, dump, machine, median_measured, run_measured
from bench.rate import RATE_TABLES, request_rate
from bench.report import markdown
from bench.verify_cost import verify_cost
from glue_elt import MigrationResult, RedshiftCrossAccountDataMigration
from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.data_api.executor import POLL, DataApiExecutor
from glue_elt.redshift.executor import Executor
from local_stack.endpoints import LOCAL_CLUSTER_ID
from local_stack.postgres import run_psql
from local_stack.redshift_views import report_sortkey_sql
from local_stack.stack import LocalStack

RESULTS = Path(__file__).parent / "results"
BUCKET = "glue-elt-bench"
SECRET = "bench/redshift"
API_TABLES = 50
API_CALL_TABLES = (10, 20)
MODULE = "glue_elt.steps.redshift_cross_account_migration"
HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
COLUMNS = "id, customer_id, amount, note"
TABLE_DDL = "(id int, customer_id int, amount numeric(12,2), note varchar(40))"
SIZES = {"100k": 100_000, "1M": 1_000_000, "5M": 5_000_000}
SMALL_TABLES = 500
STATEMENT_TABLES = (10, 20)
SCENARIOS = {
    "single": "single_table",
    "many": "many_tables",
    "memory": "memory",
    "cold": "cold_start",
    "executors": "executors",
    "rate": "request_rate",
    "content": "verify_cost",
    "chunks": "chunked_loads",
    "statements": "statements",  # last: it turns statement logging on (and off again)
}
log = logging.getLogger("bench")


class Bench:
    """The stack, its connections and the commands the comparisons share."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.ep = stack.endpoints
        self.s3 = boto3.client("s3")
        self.secret = SECRET

    def admin(self, *statements: str) -> None:
        self.stack.run_as_admin(*statements)

    def etl(self, *statements: str) -> None:
        self.stack.run_as_etl(*statements)

    def psql(self, *args: str) -> None:
        ep = self.ep
        run_psql(ep.host, ep.front_door_port, ep.etl_user, ep.etl_password, ep.database, args)

    def reset(self, *targets: str) -> Callable[[], None]:
        """Empty the target tables and checkpoint, so every timed run starts from the same state."""

        def reset() -> None:
            self.etl("TRUNCATE " + ", ".join(f"bench_tgt.{t}" for t in targets))
            self.admin("CHECKPOINT")

        return reset

    def config(self, name: str, lines: list[str], header: str = HEADER) -> str:
        self.s3.put_object(Bucket=BUCKET, Key=f"{name}.csv", Body=(header + "\n" + "\n".join(lines) + "\n").encode())
        return f"s3://{BUCKET}/{name}.csv"

    def step(
        self,
        config: str,
        max_parallel: int = 4,
        executor: Executor | None = None,
        kind: str = "driver",
        **more: object,
    ) -> MigrationResult:
        """One in-process run of the step (``more``: further parameters, e.g. ``chunk_rows``, ``run_id``)."""
        args = {"config_path": config, "max_parallel": max_parallel, "executor": kind, **more}
        step = RedshiftCrossAccountDataMigration(args, executor=executor)
        try:
            result = step.run()
        finally:
            step.close()
        if not result.ok:
            raise RuntimeError(f"the step failed: {[o.error for o in result.outcomes if o.error]}")
        return result


def seed(bench: Bench, big: Iterable[str] = tuple(SIZES)) -> None:
    """Source and target tables; of the big sources (slow to fill) only those named in ``big``."""
    log.info("seeding the source tables (this takes a while)")
    bench.stack.create_source_schema("bench_src")
    bench.stack.create_target_schema("bench_tgt")
    for name, rows in ((name, rows) for name, rows in SIZES.items() if name in big):
        bench.admin(
            f"CREATE TABLE bench_src.big_{name} {TABLE_DDL}",
            f"INSERT INTO bench_src.big_{name} SELECT g, g % 1000, g * 0.01, 'note ' || g "
            f"FROM generate_series(1, {rows}) g",
            # a big table's sort key, as on a cluster: id, loaded in its order (the stand-in's zone map, a BRIN index)
            report_sortkey_sql(f"bench_src.big_{name}", "id", 1),
        )
    small = [f"s{i:03d}" for i in range(SMALL_TABLES)]
    bench.admin(*[f"CREATE TABLE bench_src.{t} {TABLE_DDL}" for t in small])
    bench.admin(*[f"INSERT INTO bench_src.{t} SELECT g, g % 10, g, 'n' FROM generate_series(1, 1000) g" for t in small])
    targets = [*small, "big", "mem", "client", CHUNKED_TARGET]
    bench.etl(*[f"CREATE TABLE bench_tgt.{t} {TABLE_DDL} WITH (autovacuum_enabled = false)" for t in targets])
    bench.admin("VACUUM ANALYZE")  # set hint bits now, so no timed run pays for the first scan
    secret = bench.ep.redshift_secret(dbClusterIdentifier=LOCAL_CLUSTER_ID)  # the Data API reaches it by name
    boto3.client("secretsmanager").create_secret(Name=SECRET, SecretString=secret)
    bench.s3.create_bucket(Bucket=BUCKET)


def single_table(bench: Bench) -> dict[str, float]:
    log.info("1 table x 1M rows")
    config = bench.config("single", [f"shared_db.bench_src.big_1M###bench_tgt.big#{SECRET}#append"])
    insert = f"INSERT INTO bench_tgt.big ({COLUMNS}) SELECT {COLUMNS} FROM shared_db.bench_src.big_1M"
    step, floor = compare(lambda: bench.step(config), lambda: bench.psql("-c", insert), reset=bench.reset("big"))
    return {"step_s": step, "psql_s": floor, "ratio": step / floor}


def many_tables(bench: Bench, workdir: Path) -> dict[str, float]:
    log.info("%d tables x 1000 rows", SMALL_TABLES)
    small = [f"s{i:03d}" for i in range(SMALL_TABLES)]
    config = bench.config("many", [f"shared_db.bench_src.{t}###bench_tgt.{t}#{SECRET}#append" for t in small])
    script = workdir / "many.sql"
    script.write_text(
        "".join(
            f"INSERT INTO bench_tgt.{t} ({COLUMNS}) SELECT {COLUMNS} FROM shared_db.bench_src.{t};\n" for t in small
        )
    )
    serial, parallel, floor = compare(
        lambda: bench.step(config, max_parallel=1),
        lambda: bench.step(config, max_parallel=4),
        lambda: bench.psql("-f", str(script)),
        reset=bench.reset(*small),
    )
    return {
        "serial_s": serial,
        "parallel4_s": parallel,
        "psql_s": floor,
        "overhead_ms_per_table": (serial - floor) / SMALL_TABLES * 1000,
        "speedup": serial / parallel,
    }


def memory(bench: Bench, client_sizes: list[str]) -> dict[str, dict[str, float]]:
    ep = bench.ep
    env = {**ep.aws_env(), "BENCH_HOST": ep.host, "BENCH_PORT": str(ep.front_door_port), "BENCH_DB": ep.database,
           "BENCH_USER": ep.etl_user, "BENCH_PASSWORD": ep.etl_password}  # fmt: skip
    figures: dict[str, dict[str, float]] = {}
    for name in SIZES:
        log.info("memory at %s rows", name)
        config = bench.config(f"mem_{name}", [f"shared_db.bench_src.big_{name}###bench_tgt.mem#{SECRET}#append"])
        step_s, step_mb = median_measured(
            [sys.executable, "-m", MODULE, "--config_path", config], env, bench.reset("mem")
        )
        figures[name] = {"step_s": step_s, "step_peak_mb": step_mb}
        if name in client_sizes:
            client = [sys.executable, "-m", "bench.client_copy", f"bench_src.big_{name}", "bench_tgt.client"]
            client_s, client_mb = median_measured(client, env, bench.reset("client"))
            figures[name] |= {"client_s": client_s, "client_peak_mb": client_mb, "time_ratio": client_s / step_s}
    return figures


def executors(bench: Bench) -> dict[str, Any]:
    """Time per table with each executor (serial and 4 at once), and the Data API's requests per table."""
    log.info("executors: driver and Data API, %d tables x 1000 rows", API_TABLES)
    small = [f"s{i:03d}" for i in range(API_TABLES)]
    config = bench.config("executors", [f"shared_db.bench_src.{t}###bench_tgt.{t}#{SECRET}#append" for t in small])
    driver, driver4, api, api4 = compare(
        lambda: bench.step(config, max_parallel=1),
        lambda: bench.step(config, max_parallel=4),
        lambda: bench.step(config, max_parallel=1, kind="data_api"),
        lambda: bench.step(config, max_parallel=4, kind="data_api"),
        reset=bench.reset(*small),
    )
    calls: dict[int, Counter[str]] = {}
    for count in API_CALL_TABLES:
        bench.reset(*small[:count])()
        lines = [f"shared_db.bench_src.{t}###bench_tgt.{t}#{SECRET}#append" for t in small[:count]]
        executor = DataApiExecutor(SecretStore())
        bench.step(bench.config(f"api_calls_{count}", lines), max_parallel=1, executor=executor, kind="data_api")
        calls[count] = executor.calls
    few, many = API_CALL_TABLES
    requests = {count: sum(n for op, n in c.items() if op != POLL) for count, c in calls.items()}
    polls = {count: c[POLL] for count, c in calls.items()}
    per_table = (requests[many] - requests[few]) / (many - few)
    return {
        "tables": API_TABLES,
        "driver_ms_per_table": driver / API_TABLES * 1000,
        "driver4_ms_per_table": driver4 / API_TABLES * 1000,
        "data_api_ms_per_table": api / API_TABLES * 1000,
        "data_api4_ms_per_table": api4 / API_TABLES * 1000,
        "requests_per_table": per_table,
        "requests_fixed_per_run": requests[few] - few * per_table,
        "polls_per_table": (polls[many] - polls[few]) / (many - few),
        "calls_per_run": {str(count): dict(c) for count, c in calls.items()},
    }


def cold_start() -> dict[str, float]:
    log.info("cold start")
    times = sorted(run_measured([sys.executable, "-m", MODULE, "--help"], {})[0] for _ in range(5))
    return {"help_s": times[2]}


def statements(bench: Bench) -> dict[str, dict[str, Any]]:
    """Untimed: the migration user's statements as PostgreSQL logs them, for serial runs (overwrite in the default
    delete mode, and append) over 10 and 20 tables; the difference gives the statements per table, the rest is
    the fixed cost per run."""
    log.info("statements per table, counted by the server (untimed)")
    few, many = STATEMENT_TABLES
    small = [f"s{i:03d}" for i in range(many)]
    figures: dict[str, dict[str, Any]] = {}
    for load_type in ("overwrite", "append"):
        configs = {
            count: bench.config(
                f"statements_{load_type}_{count}",
                [f"shared_db.bench_src.{t}###bench_tgt.{t}#{SECRET}#{load_type}" for t in small[:count]],
            )
            for count in STATEMENT_TABLES
        }
        bench.step(configs[few], max_parallel=1)  # not logged: creates the state table on first use
        counts = {}
        for count, config in configs.items():
            with bench.stack.statement_log() as logged:
                bench.step(config, max_parallel=1)
            counts[count] = len(logged.statements)
        per_table = (counts[many] - counts[few]) / (many - few)
        figures[load_type] = {
            "per_table": per_table,
            "fixed_per_run": counts[few] - few * per_table,
            "statements_per_run": {str(count): number for count, number in counts.items()},
            "one_table": [str(statement) for statement in logged.naming(f'"bench_tgt"."{small[0]}"')],
        }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--client-5m", action="store_true", help="also run the client-side copy at 5M rows (slow)")
    parser.add_argument("--rate-tables", type=int, default=RATE_TABLES, help="tables of the rate scenario")
    parser.add_argument("--only", nargs="+", choices=list(SCENARIOS), default=list(SCENARIOS), help="a subset")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    for noisy in ("local_stack", "botocore", "boto3", "glue_elt"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    client_sizes = ["100k", "1M", *(["5M"] if args.client_5m else [])]
    with tempfile.TemporaryDirectory(prefix="glue-elt-bench-") as state, LocalStack(Path(state)) as stack:
        os.environ.update(stack.endpoints.aws_env())
        bench = Bench(stack)
        one_million = {"single", "chunks", "content"} & set(args.only)
        seed(bench, big=SIZES if "memory" in args.only else ["1M"] if one_million else [])
        results: dict[str, Any] = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": machine()}
        scenarios: dict[str, Callable[[], object]] = {
            "single": lambda: single_table(bench),
            "many": lambda: many_tables(bench, Path(state)),
            "memory": lambda: memory(bench, client_sizes),
            "cold": cold_start,
            "executors": lambda: executors(bench),
            "rate": lambda: request_rate(bench, args.rate_tables),
            "content": lambda: verify_cost(bench),
            "chunks": lambda: chunked_loads(bench),
            "statements": lambda: statements(bench),
        }
        for name in SCENARIOS:  # in this order, whatever the order of --only: statement logging comes last
            if name in args.only:
                results[SCENARIOS[name]] = scenarios[name]()
    table = markdown(results, SMALL_TABLES)
    if set(args.only) != set(SCENARIOS):
        print(json.dumps(results, indent=2))
        print(table)
        return 0
    RESULTS.mkdir(exist_ok=True)
    dump(str(RESULTS / "latest.json"), results)
    (RESULTS / "latest.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
