"""Parsing the config file."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from pathlib import Path

import pandas
import pytest

from glue_elt.errors import ConfigError
from glue_elt.steps.redshift_cross_account_migration.config_file import decode_config, parse_config
from glue_elt.steps.redshift_cross_account_migration.model import CONFIG_FIELDS, MigrationRow

SEED = """source_table#source_columns#source_filter#target_table#secret_name#load_type
shared_db.schema.orders##date >= '2023-01-01'#analytics.orders#redshift-secret#append
shared_db.schema.customers#id,name##analytics.customers#redshift-secret#overwrite
"""


def test_seed_example() -> None:
    rows = parse_config(SEED, "#", "s3://b/k")
    assert rows == [
        MigrationRow(
            source_table="shared_db.schema.orders",
            source_columns="",
            source_filter="date >= '2023-01-01'",
            target_table="analytics.orders",
            secret_name="redshift-secret",
            load_type="append",
            line=2,
        ),
        MigrationRow(
            source_table="shared_db.schema.customers",
            source_columns="id,name",
            source_filter="",
            target_table="analytics.customers",
            secret_name="redshift-secret",
            load_type="overwrite",
            line=3,
        ),
    ]


def test_custom_separator_any_column_order_and_missing_optional_columns() -> None:
    text = "target_table;secret_name;source_table\r\nanalytics.t;sec;shared_db.s.t\r\n"
    (row,) = parse_config(text, ";", "src")
    assert (row.source_table, row.target_table, row.secret_name) == ("shared_db.s.t", "analytics.t", "sec")
    assert (row.source_columns, row.source_filter, row.load_type) == ("", "", "")


def test_blank_lines_are_skipped_but_line_numbers_kept() -> None:
    text = "\nsource_table#target_table#secret_name\n\n  \na.b#c.d#s\n"
    (row,) = parse_config(text, "#", "src")
    assert row.line == 5


def test_values_are_literal_quotes_kept() -> None:
    text = 'source_table#target_table#secret_name\nshared_db."schema"."Order Items"#a."B"#s\n'
    (row,) = parse_config(text, "#", "src")
    assert row.source_table == 'shared_db."schema"."Order Items"'


def test_field_count_mismatch_marks_only_that_row() -> None:
    text = "source_table#target_table#secret_name\na.b#c.d#s\na.b#c.d#s#extra\n"
    good, bad = parse_config(text, "#", "src")
    assert good.problem is None
    assert bad.problem is not None and "line 3 has 4 fields but the header has 3" in bad.problem


def test_header_is_case_and_space_insensitive() -> None:
    (row,) = parse_config(" Source_Table # TARGET_TABLE #secret_name\na.b#c.d#s\n", "#", "src")
    assert row.target_table == "c.d"


@pytest.mark.parametrize(
    ("text", "sep", "message"),
    [
        ("", "#", "is empty"),
        ("\n \n", "#", "is empty"),
        ("source_table#target_table#secret_name\n", "#", "has a header but no rows"),
        ("source_table,target_table,secret_name\na,b,c\n", "#", "single column.*set --config_file_sep ','"),
        ("source_table#target_table#secret_name#colour\na#b#c#d\n", "#", "unknown column\\(s\\) 'colour'"),
        (
            "source_table#target_table#target_table#secret_name\n",
            "#",
            "duplicated column\\(s\\) target_table",
        ),
        (
            "source_table#source_filter\na#b\n",
            "#",
            "missing required column\\(s\\) target_table, secret_name",
        ),
        ("a#b\n", "##", "single character"),
    ],
)
def test_run_level_errors(text: str, sep: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(text, sep, "s3://b/k")


def test_decode_drops_bom_and_rejects_non_utf8() -> None:
    assert decode_config("\ufeffsource_table".encode(), "src") == "source_table"
    with pytest.raises(ConfigError, match="not UTF-8 text \\(byte 0xff at offset 1\\)"):
        decode_config(b"a\xff", "s3://b/k")


def test_new_optional_columns() -> None:
    text = "watermark_column#target_table#merge_keys#secret_name#source_table#load_type\nts#a.t#id#s#x.y#upsert\n"
    (row,) = parse_config(text, "#", "src")
    assert (row.watermark_column, row.merge_keys, row.load_type) == ("ts", "id", "upsert")


# RFC 4180 quoting: files written by the real csv writers parse back to exactly what was written.

WRITTEN_ROWS: list[dict[str, str]] = [
    {
        "source_table": 'shared_db."schema"."Order Items"',
        "source_columns": "id,name",
        "source_filter": "region IN ('north', 'south') AND note <> 'a;b|c#d\te'",
        "target_table": 'analytics."Order Items"',
        "secret_name": "redshift-secret",
        "load_type": "append",
        "merge_keys": "",
        "watermark_column": "",
        "target_columns": '"Id", "Full Name"',
        "chunk_column": "id",
    },
    {
        "source_table": "shared_db.schema.customers",
        "source_columns": '"Id", "Name"',
        "source_filter": "id > 10\nAND name <> 'say \"hi\", then #leave'\r\nAND region = 'x|y;z'",
        "target_table": "analytics.customers",
        "secret_name": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:redshift#1",
        "load_type": "upsert",
        "merge_keys": "id,region",
        "watermark_column": "",
        "target_columns": "",
        "chunk_column": "",
    },
    {
        "source_table": "shared_db.schema.events",
        "source_columns": "",
        "source_filter": "\"Status\" = 'open'",
        "target_table": '"Analytics"."Events"',
        "secret_name": "redshift-secret",
        "load_type": "incremental",
        "merge_keys": "",
        "watermark_column": '"Updated At"',
        "target_columns": "",
        "chunk_column": "",
    },
    {
        "source_table": "shared_db.schema.plain",
        "source_columns": "",
        "source_filter": "",
        "target_table": "analytics.plain",
        "secret_name": "redshift-secret",
        "load_type": "",
        "merge_keys": "",
        "watermark_column": "",
        "target_columns": "",
        "chunk_column": "",
    },
]
SEPARATORS = [",", ";", "|", "\t", "#"]


def _csv_module(sep: str, quoting: int) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=sep, quoting=quoting)
    writer.writerow(CONFIG_FIELDS)
    writer.writerows([[row[name] for name in CONFIG_FIELDS] for row in WRITTEN_ROWS])
    return buffer.getvalue().encode("utf-8")


def _excel(sep: str) -> bytes:
    """Excel's "CSV UTF-8": a BOM, CRLF line ends, quotes only where needed (``;`` where ``,`` is a decimal mark)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel", delimiter=sep)
    writer.writerow(CONFIG_FIELDS)
    writer.writerows([[row[name] for name in CONFIG_FIELDS] for row in WRITTEN_ROWS])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _pandas(sep: str) -> bytes:
    frame = pandas.DataFrame(WRITTEN_ROWS, columns=list(reversed(CONFIG_FIELDS)))  # any column order
    text: str = frame.to_csv(sep=sep, index=False)
    return text.encode("utf-8")


