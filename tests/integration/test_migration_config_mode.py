"""Config file mode against the real stack: rows move exactly, failures stay local to their row."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable

import pandas
import pytest

from glue_elt import RedshiftCrossAccountDataMigration, RowStatus, cli
from local_stack import StackEndpoints
from tests.conftest import BUCKET, Db, list_keys, make_secret, read_json, run_step

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
PutConfig = Callable[[str, str], str]


def seed_orders(db: Db, source: str, target: str) -> None:
    """10 source orders (ids 1-10, half before 2023); target columns in another order."""
    db.admin(
        f"CREATE TABLE {source}.orders (id int NOT NULL, customer text, amount numeric(10,2), order_date date)",
        f"INSERT INTO {source}.orders SELECT g, 'c' || g, g * 1.5, DATE '2022-12-27' + g FROM generate_series(1, 10) g",
        f"CREATE TABLE {source}.customers (id int, name text, email text)",
        f"INSERT INTO {source}.customers VALUES (1, 'Ann', 'a@x'), (2, 'Bob', 'b@x')",
    )
    db.as_etl(
        f"CREATE TABLE {target}.orders (order_date date, amount numeric(10,2), id int NOT NULL, customer text)",
        f"CREATE TABLE {target}.customers (id int, name text, email text)",
        f"INSERT INTO {target}.customers VALUES (99, 'old', 'old@x')",
    )


def test_seed_example_append_and_overwrite(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed_orders(db, source, target)
    config = put_config(
        f"{target}/config.csv",
        f"{HEADER}\n"
        f"shared_db.{source}.orders##order_date >= '2023-01-01'#{target}.orders#{etl_secret}#append\n"
        f"shared_db.{source}.customers#id,name##{target}.customers#{etl_secret}#overwrite\n",
    )
    step = RedshiftCrossAccountDataMigration({"config_path": config})
    result = step.run()
    step.close()

    assert (result.succeeded, result.failed) == (2, 0)
    assert [o.rows_affected for o in result.outcomes] == [6, 2]
    got = db.rows(f"SELECT id, customer, amount, order_date FROM {target}.orders ORDER BY id")
    want = db.rows(
        f"SELECT id, customer, amount, order_date FROM {source}.orders WHERE order_date >= '2023-01-01' ORDER BY id"
    )
    assert got == want and len(got) == 6  # matched by name although the column order differs
    assert db.rows(f"SELECT id, name, email FROM {target}.customers ORDER BY id") == [
        (1, "Ann", None),
        (2, "Bob", None),
    ]


def test_append_adds_and_overwrite_replaces_on_rerun(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed_orders(db, source, target)
    append = put_config(
        f"{target}/append.csv", f"{HEADER}\nshared_db.{source}.orders###{target}.orders#{etl_secret}#\n"
    )
    overwrite = put_config(
        f"{target}/overwrite.csv",
        f"{HEADER}\nshared_db.{source}.orders##id <= 3#{target}.orders#{etl_secret}#overwrite\n",
    )
    run_step({"config_path": append})
    run_step({"config_path": append})
    assert db.count(f"{target}.orders") == 20
    run_step({"config_path": overwrite})
    assert db.rows(f"SELECT id FROM {target}.orders ORDER BY id") == [(1,), (2,), (3,)]


def test_bad_rows_fail_alone_and_land_in_the_error_file(
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    endpoints: StackEndpoints,
    put_config: PutConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, target = schemas
    seed_orders(db, source, target)
    wrong_password = make_secret(endpoints, f"{target}/wrong-password", password="not-the-password")
    lines = [
        f"shared_db.{source}.orders###{target}.orders#{etl_secret}#append",  # ok
        f"shared_db.{source}.nope###{target}.orders#{etl_secret}#append",  # missing source table
        f"shared_db.{source}.orders##no_such_col > 1#{target}.orders#{etl_secret}#append",  # bad filter
        f"shared_db.{source}.orders###{target}.orders#{target}/missing-secret#append",  # missing secret
        f"shared_db.{source}.orders###{target}.orders#{etl_secret}#merge",  # unknown load type
        f"shared_db.{source}.orders###{target}.orders#{wrong_password}#append",  # auth failure
        f"shared_db.{source}.customers#id,name##{target}.customers#{etl_secret}#overwrite",  # ok
    ]
    config = put_config(f"{target}/mixed.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    with caplog.at_level(logging.INFO):
        result = run_step(
            {"config_path": config, "error_output_path": f"s3://{BUCKET}/{target}/errors/", "JOB_RUN_ID": "jr_mixed"}
        )

    assert [o.status for o in result.outcomes] == [RowStatus.SUCCEEDED] + [RowStatus.FAILED] * 5 + [RowStatus.SUCCEEDED]
    assert db.count(f"{target}.orders") == 10
    errors = [o.error or "" for o in result.outcomes[1:6]]
    assert "does not exist" in errors[0]
    assert "no_such_col" in errors[1]
    assert f"secret '{target}/missing-secret' does not exist in us-east-1 (ResourceNotFoundException)" in errors[2]
    assert "load_type 'merge' is not supported" in errors[3]
    assert "password authentication failed" in errors[4] or "could not connect" in errors[4]

    assert result.error_file == f"s3://{BUCKET}/{target}/errors/jr_mixed/failed_rows.json"
    failed = read_json(result.error_file)
    assert [row["source_table"] for row in failed] == [line.split("#")[0] for line in lines[1:6]]
    assert set(failed[0]) == {
        "source_table",
        "source_columns",
        "source_filter",
        "target_table",
        "secret_name",
        "load_type",
        "merge_keys",
        "watermark_column",
        "target_columns",
        "chunk_column",
        "error",
    }
    assert failed[3]["load_type"] == "merge" and failed[3]["error"] == errors[3]
    assert "5 succeeded" not in caplog.text and "2 succeeded, 5 failed" in caplog.text
    assert f"s3://{BUCKET}/{target}/errors/jr_mixed/failed_rows.json" in caplog.text
    for text in (caplog.text, str(failed)):
        assert endpoints.etl_password not in text and "not-the-password" not in text


def test_no_failures_no_error_file(db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig) -> None:
    source, target = schemas
    seed_orders(db, source, target)
    config = put_config(
        f"{target}/ok.csv", f"{HEADER}\nshared_db.{source}.orders###{target}.orders#{etl_secret}#append\n"
    )
    result = run_step({"config_path": config, "error_output_path": f"s3://{BUCKET}/{target}/errors/"})
    assert result.ok and result.error_file is None
    assert list_keys(f"{target}/errors/") == []


def test_overwrite_whose_insert_fails_keeps_previous_rows(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed_orders(db, source, target)
    db.admin(f"INSERT INTO {source}.customers VALUES (NULL, 'no id', 'n@x')")
    db.as_etl(f"ALTER TABLE {target}.customers ALTER COLUMN id SET NOT NULL")
    config = put_config(
        f"{target}/ow.csv", f"{HEADER}\nshared_db.{source}.customers###{target}.customers#{etl_secret}#overwrite\n"
    )
    result = run_step({"config_path": config})
    (outcome,) = result.outcomes
    assert outcome.status is RowStatus.FAILED and "null value" in (outcome.error or "")
    assert db.rows(f"SELECT id, name FROM {target}.customers") == [(99, "old")]


def test_quoted_mixed_case_identifiers(
    db: Db, schemas: tuple[str, str], case_keeping_secret: str, put_config: PutConfig
) -> None:
    """On a server that keeps quoted names' case (Redshift with ``enable_case_sensitive_identifier`` on)."""
    etl_secret = case_keeping_secret
    source, target = schemas
    db.admin(
        f'CREATE TABLE {source}."Order Items" ("Item Id" int, "Qty$" int)',
        f'INSERT INTO {source}."Order Items" VALUES (1, 2), (3, 4)',
    )
    db.as_etl(f'CREATE TABLE {target}."Order Items" ("Qty$" int, "Item Id" int)')
    # source_columns begins with a quote, so the whole value is CSV-quoted to keep its own quotes
    config = put_config(
        f"{target}/q.csv",
        f'{HEADER}\nshared_db."{source}"."Order Items"#"""Item Id"",""Qty$"""##{target}."Order Items"#{etl_secret}#append\n',
    )
    result = run_step({"config_path": config})
    assert result.ok, result.outcomes
    assert db.rows(f'SELECT "Item Id", "Qty$" FROM {target}."Order Items" ORDER BY 1') == [(1, 2), (3, 4)]


