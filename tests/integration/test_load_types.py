"""incremental and upsert loads, and --verify_counts, against the real stack."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from glue_elt import MigrationResult, RowStatus
from tests.conftest import Db, run_step

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type#merge_keys#watermark_column"
PutConfig = Callable[[str, str], str]


def run(config: str, **params: object) -> MigrationResult:
    return run_step({"config_path": config, **params})


def test_incremental_runs_load_exactly_the_new_rows(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.events (id int, ts timestamp, v text)",
        f"INSERT INTO {source}.events SELECT g, TIMESTAMP '2024-01-01' + g * INTERVAL '1 day', 'v' FROM generate_series(1, 5) g",
        f"INSERT INTO {source}.events VALUES (6, NULL, 'no watermark')",
    )
    db.as_etl(f"CREATE TABLE {target}.events (id int, ts timestamp, v text)")
    config = put_config(
        f"{target}/inc.csv", f"{HEADER}\nshared_db.{source}.events###{target}.events#{etl_secret}#incremental##ts\n"
    )

    first = run(config)  # empty target: everything, NULL watermarks included
    assert first.outcomes[0].rows_affected == 6
    db.admin(
        f"INSERT INTO {source}.events VALUES (7, '2024-02-01', 'v'), (8, '2024-02-02', 'v'), (0, '2023-01-01', 'late and old')"
    )
    second = run(config)
    assert second.outcomes[0].rows_affected == 2
    db.admin(f"INSERT INTO {source}.events VALUES (9, '2024-03-01', 'v'), (10, NULL, 'no watermark')")
    third = run(config)
    assert third.outcomes[0].rows_affected == 1
    fourth = run(config)
    assert fourth.outcomes[0].rows_affected == 0
    assert [r[0] for r in db.rows(f"SELECT id FROM {target}.events ORDER BY id")] == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_incremental_with_a_filter(db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig) -> None:
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.e (id int, seq int, region text)",
        f"INSERT INTO {source}.e VALUES (1, 1, 'eu'), (2, 2, 'us'), (3, 3, 'eu')",
    )
    db.as_etl(f"CREATE TABLE {target}.e (id int, seq int, region text)", f"INSERT INTO {target}.e VALUES (1, 1, 'eu')")
    config = put_config(
        f"{target}/f.csv", f"{HEADER}\nshared_db.{source}.e##region = 'eu'#{target}.e#{etl_secret}#incremental##seq\n"
    )
    assert run(config).outcomes[0].rows_affected == 1
    assert db.rows(f"SELECT id FROM {target}.e ORDER BY id") == [(1,), (3,)]


def test_upsert_replaces_matches_adds_new_and_keeps_the_rest(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.c (id int, region text, name text)",
        f"INSERT INTO {source}.c VALUES (2, 'eu', 'B'), (3, 'eu', 'C'), (3, 'us', 'new'), (4, 'eu', 'd')",
    )
    db.as_etl(
        f"CREATE TABLE {target}.c (id int, region text, name text)",
        f"INSERT INTO {target}.c VALUES (1, 'eu', 'a'), (2, 'eu', 'b'), (3, 'eu', 'c')",
    )
    config = put_config(
        f"{target}/u.csv", f"{HEADER}\nshared_db.{source}.c###{target}.c#{etl_secret}#upsert#id, region#\n"
    )
    result = run(config)
    assert result.ok and result.outcomes[0].rows_affected == 4
    assert db.rows(f"SELECT id, region, name FROM {target}.c ORDER BY id, region") == [
        (1, "eu", "a"), (2, "eu", "B"), (3, "eu", "C"), (3, "us", "new"), (4, "eu", "d"),
    ]  # fmt: skip
    assert run(config).ok  # idempotent: running it again changes nothing
    assert db.count(f"{target}.c") == 5


def test_upsert_with_duplicate_or_null_source_keys_fails_and_changes_nothing(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.c (id int, name text)",
        f"INSERT INTO {source}.c VALUES (1, 'x'), (5, 'first'), (5, 'second')",
    )
    db.admin(
        f"CREATE TABLE {source}.n (id int, name text)", f"INSERT INTO {source}.n VALUES (1, 'x'), (NULL, 'no key')"
    )
    db.as_etl(f"CREATE TABLE {target}.c (id int, name text)", f"INSERT INTO {target}.c VALUES (1, 'old')")
    lines = [
        f"shared_db.{source}.c###{target}.c#{etl_secret}#upsert#id#",
        f"shared_db.{source}.n###{target}.c#{etl_secret}#upsert#id#",
        f"shared_db.{source}.c##id <> 5#{target}.c#{etl_secret}#upsert#id#",  # the filter removes the duplicate
    ]
    result = run(put_config(f"{target}/dup.csv", HEADER + "\n" + "\n".join(lines) + "\n"), max_parallel=1)
    statuses = [o.status for o in result.outcomes]
    assert statuses == [RowStatus.FAILED, RowStatus.FAILED, RowStatus.SUCCEEDED]
    assert "the source has duplicate merge keys (id): (5); nothing was changed" in (result.outcomes[0].error or "")
    assert "the source has NULL in a merge key (id): (NULL)" in (result.outcomes[1].error or "")
    assert db.rows(f"SELECT id, name FROM {target}.c") == [(1, "x")]


def test_verify_counts_rolls_back_a_short_insert(
    db: Db, schemas: tuple[str, str], etl_secret: str, put_config: PutConfig, caplog: pytest.LogCaptureFixture
) -> None:
    """A trigger that silently drops a row stands for rows lost between source and target. The run's opening line
    says what the loads check (issue 32, item 10)."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t SELECT g FROM generate_series(1, 5) g")
    db.as_etl(
        f"CREATE TABLE {target}.t (id int)",
        f"CREATE FUNCTION {target}.drop_three() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN IF NEW.id = 3 THEN RETURN NULL; END IF; RETURN NEW; END $$",
        f"CREATE TRIGGER drop_three BEFORE INSERT ON {target}.t FOR EACH ROW EXECUTE FUNCTION {target}.drop_three()",
    )
    config = put_config(f"{target}/v.csv", f"{HEADER}\nshared_db.{source}.t###{target}.t#{etl_secret}#overwrite##\n")
    db.as_etl(f"INSERT INTO {target}.t VALUES (100)")
    with caplog.at_level("INFO"):
        checked = run(config, verify_counts="true")
    opening = next(line for line in caplog.messages if "row(s) to migrate" in line)
    assert opening.endswith(
        "1 row(s) to migrate, up to 4 at once; --verify_counts true: each load's row count is checked against its "
        "filtered source before it commits"
    )
    (outcome,) = checked.outcomes
    assert outcome.status is RowStatus.FAILED
    assert "row count mismatch: the insert copied 4 row(s) but the filtered source has 5; rolled back" in (
        outcome.error or ""
    )
    assert db.rows(f"SELECT id FROM {target}.t") == [(100,)]
    caplog.clear()
    with caplog.at_level("INFO"):
        unchecked = run(config)
    assert unchecked.outcomes[0].rows_affected == 4 and db.count(f"{target}.t") == 4
    assert [m for m in caplog.messages if m.endswith("1 row(s) to migrate, up to 4 at once")]
