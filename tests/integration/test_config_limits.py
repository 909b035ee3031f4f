"""Issue 31, items 7 and 8: one malformed or oversized row fails alone, in validation (exit 1, in the error file),
and the other rows load, under both executors; a config file that cannot be read at all is refused with exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from glue_elt import ConfigError, RedshiftCrossAccountDataMigration
from glue_elt.steps.base import EXIT_CONFIG_ERROR, EXIT_ROWS_FAILED
from tests.conftest import BUCKET, Db, read_json, run_step
from tests.integration.test_executors import FAST_RETRIES, seed

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
PutConfig = Callable[[str, str], str]


def exit_status(args: dict[str, object]) -> int:
    with pytest.raises(SystemExit) as exited:
        RedshiftCrossAccountDataMigration({**FAST_RETRIES, **args}).start()
    return int(exited.value.code or 0)


def put_bytes(key: str, body: bytes) -> str:
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    return f"s3://{BUCKET}/{key}"


def failed_rows(key: str) -> dict[str, str]:
    """The error file's rows: target_table -> error."""
    rows: list[dict[str, Any]] = read_json(f"s3://{BUCKET}/{key}")
    return {row["target_table"]: row["error"] for row in rows}


def test_malformed_and_oversized_rows_fail_alone_and_the_others_load(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed(db, source, target)
    good = f"shared_db.{source}.t###{target}.t#{cluster_secret}#append"
    bad = {  # target_table -> (row, the refusal's words)
        f"{target}.deep": (f"shared_db.{source}.t##{'(' * 60}k = 1{')' * 60}#{target}.deep", "more than 32 deep"),
        f'{target}."nul\x00"': (f'shared_db.{source}.t###{target}."nul\x00"', "NUL character (U+0000)"),
        f"{target}.wide": (
            f"shared_db.{source}.t#{','.join(f'c{n}' for n in range(100_000))}##{target}.wide",
            "source_columns names 100,000 columns; a table has at most 1,600 columns",
        ),
        f"{target}.long": (
            f"shared_db.{source}.t##{' OR '.join(f'k = {n}' for n in range(8_000))}#{target}.long",
            "bytes; a filter may have at most 65,536 bytes (UTF-8)",
        ),
        f"{target}.huge": (f"shared_db.{source}.t##{'k = 1 AND ' * 120_000}k = 1#{target}.huge", "at most 1,048,576"),
    }
    lines = [good, *(f"{row}#{cluster_secret}#append" for row, _ in bad.values())]
    uri = put_config(f"limits/rows-{executor}.csv", "\n".join([HEADER, *lines]) + "\n")
    errors = f"limits/rows-{executor}/failed_rows.json"
    status = exit_status({"config_path": uri, "executor": executor, "error_output_path": f"s3://{BUCKET}/{errors}"})
    assert status == EXIT_ROWS_FAILED
    assert db.count(f"{target}.t") == 20  # the good row of the same secret loaded
    refused = failed_rows(errors)
    assert set(refused) == set(bad)
    for name, (_, words) in bad.items():
        assert words in refused[name], name


def test_a_lone_surrogate_in_a_json_config_fails_its_row(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str
) -> None:
    source, target = schemas
    seed(db, source, target)
    rows = [
        {"source_table": f"shared_db.{source}.t", "target_table": f"{target}.t", "secret_name": cluster_secret},
        {"source_table": f"shared_db.{source}.t", "target_table": f"{target}.x\ud800", "secret_name": cluster_secret},
    ]
    uri = put_bytes(f"limits/surrogate-{executor}.json", json.dumps(rows).encode("ascii"))  # "\ud800" escaped
    errors = f"limits/surrogate-{executor}/failed_rows.json"
    status = exit_status({"config_path": uri, "executor": executor, "error_output_path": f"s3://{BUCKET}/{errors}"})
    assert status == EXIT_ROWS_FAILED
    assert db.count(f"{target}.t") == 20
    assert failed_rows(errors) == {
        f"{target}.x\ufffd": "entry 2: target_table holds a lone surrogate '\\ud800' at character "
        f"{len(target) + 3} (not Unicode text; shown as U+FFFD)"
    }


@pytest.mark.parametrize(
    ("key", "body", "message"),
    [
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nests arrays or objects more than 2 levels deep"),
        (
            "many.csv",
            (HEADER + "\n" + "shared_db.s.t###a.t#x#append\n" * 10_001).encode(),
            "has more than 10,000 rows; a config file may have at most 10,000",
        ),
        ("big.csv", HEADER.encode() + b"\n" + b" " * (16 * 1024 * 1024), "a config file may have at most 16,777,216"),
    ],
)
def test_a_config_file_that_cannot_be_read_whole_exits_2_naming_it(key: str, body: bytes, message: str) -> None:
    uri = put_bytes(f"limits/{key}", body)
    with pytest.raises(ConfigError) as error:
        run_step({"config_path": uri})
    assert f"config file {uri}" in str(error.value) and message in str(error.value)
    assert exit_status({"config_path": uri}) == EXIT_CONFIG_ERROR