def _pandas_comma_file(rows: list[dict[str, str]]) -> str:
    return str(pandas.DataFrame(rows).to_csv(index=False))


def _excel_semicolon_file(rows: list[dict[str, str]]) -> str:
    """Excel's "CSV UTF-8" where the list separator is ``;``: a BOM, CRLF line ends, quotes where needed."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), dialect="excel", delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()


@pytest.mark.parametrize(
    ("writer", "sep"), [(_pandas_comma_file, ","), (_excel_semicolon_file, ";")], ids=["pandas", "excel"]
)
def test_a_file_written_by_csv_tools_loads_as_meant(
    writer: Callable[[list[dict[str, str]]], str],
    sep: str,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: PutConfig,
) -> None:
    """Values holding the separator, quotes and line breaks come through CSV quoting exactly as written."""
    source, target = schemas
    seed_orders(db, source, target)
    rows = [
        {
            "source_table": f"shared_db.{source}.customers",
            "source_columns": "id,name",
            "source_filter": "",
            "target_table": f"{target}.customers",
            "secret_name": etl_secret,
            "load_type": "overwrite",
        },
        {
            "source_table": f'shared_db."{source}"."orders"',
            "source_columns": "",
            "source_filter": "customer IN ('c1', 'c2',\n'c3')\r\nAND amount > 0",
            "target_table": f'{target}."orders"',
            "secret_name": etl_secret,
            "load_type": "append",
        },
        {
            "source_table": f"shared_db.{source}.orders",
            "source_columns": '"id", "customer", amount, order_date',
            "source_filter": "\"customer\" = 'c4;c,5' OR id = 4",
            "target_table": f"{target}.orders",
            "secret_name": etl_secret,
            "load_type": "append",
        },
    ]
    text = writer(rows)
    assert '"id,name"' in text or sep != ","  # the writer quoted the value holding the separator
    config = put_config(f"{target}/written.csv", text)
    result = run_step({"config_path": config, "config_file_sep": sep})

    assert result.ok, [o.error for o in result.outcomes]
    assert [{k: v for k, v in o.row.config().items() if k in rows[0]} for o in result.outcomes] == rows
    assert [o.row.line for o in result.outcomes] == [2, 3, 6]  # the second record spans three lines
    assert [o.rows_affected for o in result.outcomes] == [2, 3, 1]
    assert db.rows(f"SELECT id, name, email FROM {target}.customers ORDER BY id") == [
        (1, "Ann", None),
        (2, "Bob", None),
    ]
    assert db.rows(f"SELECT id FROM {target}.orders ORDER BY id") == [(1,), (2,), (3,), (4,)]


def test_missing_config_file_is_a_clear_config_error(endpoints: StackEndpoints) -> None:
    from glue_elt import ConfigError

    step = RedshiftCrossAccountDataMigration({"config_path": f"s3://{BUCKET}/does/not/exist.csv"})
    with pytest.raises(
        ConfigError,
        match=re.escape("config file s3://glue-elt-it/does/not/exist.csv could not be read: the object does not exist"),
    ):
        step.run()


@pytest.mark.parametrize(("written", "sep"), [("\t", "\t"), ("\\t", "\t"), (" ", " ")])
def test_a_tab_or_space_separated_file_loads_through_the_cli(
    written: str, sep: str, db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    """``--config_file_sep`` given as a tab, as ``\\t`` or as a space, on the command line (Glue-style argv)."""
    source, target = schemas
    seed_orders(db, source, target)
    lines = [
        HEADER.split("#"),
        [f"shared_db.{source}.orders", "", "\"id <= 3 AND customer <> 'a b'\"", f"{target}.orders", etl_secret, ""],
    ]
    config = put_config(f"{target}/sep.txt", "\n".join(sep.join(line) for line in lines) + "\n")
    status = cli.main(
        ["migrate", "--config_path", config, "--config_file_sep", written, "--JOB_RUN_ID", f"jr_{target}"]
    )
    assert status == 0
    assert db.rows(f"SELECT id FROM {target}.orders ORDER BY id") == [(1,), (2,), (3,)]
