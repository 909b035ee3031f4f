"""A corpus of bad inputs: each gets its own clear message, and nothing is ever written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest

from glue_elt import ConfigError, RedshiftCrossAccountDataMigration, RowStatus
from local_stack import LocalStack
from tests.conftest import BUCKET, Db

SRC, TGT = "corpus_src", "corpus_tgt"
HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
GOOD = f"shared_db.{SRC}.orders#id,amount#id > 0#{TGT}.orders#{{secret}}#append"


@dataclass(frozen=True)
class Case:
    """A config file (text with {secret}, or raw bytes), whether it fails the run or the row, and the message."""

    name: str
    config: str | bytes
    level: str  # "run": ConfigError before anything runs; "row": the row fails
    message: str
    params: tuple[tuple[str, str], ...] = ()


def row(
    source: str = f"shared_db.{SRC}.orders",
    columns: str = "",
    condition: str = "",
    target: str = f"{TGT}.orders",
    secret: str = "{secret}",
    load_type: str = "append",
) -> str:
    return f"{HEADER}\n{source}#{columns}#{condition}#{target}#{secret}#{load_type}\n"


def renamed(columns: str, target_columns: str) -> str:
    """A row with ``target_columns`` (the optional column after the six)."""
    return (
        f"{HEADER}#target_columns\nshared_db.{SRC}.orders#{columns}##{TGT}.orders#{{secret}}#append#{target_columns}\n"
    )


CASES = [
    # the file and its header
    Case("empty file", "", "run", "is empty"),
    Case("blank lines only", "\n  \n\t\n", "run", "is empty"),
    Case("header only", HEADER + "\n", "run", "has a header but no rows"),
    Case(
        "comma separated", HEADER.replace("#", ",") + "\n" + GOOD.replace("#", ","), "run", "set --config_file_sep ','"
    ),
    Case("semicolon separated", HEADER.replace("#", ";") + "\n", "run", "set --config_file_sep ';'"),
    Case("tab separated", HEADER.replace("#", "\t") + "\n", "run", "set --config_file_sep '\\t'"),
    Case(
        "wrong --config_file_sep",
        row(),
        "run",
        "header has a single column with separator '|'",
        (("config_file_sep", "|"),),
    ),
    Case(
        "multi-character separator",
        row(),
        "run",
        "--config_file_sep must be a single character",
        (("config_file_sep", "##"),),
    ),
    Case("unknown column", HEADER + "#colour\n" + GOOD + "#red\n", "run", "unknown column(s) 'colour'"),
    Case(
        "misspelled column",
        HEADER.replace("target_table", "target_tabel") + "\n" + GOOD + "\n",
        "run",
        "unknown column(s) 'target_tabel'",
    ),
    Case("duplicated column", HEADER + "#load_type\n" + GOOD + "#append\n", "run", "duplicated column(s) load_type"),
    Case(
        "missing required column",
        "source_table#target_table\na.b#c.d\n",
        "run",
        "missing required column(s) secret_name",
    ),
    Case("no header row", GOOD + "\n" + GOOD + "\n", "run", "unknown column(s)"),
    Case(
        "latin-1 bytes",
        (HEADER + "\nshared_db.corpus_src.ordérs#").encode("latin-1"),
        "run",
        "is not UTF-8 text (byte 0xe9",
    ),
    Case("utf-16 file", (HEADER + "\n").encode("utf-16"), "run", "is not UTF-8 text (byte 0xff at offset 0)"),
    Case(  # a quoted header field is read as its name, so the header is fine and the rows are missing
        "BOM and CSV quoting of the header",
        '\ufeff"source_table"#target_table#secret_name\n',
        "run",
        "has a header but no rows",
    ),
    Case(
        "CSV quoting with the wrong separator",
        '"source_table","target_table","secret_name"\n"a.b","c.d","s"\n',
        "run",
        "header field 1 begins with '\"' but text follows its closing quote",
    ),
    Case(
        "unclosed quote",
        f'{HEADER}\nshared_db.{SRC}.orders#"id#id > 0#{TGT}.orders#{{secret}}#append\n' + GOOD + "\n",
        "run",
        "line 2: the source_columns value begins with '\"' but its closing quote is missing",
    ),
    # load types
    Case("unknown load type", row(load_type="merge"), "row", "load_type 'merge' is not supported"),
    Case(
        "incremental without watermark",
        row(load_type="incremental"),
        "row",
        "load_type incremental needs watermark_column",
    ),
    Case("upsert without merge keys", row(load_type="upsert"), "row", "load_type upsert needs merge_keys"),
    Case("load type injection", row(load_type="append; DROP TABLE corpus_tgt.canary"), "row", "is not supported"),
    # names and their injection attempts
    Case(
        "source_table injection",
        row(source=f"shared_db.{SRC}.orders; DROP TABLE {TGT}.canary"),
        "row",
        "is not a dot-separated name",
    ),
    Case("target_table injection", row(target=f"{TGT}.orders (id) SELECT 1; --"), "row", "target_table"),
    Case("quote-closing identifier", row(target=f'{TGT}."orders"; DROP TABLE x; --"'), "row", "target_table"),
    Case(  # CSV quoting is removed, leaving a one-part name
        "CSV-quoted one-part name",
        row(source='"orders"'),
        "row",
        "must be schema.table or database.schema.table (1 part",
    ),
    Case(
        "text after a closing quote",
        row(source=f'"shared_db".{SRC}.orders'),
        "row",
        f"""to keep those quotes, enclose the whole value in double quotes and double each quote inside it: \"\"\"shared_db\"\".{SRC}.orders\"""",
    ),
    Case(
        "filter beginning with a quoted name",
        row(condition="\"customer\" = 'c1'"),
        "row",
        "line 2: source_filter begins with '\"', so it is read as a quoted value, but text follows its closing quote",
    ),
    Case("one-part target", row(target="orders"), "row", "must be schema.table or database.schema.table (1 part"),
    Case("four-part source", row(source=f"x.shared_db.{SRC}.orders"), "row", "(4 part(s) given)"),
    Case("identifier over 127 bytes", row(target=f"{TGT}." + "o" * 128), "row", "longer than 127 bytes"),
    Case("multibyte identifier over 127 bytes", row(target=f"{TGT}." + "é" * 64), "row", "longer than 127 bytes"),
    Case(
        "unicode name that does not exist",
        row(target=f"{TGT}.ordérs"),
        "row",
        "target table corpus_tgt.ordérs does not exist",
    ),
    Case("source equals target", row(source=f"{TGT}.orders"), "row", "are the same table"),
    Case(
        "missing required values", row(source="", secret=""), "row", "source_table is required; secret_name is required"
    ),
    # columns
    Case("columns injection", row(columns=f"id) SELECT 1 FROM {TGT}.canary; --"), "row", "source_columns"),
    Case("expression as column", row(columns="count(*)"), "row", "must be a comma-separated list of column names"),
    Case("duplicate column", row(columns="id, ID"), "row", "names column(s) more than once: id"),
    Case(
        "unknown column", row(columns="id, nope"), "row", "pre-flight check failed: source column nope does not exist"
    ),
    # target_columns (a source column into a differently named target column)
    Case(
        "target_columns count",
        renamed("id,amount", "id"),
        "row",
        "target_columns names 1 column(s) but source_columns 2",
    ),
    Case("target_columns without source_columns", renamed("", "id"), "row", "target_columns needs source_columns"),
    Case("target_columns injection", renamed("id", f"id) SELECT 1 FROM {TGT}.canary; --"), "row", "target_columns"),
    Case(
        "unknown target column",
        renamed("id,amount", "id,total"),
        "row",
        f"pre-flight check failed: {TGT}.orders.total does not exist (target column for source column amount)",
    ),
    # filters
    Case(
        "second statement in filter",
        row(condition=f"1=1; DROP TABLE {TGT}.canary"),
        "row",
        "must not contain ';' outside a string literal",
    ),
    Case("comment in filter", row(condition="1=1 -- and the rest"), "row", "must not contain comments"),
    Case("block comment in filter", row(condition="1=1 /* x */"), "row", "must not contain comments"),
    Case("parenthesis escape", row(condition="1=1) OR (1=1"), "row", "is not a valid SQL condition"),
    Case(
        "union in filter",
        row(condition=f"1=1 UNION SELECT id FROM {TGT}.canary"),
        "row",
        "must be a single condition, not a statement",
    ),
    Case("unbalanced quote", row(condition="customer = 'x"), "row", "cannot be read as SQL"),
    Case("WHERE keyword", row(condition="WHERE id > 1"), "row", "without the WHERE keyword"),
    Case(
        "filter on a missing column",
        row(condition="no_such_col > 1"),
        "row",
        'pre-flight check failed: column "no_such_col" does not exist',
    ),
    Case(
        "filter type error",
        row(condition="customer > 1"),
        "row",
        "pre-flight check failed: operator does not exist: text > integer",
    ),
    Case(
        "very long filter",
        row(condition="id = 1 AND " * 3000 + "missing_col = 1"),
        "row",
        'column "missing_col" does not exist',
    ),
    # fields and secrets
    Case("separator inside a value", row(condition="note = 'a#b'"), "row", "line 2 has 7 fields but the header has 6"),
    Case(
        "separator inside a value of a record spanning lines",
        f"{HEADER}\n\nshared_db.{SRC}.orders##\"id > 0\nAND customer = 'c1'\"#note#{TGT}.orders#{{secret}}#append\n",
        "row",
        "line 3 has 7 fields but the header has 6 (a value containing the separator '#'? enclose it in double quotes)",
    ),
    Case(
        "missing field",
        f"{HEADER}\nshared_db.{SRC}.orders###{TGT}.orders#{{secret}}\n",
        "row",
        "has 5 fields but the header has 6",
    ),
    Case(
        "missing secret",
        row(secret="corpus/no-such-secret"),
        "row",
        "secret 'corpus/no-such-secret' does not exist in us-east-1 (ResourceNotFoundException)",
    ),
    Case("secret not JSON", row(secret="corpus/not-json"), "row", "secret 'corpus/not-json' is not valid JSON"),
    Case(
        "secret without password",
        row(secret="corpus/no-password"),
        "row",
        "secret 'corpus/no-password' lacks key(s): password",
    ),
    # names that are close to what exists (issue 32, item 9)
    Case(
        "missing target schema",
        row(target="reporting.regions"),
        "row",
        "target table reporting.regions does not exist: schema reporting does not exist or user etl_user has no access "
        "to it",
    ),
    Case(
        "misspelt target table",
        row(target=f"{TGT}.orderz"),
        "row",
        f"target table {TGT}.orderz does not exist or is not visible to user etl_user (did you mean {TGT}.orders?) "
        "(--create_missing_targets true creates it)",
    ),
    Case(
        "misspelt source table",
        row(source=f"shared_db.{SRC}.ordrs"),
        "row",
        f"(did you mean shared_db.{SRC}.orders?)",
    ),
    Case(
        "misspelt source schema",
        row(source="shared_db.corpus_scr.orders"),
        "row",
        "source table shared_db.corpus_scr.orders does not exist: schema shared_db.corpus_scr does not exist or user "
        f"etl_user has no access to it (did you mean schema {SRC}?)",
    ),
    Case(
        "misspelt watermark column",
        f"{HEADER}#merge_keys#watermark_column\nshared_db.{SRC}.orders###{TGT}.orders#{{secret}}#incremental##amuont\n",
        "row",
        "watermark_column amuont is not a column of both tables (did you mean amount?)",
    ),
    Case(
        "read-only target",
        row(source=f"shared_db.{TGT}.orders", target=f"{SRC}.orders"),
        "row",
        "pre-flight check failed: user etl_user lacks INSERT on table corpus_src.orders",
    ),
]


