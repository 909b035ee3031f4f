"""The Glue job script, ``python -m`` and ``glue-elt`` as subprocesses with Glue-style argv: exit codes, logs,
secrets."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from local_stack import StackEndpoints
from tests.conftest import BUCKET, REPO_ROOT, Db, read_json
from tests.integration.test_exit_status import closed_port

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
MODULE = "glue_elt.steps.redshift_cross_account_migration"
GLUE_SCRIPT = str(REPO_ROOT / "glue_jobs" / "redshift_cross_account_migration.py")
STRAY_ADVICE = (
    "a value follows its --name, and these words were not read; quote a value that holds spaces or a * (a shell "
    "expands an unquoted * into the file names it matches, and only the first of them is the value)"
)
GLUE_ELT = Path(sys.executable).parent / "glue-elt"
"""The console script ``pip install`` put beside this Python (``[project.scripts]``)."""
GLUE_RESERVED = [
    "--JOB_ID",
    "j_123",
    "--JOB_RUN_ID",
    "jr_entry",
    "--job-bookmark-option",
    "job-bookmark-disable",
    "--TempDir",
    f"s3://{BUCKET}/tmp/",
]


def launch(command: list[str], endpoints: StackEndpoints, *, glue: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **endpoints.aws_env()}
    env.pop("PYTHONPATH", None)
    if glue:  # AWS's awsglue package (awsgluedataplanepython) importable, as inside Glue
        env["PYTHONPATH"] = str(REPO_ROOT / "tests" / "glue_shim")
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def prepare(db: Db, schemas: tuple[str, str], etl_secret: str, put_config: Callable[[str, str], str], bad: bool) -> str:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t VALUES (1), (2), (3)")
    db.as_etl(f"CREATE TABLE {target}.t (id int)")
    lines = [f"shared_db.{source}.t###{target}.t#{etl_secret}#append"]
    if bad:
        lines.append(f"shared_db.{source}.missing###{target}.t#{etl_secret}#append")
    return put_config(f"{target}/config.csv", HEADER + "\n" + "\n".join(lines) + "\n")


def assert_no_password(endpoints: StackEndpoints, *texts: str) -> None:
    for text in texts:
        assert endpoints.etl_password not in text
        assert endpoints.admin_password not in text


def test_python_m_success_exits_zero(
    db: Db, schemas: tuple[str, str], etl_secret: str, endpoints: StackEndpoints, put_config: Callable[[str, str], str]
) -> None:
    config = prepare(db, schemas, etl_secret, put_config, bad=False)
    done = launch([sys.executable, "-m", MODULE, *GLUE_RESERVED, "--config_path", config], endpoints)
    assert done.returncode == 0, done.stderr
    assert "1 succeeded, 0 failed" in done.stderr
    assert "3 row(s) inserted" in done.stderr
    assert db.count(f"{schemas[1]}.t") == 3
    assert_no_password(endpoints, done.stdout, done.stderr)


def test_python_m_failed_row_exits_one_after_writing_the_error_file(
    db: Db, schemas: tuple[str, str], etl_secret: str, endpoints: StackEndpoints, put_config: Callable[[str, str], str]
) -> None:
    config = prepare(db, schemas, etl_secret, put_config, bad=True)
    errors = f"s3://{BUCKET}/{schemas[1]}/errors.json"
    done = launch([sys.executable, "-m", MODULE, "--config_path", config, f"--error_output_path={errors}"], endpoints)
    assert done.returncode == 1, done.stderr
    assert "1 succeeded, 1 failed" in done.stderr
    (failed,) = read_json(errors)
    assert failed["source_table"].endswith(".missing") and "does not exist" in failed["error"]
    assert_no_password(endpoints, done.stdout, done.stderr, str(failed))


def test_fail_on_error_false_exits_zero(
    db: Db, schemas: tuple[str, str], etl_secret: str, endpoints: StackEndpoints, put_config: Callable[[str, str], str]
) -> None:
    config = prepare(db, schemas, etl_secret, put_config, bad=True)
    done = launch([sys.executable, "-m", MODULE, "--config_path", config, "--fail_on_error", "false"], endpoints)
    assert done.returncode == 0, done.stderr
    assert "1 succeeded, 1 failed" in done.stderr


def test_no_mode_exits_two_with_a_clear_message(endpoints: StackEndpoints) -> None:
    done = launch([sys.executable, "-m", MODULE, *GLUE_RESERVED], endpoints)
    assert done.returncode == 2
    assert "no migration rows: give --config_path" in done.stderr


def test_help_exits_zero(endpoints: StackEndpoints) -> None:
    done = launch([sys.executable, "-m", MODULE, "--help"], endpoints)
    assert done.returncode == 0 and "--error_output_path" in done.stdout


def test_glue_script_uses_awsglue_get_resolved_options(
    db: Db, schemas: tuple[str, str], etl_secret: str, endpoints: StackEndpoints, put_config: Callable[[str, str], str]
) -> None:
    config = prepare(db, schemas, etl_secret, put_config, bad=False)
    glue_own = ["--enable-metrics", "--enable-glue-datacatalog", "true", "--job-language", "python",
                "--python-modules-installer-option", "--upgrade", "--extra-py-files", f"s3://{BUCKET}/w.whl"]  # fmt: skip
    done = launch(
        [sys.executable, GLUE_SCRIPT, *GLUE_RESERVED, *glue_own, "--config_path", config], endpoints, glue=True
    )
    assert done.returncode == 0, done.stderr  # Glue's own arguments, a flag without a value too: no stray word
    assert "run jr_entry" in done.stderr and db.count(f"{schemas[1]}.t") == 3
    # awsglue's parser (not the plain fallback) validates Glue's own reserved arguments:
    refused = launch(
        [sys.executable, GLUE_SCRIPT, "--job-bookmark-option", "bogus", "--config_path", config], endpoints, glue=True
    )
    assert refused.returncode == 2
    assert "argument --job-bookmark-option: invalid choice" in refused.stderr


def test_progress_bar_on_a_terminal_only(
    db: Db, schemas: tuple[str, str], etl_secret: str, endpoints: StackEndpoints, put_config: Callable[[str, str], str]
) -> None:
    import fcntl
    import pty
    import struct
    import termios

    config = prepare(db, schemas, etl_secret, put_config, bad=False)
    command = [sys.executable, "-m", MODULE, "--config_path", config, "--JOB_RUN_ID", "jr_tty"]
    env = {**os.environ, **endpoints.aws_env()}
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # an 100-column terminal
    with subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=child
    ) as process:
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(parent, 4096)
            except OSError:  # the terminal closed when the process ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(60) == 0
    os.close(parent)
    terminal = b"".join(chunks).decode(errors="replace")
    assert "table/s]" in terminal or "s/table]" in terminal  # tqdm's bar
    assert "1 succeeded, 0 failed" in terminal

    piped = launch([*command[:-1], "jr_piped"], endpoints)
    assert piped.returncode == 0
    assert "table/s]" not in piped.stderr and "s/table]" not in piped.stderr


def test_glue_script_dry_run_and_rerun_of_the_error_file(
    db: Db, schemas: tuple[str, str], etl_secret: str, endpoints: StackEndpoints, put_config: Callable[[str, str], str]
) -> None:
    config = prepare(db, schemas, etl_secret, put_config, bad=True)
    errors = f"s3://{BUCKET}/{schemas[1]}/glue-errors.json"
    dry = launch(
        [sys.executable, GLUE_SCRIPT, *GLUE_RESERVED, "--config_path", config, "--dry_run", "true"],
        endpoints,
        glue=True,
    )
    assert dry.returncode == 1, dry.stderr
    assert "(dry run): 1 would run, 1 would fail; nothing written" in dry.stderr and db.count(f"{schemas[1]}.t") == 0
    real = launch(
        [sys.executable, GLUE_SCRIPT, "--config_path", config, "--error_output_path", errors], endpoints, glue=True
    )
    assert real.returncode == 1 and db.count(f"{schemas[1]}.t") == 3
    db.admin(f"CREATE TABLE {schemas[0]}.missing (id int)", f"INSERT INTO {schemas[0]}.missing VALUES (7)")
    rerun = launch(
        [sys.executable, GLUE_SCRIPT, "--config_path", errors, "--summary_output_path", errors + ".summary.json"],
        endpoints,
        glue=True,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert db.count(f"{schemas[1]}.t") == 4
    assert read_json(errors + ".summary.json")["counts"] == {"succeeded": 1, "failed": 0, "skipped": 0}


@pytest.fixture(scope="module")
def glue_elt() -> str:
    assert GLUE_ELT.is_file(), f"{GLUE_ELT} is missing: `make venv` installs the glue-elt console script"
    return str(GLUE_ELT)


def test_glue_elt_migrate_runs_the_step_like_python_m(
    glue_elt: str,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    endpoints: StackEndpoints,
    put_config: Callable[[str, str], str],
) -> None:
    config = prepare(db, schemas, etl_secret, put_config, bad=False)
    done = launch([glue_elt, "migrate", *GLUE_RESERVED, "--config_path", config], endpoints)
    assert done.returncode == 0, done.stderr
    assert "run jr_entry: 1 row(s) to migrate" in done.stderr and "1 succeeded, 0 failed" in done.stderr
    assert db.count(f"{schemas[1]}.t") == 3
    assert_no_password(endpoints, done.stdout, done.stderr)


def test_glue_elt_migrate_exit_statuses_equal_python_ms(
    glue_elt: str,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    endpoints: StackEndpoints,
    put_config: Callable[[str, str], str],
) -> None:
    config = prepare(db, schemas, etl_secret, put_config, bad=True)
    cases = {
        "a failed row": (["--config_path", config], 1),
        "a failed row, --fail_on_error false": (["--config_path", config, "--fail_on_error", "false"], 0),
        "no mode": ([*GLUE_RESERVED], 2),
        "a bad parameter": (["--config_path", config, "--max_parallel", "0"], 2),
        "help": (["--help"], 0),
    }
    for case, (args, status) in cases.items():
        by_module = launch([sys.executable, "-m", MODULE, *args], endpoints)
        by_command = launch([glue_elt, "migrate", *args], endpoints)
        assert (by_module.returncode, by_command.returncode) == (status, status), case
        assert by_command.stdout == by_module.stdout, case  # the same help text
    assert "no migration rows: give --config_path" in launch([glue_elt, "migrate"], endpoints).stderr


def test_glue_elt_warns_of_an_unknown_argument_without_logging_values(
    glue_elt: str,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    endpoints: StackEndpoints,
    put_config: Callable[[str, str], str],
) -> None:
    config = prepare(db, schemas, etl_secret, put_config, bad=False)
    args = [*GLUE_RESERVED, "--enable-metrics", "true", "--config_path", config, "--job-bookmark-optoin", "x"]
    args += ["--db_password", "hunter2-not-logged"]
    for command in ([glue_elt, "migrate"], [sys.executable, "-m", MODULE]):
        done = launch([*command, *args], endpoints)
        assert done.returncode == 0, done.stderr
        warnings = [line.split(": ", 1)[1] for line in done.stderr.splitlines() if " WARNING " in line]
        assert warnings == [
            "--job-bookmark-optoin is not a parameter of this step; did you mean AWS Glue's --job-bookmark-option?",
            "--db_password is not a parameter of RedshiftCrossAccountDataMigration; see --help",
        ]
        assert "hunter2-not-logged" not in done.stderr and "hunter2-not-logged" not in done.stdout


@pytest.mark.parametrize(
    ("module", "args", "message"),
    [
        (
            MODULE,
            ["--config_path", f"s3://{BUCKET}/any.csv", "--verify_count", "true", "--overwrite_mod", "truncate"],
            "RedshiftCrossAccountDataMigration failed: --verify_count (did you mean --verify_counts?) and "
            "--overwrite_mod (did you mean --overwrite_mode?) are not parameters of RedshiftCrossAccountDataMigration: "
            "stopped before reading anything; correct the names (--help lists the parameters)",
        ),
        (
            "glue_elt.steps.redshift_sql",
            ["--sql_path", f"s3://{BUCKET}/any.sql", "--secret_name", "s", "--dry_rn", "true"],
            "RedshiftSqlStep failed: --dry_rn (did you mean --dry_run?) is not a parameter of RedshiftSqlStep: "
            "stopped before reading anything; correct the name (--help lists the parameters)",
        ),
        (
            MODULE,
            ["--config_path", f"s3://{BUCKET}/any.csv", "--load_type", "overwrite", "dry_run", "true"],
            "RedshiftCrossAccountDataMigration failed: stray words on the command line: 'dry_run', 'true' after "
            f"--load_type 'overwrite' (did you mean --dry_run?): {STRAY_ADVICE}. RedshiftCrossAccountDataMigration "
            "stopped before reading anything",
        ),
        (
            "glue_elt.steps.redshift_sql",
            [
                "--sql_path",
                f"s3://{BUCKET}/any.sql",
                "--secret_name",
                "s",
                "dry_run",
                "--statement_timeout_seconds=9",
                "x",
            ],
            "RedshiftSqlStep failed: stray words on the command line: 'dry_run' after --secret_name 's'; 'x' after the "
            f"value of --statement_timeout_seconds (did you mean --dry_run?): {STRAY_ADVICE}. RedshiftSqlStep stopped "
            "before reading anything",
        ),
    ],
)
def test_python_m_exits_2_at_a_typo_of_a_parameter_or_a_stray_word_before_reading_anything(
    module: str, args: list[str], message: str
) -> None:
    """AWS at a closed port: had the step read the config, the script or a secret (or connected), it would have
    failed as unreachable (exit status 4) and said so. A word without dashes was ignored before: the run went on
    without the option it meant (issue 32, item 7)."""
    argv = [sys.executable, "-m", module, *GLUE_RESERVED, "--enable-metrics", "true", "--executor-cores", "4", *args]
    done = subprocess.run(argv, env=unreachable_aws(), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert [
        line.split(" ERROR ", 1)[1].split(": ", 1)[1] for line in done.stderr.splitlines() if " ERROR " in line
    ] == [message]
    assert " WARNING " not in done.stderr and "run jr_entry" not in done.stderr and "s3://" not in done.stderr


def unreachable_aws() -> dict[str, str]:
    """This environment with AWS at a closed port: a step that reads anything fails as unreachable (exit status 4)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHONPATH"))}
    env |= {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}", "AWS_DEFAULT_REGION": "us-east-1"}
    return env | {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_MAX_ATTEMPTS": "1"}


def test_an_unquoted_star_that_a_shell_expands_exits_2_naming_the_files_left_over(tmp_path: Path) -> None:
    """``--exclude tmp_*`` unquoted in a directory with two such files: bash passes both names, the first was taken
    as the pattern and the second ignored before (issue 32, item 7)."""
    for name in ("tmp_a.csv", "tmp_b.csv"):
        (tmp_path / name).touch()
    args = "--source_schema shared_db.sales --target_schema sales --secret_name s --exclude tmp_*"
    command = f"{shlex.quote(sys.executable)} -m {MODULE} {args}"
    done = subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, env=unreachable_aws(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert "stray words on the command line: 'tmp_b.csv' after --exclude 'tmp_a.csv': " in done.stderr
    assert "quote a value that holds spaces or a *" in done.stderr


def test_no_aws_credentials_say_what_to_set(tmp_path: Path) -> None:
    """No credentials anywhere boto3 looks: the first read fails saying what to set, not a bare class name (issue
    32, item 8)."""
    env = unreachable_aws()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        del env[name]
    nowhere = str(tmp_path / "none")
    env |= {"AWS_SHARED_CREDENTIALS_FILE": nowhere, "AWS_CONFIG_FILE": nowhere, "AWS_EC2_METADATA_DISABLED": "true"}
    argv = [sys.executable, "-m", MODULE, "--config_path", f"s3://{BUCKET}/any.csv"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert (
        f"config file s3://{BUCKET}/any.csv could not be read: NoCredentialsError (no AWS credentials were found: set "
        "AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them" in done.stderr
    )


def readme_python_example(step: str) -> str:
    """The README's Python example of ``step``, as a user copies it."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [block for block in text.split("```python\n")[1:] if f"import {step}" in block.split("\n", 1)[0]]
    return blocks[0].split("```", 1)[0]


def test_the_readme_s_python_example_shows_the_step_s_log_as_it_runs(
    db: Db, schemas: tuple[str, str], etl_secret: str, endpoints: StackEndpoints, put_config: Callable[[str, str], str]
) -> None:
    """Run as the README shows it, the example logs each row and the summary on stderr, as the command does; without
    a line that attaches a handler, Python shows nothing but warnings (issue 32, item 13)."""
    config = prepare(db, schemas, etl_secret, put_config, bad=False)
    code = readme_python_example("RedshiftCrossAccountDataMigration").replace(
        "s3://my-bucket/migrations/orders.csv", config
    )
    done = launch([sys.executable, "-c", code], endpoints)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1 0 None\n"
    assert f"[1/1] {schemas[1]}.t (line 2) append: 3 row(s) inserted" in done.stderr
    assert ": 1 succeeded, 0 failed, 0 skipped" in done.stderr
    assert_no_password(endpoints, done.stdout, done.stderr)


def test_glue_elt_help_lists_the_commands(glue_elt: str, endpoints: StackEndpoints) -> None:
    done = launch([glue_elt, "--help"], endpoints)
    assert done.returncode == 0 and "\n  migrate  Copy tables from a Redshift data-share" in done.stdout