WRITERS: dict[str, Callable[[str], bytes]] = {
    "csv QUOTE_MINIMAL": lambda sep: _csv_module(sep, csv.QUOTE_MINIMAL),
    "csv QUOTE_ALL": lambda sep: _csv_module(sep, csv.QUOTE_ALL),
    "pandas to_csv": _pandas,
    "excel": _excel,
}


@pytest.mark.parametrize("sep", SEPARATORS, ids=repr)
@pytest.mark.parametrize("writer", list(WRITERS))
def test_files_written_by_csv_tools_parse_back_exactly(writer: str, sep: str) -> None:
    data = WRITERS[writer](sep)
    rows = parse_config(decode_config(data, "src"), sep, "src")
    assert [row.config() for row in rows] == WRITTEN_ROWS
    assert [row.problem for row in rows] == [None] * len(WRITTEN_ROWS)
    # each record starts on the line after the previous one ended; line breaks inside values count
    expected_lines, line = [], 2
    for written in WRITTEN_ROWS:
        expected_lines.append(line)
        line += 1 + sum(value.count("\n") for value in written.values())
    assert [row.line for row in rows] == expected_lines == [2, 3, 6, 7]


def test_excel_semicolon_file_as_bytes() -> None:
    """A BOM, semicolons, CRLF line ends, a CRLF inside a quoted value, quoted and unquoted quotes, as bytes."""
    data = (
        b"\xef\xbb\xbfsource_table;source_columns;source_filter;target_table;secret_name;load_type\r\n"
        b'shared_db."schema"."Order Items";id,name;"note = \'a;b\'\r\nAND id > 1";"analytics.""Order Items""";s;\r\n'
    )
    (row,) = parse_config(decode_config(data, "src"), ";", "src")
    assert row.config() == {
        "source_table": 'shared_db."schema"."Order Items"',
        "source_columns": "id,name",
        "source_filter": "note = 'a;b'\r\nAND id > 1",
        "target_table": 'analytics."Order Items"',
        "secret_name": "s",
        "load_type": "",
        "merge_keys": "",
        "watermark_column": "",
        "target_columns": "",
        "chunk_column": "",
    }
    assert row.line == 2 and row.problem is None


