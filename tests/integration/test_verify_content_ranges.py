"""``--verify content`` on chunked rows reads only each chunk's range of the target (``content_scope``), on the local
stack with both executors: a chunked load into a target that already holds many rows passes; a value altered in one
chunk fails that chunk alone, rolled back, naming the key; a chunk column value moved into another chunk's range is
caught; a target column of another type keeps the whole read and the log says why; and a change of a target row
outside a chunk's range, which a whole-target read would count, does not reach that chunk's check."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from glue_elt import RowStatus
from tests.conftest import Db, run_step
from tests.integration.test_chunked_loads import HEADER
from tests.integration.test_verify_content import line

pytestmark = pytest.mark.integration
PutConfig = Callable[[str, str], str]
FAR = 1_000_000
"""The target's own rows have ids above this: not from the source, and all in the last chunk's range."""
CHUNKS = {"verify": "content", "chunk_rows": "500", "max_retries": 0}
"""2,000 source rows in 5 chunks: the NULLs, then id <= 500, <= 1000, <= 1500 and > 1500."""


def tables(db: Db, source: str, target: str, *names: str, kept: int = 20_000) -> None:
    """``source.big``: ids 1 to 2,000; each of ``names`` in ``target`` holds ``kept`` rows of its own (ids above
    ``FAR``) and 3 with a NULL id."""
    db.admin(f"CREATE TABLE {source}.big (id int, v text)",
             f"INSERT INTO {source}.big SELECT g, 'v' || g FROM generate_series(1, 2000) g")  # fmt: skip
    for name in names:
        db.as_etl(
            f"CREATE TABLE {target}.{name} (id int, v text)",
            f"INSERT INTO {target}.{name} SELECT {FAR} + g, 'kept' FROM generate_series(1, {kept}) g",
            f"INSERT INTO {target}.{name} SELECT NULL, 'kept null' FROM generate_series(1, 3) g",
        )


def trigger(db: Db, table: str, name: str, body: str, when: str = "BEFORE") -> None:
    """A row trigger on ``table`` (``schema.name``) whose PL/pgSQL ``body`` runs for each inserted row."""
    schema = table.split(".")[0]
    db.as_etl(
        f"CREATE FUNCTION {schema}.{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NEW; END $$",
        f"CREATE TRIGGER {name} {when} INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {schema}.{name}()",
    )


def config(put_config: PutConfig, key: str, *rows: str) -> str:
    return put_config(f"content-ranges/{key}.csv", "\n".join([HEADER, *rows]) + "\n")


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_chunked_append_into_a_target_with_many_rows_of_its_own_passes(
    executor: str,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, target = schemas
    tables(db, source, target, "big")
    db.admin(f"INSERT INTO {source}.big SELECT NULL, 'null ' || g FROM generate_series(1, 7) g")  # the NULL chunk
    db.as_etl(f"CREATE TABLE {target}.wide (id bigint, v text)")  # another type: read whole
    uri = config(put_config, f"{executor}-{target}", line(f"{source}.big", f"{target}.big", cluster_secret) + "id",
                 line(f"{source}.big", f"{target}.wide", cluster_secret) + "id")  # fmt: skip
    with caplog.at_level(logging.INFO):
        outcomes = run_step({"config_path": uri, "executor": executor, **CHUNKS}).outcomes
    assert [(o.status, o.rows_affected, o.chunks) for o in outcomes] == [(RowStatus.SUCCEEDED, 2007, (6, 6))] * 2, [
        o.error for o in outcomes
    ]
    assert db.count(f"{target}.big") == 2007 + 20_003 and db.count(f"{target}.big WHERE id IS NULL") == 10
    said = [r.getMessage() for r in caplog.records if "reads the whole target" in r.getMessage()]
    assert said == [
        f"{target}.wide (line 3): --verify content reads the whole target (or stage) for each chunk: the chunk "
        "column id is integer but the target column id is bigint: the insert's cast could move a value across a "
        "chunk bound"
    ]


@pytest.mark.parametrize("executor", ["driver", "data_api"])
@pytest.mark.parametrize("load_type", ["append", "upsert"])
def test_a_value_altered_in_one_chunk_fails_that_chunk_alone_rolled_back(
    executor: str, load_type: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    tables(db, source, target, "big", kept=2_000)
    trigger(db, f"{target}.big", "alter_one", "IF NEW.id = 1234 THEN NEW.v := 'altered'; END IF;")
    keys = {"merge_keys": "id"} if load_type == "upsert" else {}
    row = line(f"{source}.big", f"{target}.big", cluster_secret, load_type, **keys) + "id"
    (outcome,) = run_step({"config_path": config(put_config, f"altered-{executor}-{load_type}-{target}", row),
                           "executor": executor, **CHUNKS}).outcomes  # fmt: skip
    assert outcome.status is RowStatus.FAILED and outcome.chunks == (3, 5)
    error = str(outcome.error)
    assert error.startswith("chunk 4/5 (id > 1000 and <= 1500) failed, 3 of 5 committed"), error
    assert db.count(f"{target}.big WHERE id <= 2000") == 1000  # chunks 1 to 3; chunk 4 rolled back
    assert db.count(f"{target}.big WHERE id > {FAR}") == 2_000  # the target's own rows, untouched
    assert "source row (id=1234" in error and error.endswith("; rolled back"), error  # the Data API's too
    if executor == "driver":
        assert "differ from the source rows read in content (same number of rows)" in error


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_chunk_column_value_moved_into_another_chunks_range_is_caught(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    tables(db, source, target, "big", kept=2_000)
    trigger(db, f"{target}.big", "move_one", "IF NEW.id = 1234 THEN NEW.id := 234; END IF;")  # chunk 4 into 2
    row = line(f"{source}.big", f"{target}.big", cluster_secret) + "id"
    (outcome,) = run_step({"config_path": config(put_config, f"moved-{executor}-{target}", row), "executor": executor,
                           **CHUNKS}).outcomes  # fmt: skip
    assert outcome.status is RowStatus.FAILED and outcome.chunks == (3, 5)
    error = str(outcome.error)
    assert error.startswith("chunk 4/5 (id > 1000 and <= 1500) failed"), error
    assert db.count(f"{target}.big WHERE id <= 2000") == 1000 and db.count(f"{target}.big WHERE id = 234") == 1
    assert "source row (id=1234" in error, error  # both executors name it
    if executor == "driver":
        assert "in rows: source 500 row(s)" in error and "written 499 row(s)" in error, error


@pytest.mark.parametrize("executor", ["driver", "data_api"])
def test_a_change_outside_a_chunks_range_does_not_reach_its_check(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    """The check of chunk 2 (id <= 500) reads only that range of the target: a row of the target's own (in the last
    chunk's range) that the stand-in's trigger changes while chunk 2 loads is no part of it. Read whole, as before
    ``content_scope``, the target's figures after the insert less those before would include the change, and chunk 2
    would fail. (On Redshift nothing else writes the locked target in the load's transaction; only the stand-in's
    trigger can, which is what makes the read's extent visible here.)"""
    source, target = schemas
    tables(db, source, target, "big", kept=2_000)
    touched = f"UPDATE {target}.big SET v = 'touched' WHERE id = {FAR + 1};"
    trigger(db, f"{target}.big", "touch_other", f"IF NEW.id = 250 THEN {touched} END IF;", when="AFTER")
    row = line(f"{source}.big", f"{target}.big", cluster_secret) + "id"
    (outcome,) = run_step({"config_path": config(put_config, f"elsewhere-{executor}-{target}", row),
                           "executor": executor, **CHUNKS}).outcomes  # fmt: skip
    assert (outcome.status, outcome.rows_affected, outcome.chunks) == (RowStatus.SUCCEEDED, 2000, (5, 5)), outcome.error
    assert db.rows(f"SELECT v FROM {target}.big WHERE id = {FAR + 1}") == [("touched",)]  # changed in chunk 2's load
