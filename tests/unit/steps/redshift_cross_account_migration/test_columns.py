"""Columns paired source against target and checked before any write (pure logic)."""

from __future__ import annotations

from glue_elt.redshift.catalog import Column
from glue_elt.redshift.names import Identifier
from glue_elt.steps.redshift_cross_account_migration.columns import created_columns, plan_columns
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan, MigrationRow
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row

IDENTITY = "\"identity\"(102543, 0, '1,1'::text)"


def plan(**fields: str) -> MigrationPlan:
    return validate_row(MigrationRow("shared_db.s.t", "a.t", "sec", **fields))


def names(columns: tuple[Identifier, ...]) -> list[str]:
    return [column.name for column in columns]


def test_without_source_columns_the_common_columns_load_in_the_targets_order() -> None:
    source = [Column("id", "integer"), Column("note", "character varying(20)"), Column("legacy", "integer")]
    target = [
        Column("key", "bigint", False, IDENTITY),
        Column("note", "character varying(20)"),
        Column("id", "bigint"),
        Column("loaded_at", "timestamp without time zone", False, "getdate()"),
        Column("comment", "character varying(5)"),
    ]
    checked = plan_columns(plan(), source, target, "a.t")
    assert (names(checked.source), names(checked.target)) == (["note", "id"], ["note", "id"])
    assert checked.problems == ()
    assert checked.report.missing == ("key", "loaded_at", "comment")
    assert checked.report.extra == ("legacy",)
    assert checked.warnings == ("source column(s) legacy have no column in a.t and are not loaded",)


def test_each_narrower_or_mismatched_column_is_one_line_and_allow_narrowing_keeps_only_mismatches() -> None:
    source = [Column("note", "character varying(100)"), Column("n", "bigint"), Column("at", "timestamp")]
    target = [Column("note", "character varying(10)"), Column("n", "smallint"), Column("at", "date")]
    refused = plan_columns(plan(), source, target, "a.t")
    assert refused.problems == (
        "a.t.note is VARCHAR(10), the source's is VARCHAR(100): values may not fit (--allow_narrowing true loads "
        "it anyway)",
        "a.t.n is SMALLINT, the source's is BIGINT: values may not fit (--allow_narrowing true loads it anyway)",
        "a.t.at is DATE, the source's is TIMESTAMP: another kind of value",
    )
    allowed = plan_columns(plan(), source, target, "a.t", allow_narrowing=True)
    assert allowed.problems == ("a.t.at is DATE, the source's is TIMESTAMP: another kind of value",)
    assert len(allowed.warnings) == 2
    assert [d.column for d in allowed.report.narrower] == ["note", "n"]
    assert allowed.report.document()["mismatched"] == [
        {"column": "at", "source_column": "at", "source_type": "TIMESTAMP", "target_type": "DATE"}
    ]


def test_varchar_into_a_wider_char_is_refused_naming_the_column_unless_allow_narrowing() -> None:
    # "A CHAR column can only contain single-byte characters" (dg/r_Character_types.html): a multibyte VARCHAR value
    # fails mid-load whatever the lengths, so it is refused before any write like any narrowing.
    source, target = (
        [Column("code", "character varying(3)"), Column("id", "integer")],
        [
            Column("code", "character(10)"),
            Column("id", "integer"),
        ],
    )
    line = (
        "a.t.code is CHAR(10), the source's is VARCHAR(3): Redshift's CHAR holds single-byte characters only, so a "
        "multibyte value would fail the load"
    )
    assert plan_columns(plan(), source, target, "a.t").problems == (line + " (--allow_narrowing true loads it anyway)",)
    allowed = plan_columns(plan(), source, target, "a.t", allow_narrowing=True)
    assert (allowed.problems, allowed.warnings) == ((), (line,))


def test_a_target_column_of_unknown_nullability_the_load_does_not_fill_is_a_warning_not_a_refusal() -> None:
    # is_nullable "" is "no information": neither a NOT NULL refusal nor a silent pass.
    source, target = (
        [Column("id", "integer")],
        [Column("id", "integer"), Column("region", "character varying(5)", None)],
    )
    checked = plan_columns(plan(), source, target, "a.t")
    assert checked.problems == () and checked.report.missing == ("region",)
    assert checked.warnings == (
        "the catalog does not say whether a.t.region allows NULL (is_nullable is empty) and the load does not fill "
        "it: if it is NOT NULL, the server refuses the row",
    )