def test_quotes_inside_an_unquoted_value_are_data_with_any_separator() -> None:
    for sep in SEPARATORS:
        text = sep.join(["source_table", "target_table", "secret_name"]) + "\n"
        text += sep.join(['shared_db."schema"."Order Items"', 'a."B"""', 's"']) + "\n"
        (row,) = parse_config(text, sep, "src")
        assert (row.source_table, row.target_table, row.secret_name) == (
            'shared_db."schema"."Order Items"',
            'a."B"""',
            's"',
        )


def test_quoted_values_and_header() -> None:
    text = (
        '"source_table","target_table","secret_name","source_filter"\n'
        '"analytics.""Order Items""","a,b","","x = \'1,2\'"\n'
        '"","",s,""""\n'
    )
    first, second = parse_config(text, ",", "src")
    assert (first.source_table, first.target_table, first.secret_name, first.source_filter) == (
        'analytics."Order Items"',
        "a,b",
        "",
        "x = '1,2'",
    )
    assert (second.source_table, second.secret_name, second.source_filter) == ("", "s", '"')


def test_blanks_around_values_and_quoted_values_are_dropped() -> None:
    text = 'source_table # target_table # secret_name\n  a.b  #  "c#d"  \t#\t" s " \r\n'
    (row,) = parse_config(text, "#", "src")
    assert (row.source_table, row.target_table, row.secret_name, row.problem) == ("a.b", "c#d", "s", None)


def test_tab_separator_is_not_a_blank() -> None:
    text = 'source_table\ttarget_table\tsecret_name\n a.b\t "c\td" \t\n'
    (row,) = parse_config(text, "\t", "src")
    assert (row.source_table, row.target_table, row.secret_name) == ("a.b", "c\td", "")


def test_a_record_spans_lines_and_reports_the_line_it_starts_on() -> None:
    text = (
        "source_table#source_filter#target_table#secret_name\r\n"
        "\r\n"
        "a.b#\"x = 1\r\n\r\nOR y = '#'\"#c.d#s\r\n"
        "\n"
        "e.f##g.h#s\n"
    )
    first, second = parse_config(text, "#", "src")
    assert (first.line, first.source_filter, first.target_table) == (3, "x = 1\r\n\r\nOR y = '#'", "c.d")
    assert (second.line, second.source_table) == (7, "e.f")


