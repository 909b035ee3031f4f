"""Values the steps write into their own tables are measured in bytes of UTF-8, as Redshift's VARCHAR/CHAR are."""

from __future__ import annotations

import pytest

from glue_elt.core.sizes import check_parameter, size_problem, truncate_utf8, utf8_size
from glue_elt.errors import ConfigError, ValidationError
from glue_elt.redshift.state import (
    DEFAULT_STATE_TABLE,
    LOAD_TYPE_BYTES,
    ROW_KEY_BYTES,
    RUN_ID_BYTES,
    TARGET_TABLE_BYTES,
    TEXT_COLUMNS,
    StateTable,
)
from glue_elt.steps import shared_params
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, MigrationRow, row_keys
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row
from glue_elt.steps.redshift_sql.outcomes import SCRIPT_KIND, STATEMENT_KIND, script_key, statement_keys
from glue_elt.steps.redshift_sql.script import split_script
from glue_elt.steps.redshift_sql.settings import read_settings

E_ACUTE = "\u00e9"  # 1 character, 2 bytes of UTF-8
EURO = "\u20ac"  # 1 character, 3 bytes


def run_id_param(value: str) -> str | None:
    return shared_params.RUN_ID.read({"run_id": value}.get)


def test_sizes_are_bytes_of_utf8() -> None:
    assert utf8_size("abc") == 3 and utf8_size(E_ACUTE * 150) == 300 and utf8_size(EURO + "\U0001f600") == 7


def test_an_ascii_run_id_over_the_limit_is_refused_naming_the_parameter_and_its_limit_in_bytes() -> None:
    with pytest.raises(ConfigError) as refused:
        run_id_param("a" * 300)
    assert str(refused.value) == "--run_id is 300 bytes; the state table holds at most 256 bytes (UTF-8)"
    with pytest.raises(ConfigError, match=r"^--run_id is 257 bytes"):
        run_id_param("a" * (RUN_ID_BYTES + 1))


def test_a_multibyte_run_id_under_the_character_limit_but_over_the_byte_limit_is_refused() -> None:
    assert len(E_ACUTE * 150) < RUN_ID_BYTES
    with pytest.raises(ConfigError, match=r"^--run_id is 300 bytes; the state table holds at most 256 bytes"):
        run_id_param(E_ACUTE * 150)
    with pytest.raises(ConfigError, match=r"^--run_id is 258 bytes"):
        run_id_param(EURO * 86)


def test_a_run_id_of_exactly_the_limit_passes() -> None:
    for value in ("a" * RUN_ID_BYTES, E_ACUTE * (RUN_ID_BYTES // 2), EURO * 85 + "a"):
        assert utf8_size(value) == RUN_ID_BYTES
        assert run_id_param(f"  {value} ") == value  # surrounding blanks are not part of the run id


def test_glues_job_run_id_is_checked_too_and_the_sql_step_refuses_at_parameter_time() -> None:
    with pytest.raises(ConfigError, match=r"^--JOB_RUN_ID is 300 bytes"):
        shared_params.JOB_RUN_ID.read({"JOB_RUN_ID": E_ACUTE * 150}.get)
    given = {"sql_path": "s3://b/k.sql", "secret_name": "s", "run_id": E_ACUTE * 150}
    with pytest.raises(ConfigError, match=r"^--run_id is 300 bytes"):
        read_settings(given.get)
    assert read_settings({**given, "run_id": E_ACUTE * 128}.get).run_id == E_ACUTE * 128


def test_check_parameter_and_size_problem_share_one_message() -> None:
    assert check_parameter("x", "abcd", 4, "t") == "abcd"
    assert size_problem("x", "abcd", 4, "t") is None
    assert size_problem("x", "abc" + E_ACUTE, 4, "column c") == "x is 5 bytes; column c holds at most 4 bytes (UTF-8)"


@pytest.mark.parametrize("text", ["a" + E_ACUTE * 10, EURO * 7, "\U0001f600" * 5 + "ab", "plain ascii text"])
def test_truncation_keeps_the_longest_start_that_fits_and_never_splits_a_character(text: str) -> None:
    for limit in range(utf8_size(text) + 2):
        cut = truncate_utf8(text, limit)
        assert text.startswith(cut) and utf8_size(cut) <= limit
        rest = text[len(cut) :]
        assert not rest or utf8_size(cut + rest[0]) > limit  # the next character would not have fitted
    assert truncate_utf8("a" + E_ACUTE * 2, 4) == "a" + E_ACUTE  # 5 bytes cut to 3: the split é is dropped


def test_the_state_tables_ddl_is_built_from_the_byte_limits() -> None:
    _, table = StateTable.parse(DEFAULT_STATE_TABLE).create_statements()
    assert TEXT_COLUMNS == {"run_id": 256, "row_key": 64, "target_table": 1024, "load_type": 32}
    for column, limit in TEXT_COLUMNS.items():
        kind = "CHAR" if column == "row_key" else "VARCHAR"
        assert f"{column} {kind}({limit}) NOT NULL" in table


def test_every_load_type_and_row_key_the_steps_write_fits_its_column() -> None:
    kinds = [kind.value for kind in LoadType] + [SCRIPT_KIND, STATEMENT_KIND]
    assert all(utf8_size(kind) <= LOAD_TYPE_BYTES for kind in kinds)
    statements = split_script("SELECT 1; SELECT 1", "s3://b/k.sql").statements
    keys = [
        script_key(E_ACUTE),
        *statement_keys(E_ACUTE * 600, statements),
        *row_keys([MigrationRow("s.a", "t.a", "x")]),
    ]
    assert {utf8_size(key) for key in keys} == {ROW_KEY_BYTES}


def test_a_target_table_the_state_table_cannot_hold_fails_its_row_at_validation() -> None:
    spaced = "t" + " " * TARGET_TABLE_BYTES + ".a"  # blanks around the dot are allowed; the row is stored as given
    with pytest.raises(ValidationError) as refused:
        validate_row(MigrationRow("s.a", spaced, "secret"))
    assert str(refused.value) == "target_table is 1027 bytes; the state table holds at most 1024 bytes (UTF-8)"
    assert validate_row(MigrationRow("s.a", "t" + " " * (TARGET_TABLE_BYTES - 3) + ".a", "secret")).target
