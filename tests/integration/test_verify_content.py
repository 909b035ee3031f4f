"""``--verify content`` on the local stack (issue 30, item 1), with both executors: every load type passes on a clean
load of values that are easy to get wrong (NULL and '', trailing spaces, -0.0, time zones, bytes); a target that
alters one value on insert passes ``--verify counts`` but fails ``content``, is rolled back, and the error says so
(the driver names the differing row); chunked rows are checked chunk by chunk."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from glue_elt import RowStatus
from tests.conftest import Db, run_step
from tests.integration.test_chunked_loads import HEADER

pytestmark = pytest.mark.integration
PutConfig = Callable[[str, str], str]
COLUMNS = (
    "id int, v varchar(20), c char(5), n numeric(12,3), f double precision, ts timestamp, tz timestamptz, d date, "
    "b bytea"
)
VALUES = """
    (1, 'a', 'x', 1.5, -0.0, '2024-01-01 10:00:00.123456', '2024-01-01 10:00:00+02', '2024-01-01', 'xyz'::bytea),
    (2, '', '', 0, 0.0, NULL, NULL, NULL, ''::bytea),
    (3, NULL, NULL, NULL, NULL, '1999-12-31 23:59:59', '2024-06-01 00:00:00-07', '2000-02-29', NULL),
    (4, 'trailing  ', 'ab   ', -2.25, 1e-300, '2024-02-29 00:00:00', '2024-02-29 12:00:00+00', '2024-02-29', 'A'::bytea),
    (5, 'ü€', 'q', 123456789.125, 3.14159, '2024-03-01 00:00:00', '2024-03-01 00:00:00+05:30', '2024-03-01', ''::bytea),
    (6, 'x', 'y', 6, 6, '2024-03-02 00:00:00', '2024-03-02 00:00:00+00', '2024-03-02', '6'::bytea),
    (7, 'seven', 'z', 7, 7, '2024-03-03 00:00:00', '2024-03-03 00:00:00+00', '2024-03-03', '7'::bytea),
    (8, 'x', 'y', 8, 8, '2024-03-04 00:00:00', '2024-03-04 00:00:00+00', '2024-03-04', '8'::bytea)