def test_a_blank_line_inside_quotes_is_data_but_a_quoted_empty_line_is_a_record() -> None:
    text = 'source_table#target_table#secret_name\n""\na.b#c.d#s\n'
    bad, good = parse_config(text, "#", "src")
    assert bad.line == 2 and bad.problem is not None and "line 2 has 1 field but the header has 3" in bad.problem
    assert good.line == 3 and good.problem is None


def test_field_count_mismatch_across_lines_is_one_message_on_the_starting_line() -> None:
    text = 'source_table#source_filter#target_table#secret_name\na.b#"x = 1\nAND y = 2"#c.d#s#extra#more\ne.f##g.h#s\n'
    bad, good = parse_config(text, "#", "src")
    assert bad.problem == (
        "line 2 has 6 fields but the header has 4 (a value containing the separator '#'? enclose it in double quotes)"
    )
    assert bad.raw == 'a.b#"x = 1\nAND y = 2"#c.d#s#extra#more' and bad.config() == dict.fromkeys(CONFIG_FIELDS, "")
    assert good.line == 4 and good.problem is None


def test_a_line_with_too_few_fields_keeps_its_text_and_no_shifted_values() -> None:
    """Issue 32, item 5: ``a.b#s`` under ``source_table#target_table#secret_name`` made ``s`` the target table."""
    text = "source_table#source_columns#target_table#secret_name\na.b#c.d#s\n"
    (row,) = parse_config(text, "#", "src")
    assert (row.raw, row.line, row.config()) == ("a.b#c.d#s", 2, dict.fromkeys(CONFIG_FIELDS, ""))
    assert row.label == "line 2 'a.b#c.d#s'"
    assert row.problem is not None and row.problem.startswith("line 2 has 3 fields but the header has 4")


@pytest.mark.parametrize(
    ("value", "column"),
    [
        ('"Analytics"."Orders"', "target_table"),
        ("\"Status\" = 'open'", "source_filter"),
        ('"Id","Name"', "source_columns"),
        (' "a" b ', "source_table"),
    ],
)
def test_text_after_a_closing_quote_fails_the_row_and_shows_the_quoted_form(value: str, column: str) -> None:
    header = "source_table#source_columns#source_filter#target_table#secret_name"
    values = {"source_table": "a.b", "source_columns": "", "source_filter": "", "target_table": "c.d"}
    values[column] = value
    line = "#".join([*values.values(), "s"])
    bad, good = parse_config(f"{header}\n{line}\nx.y###z.w#s\n", "#", "src")
    literal = value.strip()
    suggestion = '"' + literal.replace('"', '""') + '"'
    assert bad.problem == (
        f"line 2: {column} begins with '\"', so it is read as a quoted value, but text follows its closing quote in "
        f"{literal!r}; to keep those quotes, enclose the whole value in double quotes and double each quote inside "
        f"it: {suggestion}"
    )
    assert getattr(bad, column) == literal  # kept as written, for the error file
    assert good.problem is None and good.line == 3
    # the suggested form reads back as the literal value
    (fixed,) = parse_config(f"{header}\n{line.replace(value, suggestion)}\n", "#", "src")
    assert fixed.problem is None and getattr(fixed, column) == literal


