"""What a person sees of a chunked load on the local stack (issue 29, item 5), with both executors: a run stopped with
SIGTERM in a row's third chunk exits 143, its log names the row, the chunk (number of total, and range) and how many
committed, with the command that resumes it; that command, run as shown, completes the row with every row once and
loads only the chunks that were missing; the summary's ``chunks`` and the error's text say the same, and the error
file stays a valid config file."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Callable

import pytest

from glue_elt.steps.redshift_cross_account_migration.config_json import parse_json_config
from local_stack import StackEndpoints
from tests.conftest import BUCKET, Db, read_json
from tests.integration.test_chunked_loads import big_source, put, row, wait_for
from tests.integration.test_session_settings import attempts, slow_target

pytestmark = pytest.mark.integration
PutConfig = Callable[[str, str], str]
MODULE = "glue_elt.steps.redshift_cross_account_migration"
RESUME = "to resume, run: "


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_chunked_append_stopped_in_its_third_chunk_says_where_and_its_command_resumes_it(
    executor: str,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    endpoints: StackEndpoints,
) -> None:
    source, target = schemas
    big_source(db, source, target, 3000)  # the NULL chunk and 5 ranges of 600: 6 chunks
    counter = slow_target(db, f"{target}.big", 1.0)  # every chunk's INSERT sleeps 1 s on the server
    uri = put(put_config, f"stop-{executor}-{target}", row(f"{source}.big", f"{target}.big", cluster_secret))
    run_id, outputs = f"stop-{target}", f"s3://{BUCKET}/{target}/out/"
    command = [
        sys.executable, "-m", MODULE, "--config_path", uri, "--executor", executor, "--run_id", run_id,
        "--chunk_rows", "600", "--error_output_path", outputs, "--summary_output_path", outputs,
    ]  # fmt: skip
    env = {**os.environ, **endpoints.aws_env()}
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as process:
        try:
            wait_for(lambda: attempts(db, counter) >= 3 or process.poll() is not None, "the third chunk's INSERT")
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
        log = process.stderr.read() if process.stderr else ""
    assert code == 143, log
    where = "stopped at chunk 3/6 (id > 600 and <= 1200), 2 of 6 chunk(s) committed"
    (line,) = [text for text in log.splitlines() if RESUME in text]
    assert f"WARNING glue_elt.steps.redshift_cross_account_migration.resume: {target}.big (line 2): {where}; " in line
    assert db.count(f"{target}.big") == 600  # the NULL chunk (none) and the first range

    summary = read_json(f"{outputs}{run_id}/summary.json")
    (entry,) = summary["rows"]
    error = f"cancelled: {where} (a re-run with this run id resumes after them)"
    assert (summary["cancelled"], entry["error"], entry["chunks"]) == (True, error, {"committed": 2, "planned": 6})
    failed_rows = read_json(f"{outputs}{run_id}/failed_rows.json")
    assert [failed["error"] for failed in failed_rows] == [error]
    assert len(parse_json_config(json.dumps(failed_rows), "failed_rows.json")) == 1  # still a valid config file

    tried = attempts(db, counter)
    shown = shlex.split(line.split(RESUME, 1)[1])
    assert shown[:3] == [sys.executable, "-m", MODULE] and shown[-2:] == ["--run_id", run_id]
    rerun = subprocess.run(shown, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert db.rows(f"SELECT count(*), count(DISTINCT id) FROM {target}.big") == [(3000, 3000)]
    assert attempts(db, counter) - tried == 4  # chunks 3 to 6: the two committed ones were not loaded again
    done = read_json(f"{outputs}{run_id}/summary.json")["rows"][0]
    assert (done["status"], done["chunks"], done["error"]) == ("succeeded", {"committed": 6, "planned": 6}, None)