@pytest.fixture(scope="module")
def corpus(stack: LocalStack, db: Db, etl_secret: str) -> Iterator[str]:
    stack.create_source_schema(SRC)
    stack.create_target_schema(TGT)
    db.admin(
        f"CREATE TABLE {SRC}.orders (id int, customer text, amount numeric(10,2))",
        f"INSERT INTO {SRC}.orders SELECT g, 'c' || g, g FROM generate_series(1, 5) g",
    )
    db.as_etl(
        f"CREATE TABLE {TGT}.orders (id int, customer text, amount numeric(10,2))",
        f"CREATE TABLE {TGT}.canary (id int)",
        f"INSERT INTO {TGT}.canary VALUES (1)",
    )
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name="corpus/not-json", SecretString="username=etl password=hunter2-not-json")
    secrets.create_secret(
        Name="corpus/no-password",
        SecretString='{"username": "etl_user", "host": "127.0.0.1", "port": 5439, "dbname": "x"}',
    )
    yield etl_secret


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case: Case, corpus: str, db: Db) -> None:
    body = case.config.encode("utf-8") if isinstance(case.config, str) else case.config
    body = body.replace(b"{secret}", corpus.encode())
    key = f"corpus/{case.name.replace(' ', '_')}.csv"
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    step = RedshiftCrossAccountDataMigration(
        {"config_path": f"s3://{BUCKET}/{key}", "max_retries": 0, **dict(case.params)}
    )
    try:
        if case.level == "run":
            with pytest.raises(ConfigError) as error:
                step.run()
            assert case.message in str(error.value)
        else:
            result = step.run()
            assert [o.status for o in result.outcomes] == [RowStatus.FAILED]
            assert case.message in (result.outcomes[0].error or "")
    finally:
        step.close()
    assert db.count(f"{TGT}.orders") == 0
    assert db.rows(f"SELECT id FROM {TGT}.canary") == [(1,)]
    assert db.count(f"{SRC}.orders") == 5


def test_a_good_row_with_bom_and_blank_lines_still_loads(corpus: str, db: Db) -> None:
    """Control: the corpus fixture itself is healthy (a good config loads), then is emptied again."""
    text = "\ufeff" + HEADER + "\n\n" + GOOD.replace("{secret}", corpus) + "\n\n"
    boto3.client("s3").put_object(Bucket=BUCKET, Key="corpus/good.csv", Body=text.encode())
    step = RedshiftCrossAccountDataMigration({"config_path": f"s3://{BUCKET}/corpus/good.csv"})
    result = step.run()
    step.close()
    assert result.ok and db.count(f"{TGT}.orders") == 5
    db.as_etl(f"DELETE FROM {TGT}.orders")