def test_text_after_a_closing_quote_fails_validation_with_only_that_message() -> None:
    from glue_elt.errors import ValidationError
    from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

    (row,) = parse_config('source_table#target_table#secret_name\n"a"."b"#c#\n', "#", "src")
    with pytest.raises(ValidationError) as error:
        validate_row(row)
    assert str(error.value) == row.problem


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "source_table#source_filter#target_table#secret_name\na.b#\"x = 'y'#c.d#s\ne.f##g.h#s\n",
            "config file src: line 2: the source_filter value begins with '\"' but its closing quote is missing "
            "(a quoted value ends at the next single '\"'; write a quote inside it as '\"\"')",
        ),
        (  # the record starts on line 2; the unclosed value begins on line 4
            'source_table#source_filter#target_table#secret_name\na.b#"x\n\n"#"c.d\n#s\n',
            "config file src: line 4: the target_table value begins with '\"'",
        ),
        ('source_table#"target_table\n', "config file src: line 1: header field 2 begins with '\"'"),
        ('source_table#target_table#secret_name\n##"', "config file src: line 2: the secret_name value begins"),
        ('source_table#target_table#secret_name\na#b#c#"', "config file src: line 2: field 4 begins with '\"'"),
    ],
)
def test_an_unclosed_quote_is_a_config_error_naming_the_line_where_it_began(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(text, "#", "src")
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "sep", "message"),
    [
        (
            '"source_table","target_table","secret_name"\n"a","b","c"\n',
            "#",
            "header field 1 begins with '\"' but text follows its closing quote "
            "('\"source_table\",\"target_table\",\"secret_name\"'); it contains ',': set --config_file_sep ','?",
        ),
        ('"source_table";"target_table"\n', ";", "missing required column(s) secret_name"),
        ("source_table#target_table#secret_name\na#b#c\n", '"', "other than a line break or '\"'"),
        ("source_table#target_table#secret_name\na#b#c\n", "\n", "other than a line break"),
    ],
)
def test_header_and_separator_errors_with_quoting(text: str, sep: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(text, sep, "src")
    assert message in str(error.value)


def test_no_value_size_limit() -> None:
    long_filter = " OR ".join(f"id = {n}" for n in range(40_000))  # over the csv module's 128 KiB default
    text = f'source_table,source_filter,target_table,secret_name\na.b,"{long_filter}",c.d,s\n'
    (row,) = parse_config(text, ",", "src")
    assert row.source_filter == long_filter and len(long_filter) > 131_072


def test_a_carriage_return_inside_a_line_is_data() -> None:
    (row,) = parse_config("source_table#target_table#secret_name\na\rb#c.d#s\r\n", "#", "src")
    assert (row.source_table, row.secret_name) == ("a\rb", "s")


def test_the_readme_quoting_example_reads_as_described() -> None:
    readme = (Path(__file__).resolve().parents[4] / "docs" / "config-file.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Quoting") :]
    example = section.split("```\n")[1]
    customers, items = parse_config(example, ",", "src")
    assert (customers.source_columns, customers.problem) == ("id,name", None)
    assert (items.line, items.source_table, items.source_filter, items.problem) == (
        3,
        'shared_db."schema"."Order Items"',
        "region IN ('north', 'south')\nAND \"Status\" = 'open'",
        None,
    )
    # the message quoted for a bare "Analytics"."Orders" is the one given
    (bare,) = parse_config('source_table#target_table#secret_name\na.b#"Analytics"."Orders"#s\n', "#", "src")
    assert bare.problem is not None and " ".join(bare.problem.split()) in " ".join(section.split())


@pytest.mark.parametrize("sep", [" ", "\t"])
def test_a_space_or_a_tab_separates_values_and_is_kept_inside_quotes(sep: str) -> None:
    text = sep.join(["source_table", "source_filter", "target_table", "secret_name"]) + "\r\n"
    text += sep.join(["shared_db.s.t", "\"id > 1 AND name <> 'a b'\"", "a.t", "s"]) + "\r\n"
    (row,) = parse_config(text, sep, "src")
    assert (row.source_table, row.source_filter, row.target_table, row.secret_name, row.problem) == (
        "shared_db.s.t", "id > 1 AND name <> 'a b'", "a.t", "s", None
    )  # fmt: skip


def test_file_and_row_limits() -> None:
    with pytest.raises(ConfigError, match="is 16,777,217 bytes; a config file may have at most 16,777,216"):
        decode_config(b" " * (16 * 1024 * 1024 + 1), "s3://b/k.csv")
    header = "source_table#target_table#secret_name\n"
    assert len(parse_config(header + "a.b#c.d#s\n" * 10_000, "#", "src")) == 10_000
    with pytest.raises(ConfigError, match="has more than 10,000 rows"):
        parse_config(header + "a.b#c.d#s\n" * 10_001, "#", "src")