"""


def line(source: str, target: str, secret: str, load_type: str = "append", **more: str) -> str:
    fields = [f"shared_db.{source}", more.get("columns", ""), more.get("filter", ""), target, secret, load_type,
              more.get("merge_keys", ""), more.get("watermark", ""), more.get("renamed", ""), ""]  # fmt: skip
    return "#".join(fields)


def tables(db: Db, source: str, target: str, *names: str) -> None:
    db.admin(f"CREATE TABLE {source}.t ({COLUMNS})", f"INSERT INTO {source}.t VALUES {VALUES}")
    for name in names:
        db.as_etl(f"CREATE TABLE {target}.{name} ({COLUMNS})")


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_every_load_type_passes_the_content_check_on_a_clean_load(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    tables(db, source, target, "a", "o", "i", "u", "f")
    db.as_etl(
        f"CREATE TABLE {target}.r (ident int, value varchar(30), other int)",
        f"INSERT INTO {target}.a VALUES (100, 'old', 'old', 1, 1, NULL, NULL, NULL, NULL)",
        f"INSERT INTO {target}.o VALUES (100, 'old', 'old', 1, 1, NULL, NULL, NULL, NULL)",
        f"INSERT INTO {target}.i SELECT * FROM shared_db.{source}.t WHERE id <= 3",
        f"INSERT INTO {target}.u VALUES (1, 'stale', 'x', 0, 0, NULL, NULL, NULL, NULL)",
    )
    rows = [
        line(f"{source}.t", f"{target}.a", cluster_secret),
        line(f"{source}.t", f"{target}.o", cluster_secret, "overwrite"),
        line(f"{source}.t", f"{target}.i", cluster_secret, "incremental", watermark="id"),
        line(f"{source}.t", f"{target}.u", cluster_secret, "upsert", merge_keys="id", filter="id > 2"),
        line(f"{source}.t", f"{target}.f", cluster_secret, filter="v IS NOT NULL"),
        line(f"{source}.t", f"{target}.r", cluster_secret, columns="id, v", renamed="ident, value"),
    ]
    uri = put_config(f"content/{executor}-{target}.csv", "\n".join([HEADER, *rows]) + "\n")
    outcomes = run_step({"config_path": uri, "executor": executor, "verify": "content", "max_retries": 0}).outcomes
    assert [(o.status, o.rows_affected) for o in outcomes] == [
        (RowStatus.SUCCEEDED, 8), (RowStatus.SUCCEEDED, 8), (RowStatus.SUCCEEDED, 5), (RowStatus.SUCCEEDED, 6),
        (RowStatus.SUCCEEDED, 7), (RowStatus.SUCCEEDED, 8),
    ], [o.error for o in outcomes]  # fmt: skip
    assert db.count(f"{target}.u") == 7 and db.count(f"{target}.a") == 9


@pytest.mark.parametrize("executor", ["driver", "data_api"])
@pytest.mark.parametrize("load_type", ["append", "overwrite", "upsert", "incremental"])
def test_a_value_altered_on_insert_passes_counts_but_fails_content_and_is_rolled_back(
    executor: str, load_type: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    tables(db, source, target, "t")
    old = 0 if load_type == "incremental" else 100  # an incremental's watermark: the source's rows are newer
    db.as_etl(
        f"INSERT INTO {target}.t VALUES ({old}, 'old', 'old', 1, 1, NULL, NULL, NULL, NULL)",
        f"""CREATE FUNCTION {target}.alter_seven() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.id = 7 THEN NEW.v := 'SEVEN'; END IF; RETURN NEW; END $$""",
        f"CREATE TRIGGER alter_seven BEFORE INSERT ON {target}.t FOR EACH ROW EXECUTE FUNCTION {target}.alter_seven()",
    )
    keys = {"merge_keys": "id"} if load_type == "upsert" else {"watermark": "id"} if load_type == "incremental" else {}
    uri = put_config(f"altered/{executor}-{load_type}-{target}.csv",
                     f"{HEADER}\n{line(f'{source}.t', f'{target}.t', cluster_secret, load_type, **keys)}\n")  # fmt: skip
    state = f"{target}.migration_state"
    run = {"config_path": uri, "executor": executor, "max_retries": 0, "state_table": state}
    if load_type in ("append", "overwrite"):  # --verify counts covers these: the count is right
        (counted,) = run_step({**run, "verify": "counts", "run_id": f"counts-{target}"}).outcomes
        assert counted.status is RowStatus.SUCCEEDED, counted.error
        db.as_etl(f"DELETE FROM {target}.t WHERE id <> {old}")
    before = db.rows(f"SELECT id, v FROM {target}.t ORDER BY id")

    (checked,) = run_step({**run, "verify": "content", "run_id": f"content-{target}"}).outcomes
    assert checked.status is RowStatus.FAILED
    assert db.rows(f"SELECT id, v FROM {target}.t ORDER BY id") == before  # rolled back
    assert checked.row.target_table == f"{target}.t"
    assert db.rows(f"SELECT count(*) FROM {state} WHERE run_id = 'content-{target}'") == [(0,)]  # nothing committed
    # the same words with both executors (the Data API's from a diagnostic batch that repeated the load and failed,
    # its error carrying the figures and the examples: batch_examples)
    error = str(checked.error)
    assert (
        "the rows written differ from the source rows read in content (same number of rows): source 8 row(s)" in error
    )
    assert "source row (id=7" in error and error.endswith("; rolled back"), error
    shows_written = load_type not in ("append", "incremental")  # their written side: the whole target
    assert ("written row (id=7" in error) is shows_written, error


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_row_written_twice_fails_content_with_no_single_row_to_show_and_commits_nothing(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """Every row read is among the rows written (an append shows only source rows not written), so the examples
    query finds none: the Data API's diagnostic batch still fails, and nothing of it commits."""
    source, target = schemas
    tables(db, source, target, "t")
    db.as_etl(
        f"""CREATE FUNCTION {target}.twice() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.id = 7 AND pg_trigger_depth() = 1 THEN INSERT INTO {target}.t SELECT NEW.*; END IF;
        RETURN NULL; END $$""",
        f"CREATE TRIGGER twice AFTER INSERT ON {target}.t FOR EACH ROW EXECUTE FUNCTION {target}.twice()",
    )
    state = f"{target}.migration_state"
    uri = put_config(
        f"twice/{executor}-{target}.csv", f"{HEADER}\n{line(f'{source}.t', f'{target}.t', cluster_secret)}\n"
    )
    args = {"config_path": uri, "executor": executor, "max_retries": 0, "state_table": state, "verify": "content",
            "run_id": f"twice-{target}"}  # fmt: skip
    (checked,) = run_step(args).outcomes
    assert checked.status is RowStatus.FAILED
    assert "no single row differs: some rows were written more or fewer times than they were read" in str(
        checked.error
    ), checked.error
    assert "in rows: source 8 row(s)" in str(checked.error) and "written 9 row(s)" in str(checked.error), checked.error
    assert db.count(f"{target}.t") == 0 and db.count(state) == 0


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_chunked_rows_check_each_chunk(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.big (id int, v text)",
             f"INSERT INTO {source}.big SELECT g, 'v' || g FROM generate_series(1, 2000) g")  # fmt: skip
    db.as_etl(f"CREATE TABLE {target}.big (id int, v text)", f"CREATE TABLE {target}.over (id int, v text)",
              f"INSERT INTO {target}.over VALUES (0, 'old')")  # fmt: skip
    rows = [line(f"{source}.big", f"{target}.big", cluster_secret) + "id",
            line(f"{source}.big", f"{target}.over", cluster_secret, "overwrite") + "id"]  # fmt: skip
    uri = put_config(f"content/chunks-{executor}-{target}.csv", "\n".join([HEADER, *rows]) + "\n")
    outcomes = run_step({"config_path": uri, "executor": executor, "verify": "content", "chunk_rows": "500"}).outcomes
    assert [(o.status, o.rows_affected, o.chunks) for o in outcomes] == [(RowStatus.SUCCEEDED, 2000, (5, 5))] * 2
    assert db.count(f"{target}.over") == 2000
