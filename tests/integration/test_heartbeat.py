"""A long row seen while it runs, as in AWS Glue's log (stderr not a terminal, so no progress bar): the row's start
line, then heartbeats with the time it has run, before its end (issue 32, item 12).

The row's INSERT waits on an advisory lock the test holds (a statement trigger), so it runs for as long as the test
wants: the test reads the step's stderr until a heartbeat arrives, then lets the row finish. Nothing is timed.
"""

from __future__ import annotations

import contextlib
import os
import queue
import random
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest

from local_stack import LocalStack, StackEndpoints
from tests.conftest import Db

MODULE = "glue_elt.steps.redshift_cross_account_migration"
HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"


def wait_on_lock(db: Db, table: str, key: int) -> None:
    """Every INSERT into ``table`` first waits for advisory lock ``key`` (a trigger of its owner, the ETL user)."""
    schema, name = table.split(".")
    db.as_etl(
        f"""CREATE FUNCTION {schema}.wait_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_advisory_lock({key}); PERFORM pg_advisory_unlock({key}); RETURN NULL; END $$""",
        f"CREATE TRIGGER wait BEFORE INSERT ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {schema}.wait_{name}()",
    )


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_long_row_logs_its_start_and_heartbeats_while_it_runs(
    executor: str,
    stack: LocalStack,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    endpoints: StackEndpoints,
    put_config: Callable[[str, str], str],
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.big (id int)", f"INSERT INTO {source}.big VALUES (1), (2), (3)")
    db.as_etl(f"CREATE TABLE {target}.big (id int)")
    key = random.randrange(1, 2**31)
    wait_on_lock(db, f"{target}.big", key)
    uri = put_config(f"{target}/long.csv", f"{HEADER}\nshared_db.{source}.big###{target}.big#{cluster_secret}#append\n")
    command = [sys.executable, "-m", MODULE, "--config_path", uri, "--executor", executor,
               "--heartbeat_seconds", "0.2", "--run_id", f"long-{target}-{executor}"]  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    with contextlib.closing(stack.admin_connect()) as holder:
        cursor = holder.cursor()
        cursor.execute(f"SELECT pg_advisory_lock({key})")
        env = {**os.environ, **endpoints.aws_env()}
        with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as process:
            assert process.stderr is not None
            reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stderr or []], daemon=True)
            reader.start()
            seen: list[str] = []
            try:
                while not any("running for" in line for line in seen):
                    seen.append(lines.get(timeout=120))  # the row cannot end before the lock is released
            finally:
                cursor.execute(f"SELECT pg_advisory_unlock({key})")
            code = process.wait(timeout=120)
            reader.join(timeout=120)
    log = seen + list(lines.queue)
    assert code == 0, "".join(log)
    messages = [line.split(": ", 1)[1].strip() if ": " in line else line for line in log]
    label = f"{target}.big (line 2) append"
    start = messages.index(f"{label}: started (secret {cluster_secret})")
    beat = next(i for i, m in enumerate(messages) if m.startswith(f"{label}: running for "))
    done = next(i for i, m in enumerate(messages) if m.startswith(f"[1/1] {label}: 3 row(s) inserted"))
    preflight = next(i for i, m in enumerate(messages) if m.startswith("pre-flight: 1 row(s) ready"))
    assert preflight < start < beat < done, "".join(log)
    assert db.count(f"{target}.big") == 3
