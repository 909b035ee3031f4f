"""Schema mode against the real stack: every base table of the target schema is migrated."""

from __future__ import annotations

import pytest

from glue_elt import ConfigError, RedshiftCrossAccountDataMigration
from tests.conftest import Db


def test_every_base_table_of_the_target_schema(db: Db, schemas: tuple[str, str], etl_secret: str) -> None:
    source, target = schemas
    db.admin(
        f"CREATE TABLE {source}.a (id int, v text)",
        f"INSERT INTO {source}.a SELECT g, 'a' || g FROM generate_series(1, 5) g",
        f"CREATE TABLE {source}.b (id int)",
        f"INSERT INTO {source}.b SELECT g FROM generate_series(1, 3) g",
        f'CREATE TABLE {source}."Mixed Case" (id int)',
        f'INSERT INTO {source}."Mixed Case" VALUES (7)',
        f"CREATE TABLE {source}.not_in_target (id int)",
    )
    db.as_etl(
        f"CREATE TABLE {target}.a (v text, id int)",
        f"CREATE TABLE {target}.b (id int)",
        f'CREATE TABLE {target}."Mixed Case" (id int)',
        f"CREATE VIEW {target}.a_view AS SELECT * FROM {target}.a",
    )
    step = RedshiftCrossAccountDataMigration(
        {"source_schema": f"shared_db.{source}", "target_schema": target, "secret_name": etl_secret}
    )
    result = step.run()
    step.close()
    assert [o.row.target_table for o in result.outcomes] == [f'{target}."Mixed Case"', f"{target}.a", f"{target}.b"]
    assert result.ok
    assert db.rows(f"SELECT id, v FROM {target}.a ORDER BY id") == db.rows(f"SELECT id, v FROM {source}.a ORDER BY id")
    assert (db.count(f"{target}.b"), db.count(f'{target}."Mixed Case"')) == (3, 1)


def test_overwrite_load_type_and_missing_source_table(db: Db, schemas: tuple[str, str], etl_secret: str) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.a (id int)", f"INSERT INTO {source}.a VALUES (1), (2)")
    db.as_etl(
        f"CREATE TABLE {target}.a (id int)",
        f"INSERT INTO {target}.a VALUES (5)",
        f"CREATE TABLE {target}.only_here (id int)",
    )
    step = RedshiftCrossAccountDataMigration(
        {"source_schema": source, "target_schema": target, "secret_name": etl_secret, "load_type": "overwrite"}
    )
    result = step.run()
    step.close()
    assert (result.succeeded, result.failed) == (1, 1)
    assert db.rows(f"SELECT id FROM {target}.a ORDER BY id") == [(1,), (2,)]
    assert "does not exist" in (result.outcomes[1].error or "")


def test_incomplete_schema_mode_is_refused_before_anything_runs(etl_secret: str) -> None:
    with pytest.raises(ConfigError, match="schema mode needs --target_schema"):
        RedshiftCrossAccountDataMigration({"source_schema": "shared_db.x", "secret_name": etl_secret}).run()