def test_not_null_without_default_identity_and_keys_are_checked() -> None:
    source = [Column("id", "integer"), Column("v", "text")]
    target = [Column("id", "integer", False, IDENTITY), Column("v", "text"), Column("region", "char(2)", False)]
    checked = plan_columns(plan(load_type="upsert", merge_keys="id"), source, target, "a.t")
    assert checked.problems == (
        "a.t.region is NOT NULL without a default, and the load does not fill it (the source has no such column)",
        "a.t.id is an IDENTITY column: Redshift generates its values and refuses the source's id (leave it out with "
        "source_columns)",
    )
    keyless = plan_columns(plan(load_type="upsert", merge_keys="k"), source, source, "a.t")
    assert keyless.problems == ("merge_keys k is not a column of both tables",)


def test_source_and_target_columns_are_paired_as_listed() -> None:
    row = plan(source_columns="id, name", target_columns="customer_id, full_name")
    source = [Column("id", "integer"), Column("name", "character varying(10)"), Column("x", "integer")]
    target = [Column("customer_id", "bigint"), Column("full_name", "character varying(10)")]
    checked = plan_columns(row, source, target, "a.t")
    assert (names(checked.source), names(checked.target)) == (["id", "name"], ["customer_id", "full_name"])
    assert checked.problems == () and checked.warnings == ()  # a listed subset warns about nothing
    missing = plan_columns(row, source[:1], target[:1], "a.t")
    assert missing.problems == (
        "source column name does not exist",
        "a.t.full_name does not exist (target column for source column name)",
    )


def test_a_created_target_declares_the_loaded_columns_as_the_target_names_them_without_defaults() -> None:
    source = [Column("id", "integer", False, IDENTITY, True, 1), Column("v", "character varying(5)")]
    assert created_columns(plan(), source) == [
        Column("id", "integer", False, None, True, 1),
        Column("v", "character varying(5)"),
    ]
    renamed = plan(source_columns="v", target_columns="value")
    assert created_columns(renamed, source) == [Column("value", "character varying(5)")]


def test_a_column_both_tables_have_that_source_columns_leave_out_is_left_out_not_missing_and_extra() -> None:
    """Issue 32, item 6: the summary said ``"missing": ["email"], "extra": ["email"]``."""
    source = [Column("id", "integer"), Column("email", "character varying(50)"), Column("legacy", "integer")]
    target = [Column("id", "integer"), Column("email", "character varying(50)"), Column("added", "integer")]
    report = plan_columns(plan(source_columns="id"), source, target, "a.t").report
    assert (report.missing, report.extra, report.left_out) == (("added",), ("legacy",), ("email",))
    assert report.document() == {"missing": ["added"], "extra": ["legacy"], "left_out": ["email"], "narrower": [],
                                 "mismatched": []}  # fmt: skip


def test_a_source_column_left_out_while_its_namesake_is_loaded_from_another_is_left_out() -> None:
    source = [Column("a", "integer"), Column("b", "integer")]
    target = [Column("b", "integer")]
    report = plan_columns(plan(source_columns="a", target_columns="b"), source, target, "a.t").report
    assert (report.missing, report.extra, report.left_out) == ((), (), ("b",))


def test_a_watermark_or_merge_key_that_is_not_a_column_gets_the_closest_loaded_column() -> None:
    source = [Column("id", "integer"), Column("year", "integer"), Column("region", "text")]
    checked = plan_columns(plan(load_type="incremental", watermark_column="yeer"), source, source, "a.t")
    assert checked.problems == ("watermark_column yeer is not a column of both tables (did you mean year?)",)
    checked = plan_columns(plan(load_type="upsert", merge_keys="id,regoin"), source, source, "a.t")
    assert checked.problems == ("merge_keys regoin is not a column of both tables (did you mean region?)",)
