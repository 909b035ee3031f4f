"""The Data API's diagnostic batch of a content mismatch: its statements, and the examples read back from an error."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from glue_elt.redshift.names import Identifier, TableName
from glue_elt.redshift.state import StateTable
from glue_elt.redshift.types import parse_type
from glue_elt.steps.redshift_cross_account_migration.batch_examples import (
    CONTEXT_CHARS,
    MARKER,
    Carried,
    carried,
    carrier,
    diagnostic_batch,
)
from glue_elt.steps.redshift_cross_account_migration.batch_load import Role, load_batch
from glue_elt.steps.redshift_cross_account_migration.content import ContentCheck, content_check
from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow
from glue_elt.steps.redshift_cross_account_migration.sql import load_sql
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

SOURCE = TableName((Identifier("shared_db"), Identifier("sales"), Identifier("orders")))
COLUMNS = (Identifier("id"), Identifier("v"))
TYPES = {Identifier("id"): parse_type("bigint"), Identifier("v"): parse_type("character varying(10)")}
STATE = StateTable.parse("glue_elt.migration_state")


def check(load_type: str, **more: str) -> ContentCheck:
    plan = validate_row(MigrationRow("shared_db.sales.orders", "a.t", "s", load_type=load_type, **more))
    return content_check(plan, SOURCE, None, COLUMNS, COLUMNS, TYPES)


def test_the_carrier_is_one_redshift_select_that_casts_a_text_opening_with_a_letter_to_integer() -> None:
    for load_type, more in (("append", {}), ("overwrite", {}), ("upsert", {"merge_keys": "id"})):
        sql = carrier(check(load_type, **more))
        (parsed,) = sqlglot.parse(sql, read="redshift")
        assert isinstance(parsed, exp.Select)
        assert not list(parsed.find_all(exp.Insert, exp.Delete, exp.Update, exp.Create, exp.Drop))
        assert sql.startswith(f"SELECT CAST('{MARKER}' || ") and " AS INTEGER) FROM (" in sql
        assert "CHR(92)" in sql and "\\" not in sql  # backslashes as CHR(92): Redshift's literals escape with them


def test_the_diagnostic_batch_repeats_the_load_up_to_its_insert_and_ends_with_the_carrier() -> None:
    plan = validate_row(MigrationRow("shared_db.sales.orders", "analytics.orders", "s", load_type="upsert",
                                     merge_keys="id"))  # fmt: skip
    sql = load_sql(plan, COLUMNS, content_types=TYPES)
    assert sql.content is not None
    batch = load_batch(sql, plan.target, lambda rows, source: STATE.record_from_count("r", "k", "t", "upsert", rows,
                                                                                       source))  # fmt: skip
    statements = diagnostic_batch(batch, sql.content)
    guard = [part.role for part in batch.parts].index(Role.CONTENT_GUARD)
    assert statements[:-1] == batch.statements[:guard] and statements[-1] == carrier(sql.content)
    roles = {part.role for part in batch.parts[:guard]}
    assert Role.INSERT in roles and Role.LOCK in roles
    assert roles.isdisjoint({Role.RECORD, Role.CONTENT_GUARD, Role.DROP_COUNT, Role.DROP_CONTENT, Role.DROP_COPY})


def test_examples_are_read_from_the_stand_ins_message_and_from_redshifts_detail_context() -> None:
    postgres = f'invalid input syntax for type integer: "{MARKER}8,123,8,-45|s,7,seven;w,7,SEVEN]"'
    assert carried(postgres) == Carried((8, 123, 8, -45), [("s", ("7", "seven")), ("w", ("7", "SEVEN"))])
    redshift = (  # a compute node's error as the Data API executor shows it (``one_line``)
        "Invalid digit, Value 'g', Pos 0, Type: Integer (Detail:; -----------------------------------------------; "
        "error:  Invalid digit, Value 'g', Pos 0, Type: Integer; code:      1207; "
        f"context:   {MARKER}8,1,8,2|s,7,seven]; query:     101859300; location:  :0; process:   query1_63_101859300 "
        "[pid=0]; "
        "-----------------------------------------------)"
    )
    assert carried(redshift) == Carried((8, 1, 8, 2), [("s", ("7", "seven"))])
    assert carried("Divide by zero") is None and carried(f"{MARKER}1,2,3,4|]") == Carried((1, 2, 3, 4), [])
    assert carried(f"{MARKER}1,2|]") == Carried(None, []) and carried(f"{MARKER}1,2,3") == Carried(None, [])


def test_escapes_nulls_and_the_256_character_cut() -> None:
    escaped = carried(f"{MARKER}0,0,0,0|s,a\\,b\\;c\\]d\\\\e\\nf,\\N,\\\\N]")
    assert escaped is not None and escaped.examples == [("s", ("a,b;c]d\\e\nf", None, "\\N"))]
    examples = ";".join(f"s,{n:03}" for n in range(60))
    found = carried(f"x {MARKER}5,6,7,8|{examples}]")
    assert found is not None and found.figures == (5, 6, 7, 8) and 0 < len(found.examples) < 60
    shown = len(MARKER) + len("5,6,7,8|") + sum(len(f"s,{n:03};") for n in range(len(found.examples)))
    assert shown <= CONTEXT_CHARS  # whole examples only
    assert found.examples[-1] == ("s", (f"{len(found.examples) - 1:03}",))
