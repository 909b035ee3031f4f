"""Tables no config row may load (issue 31, items 1, 3 and 4), under both executors: the row fails before any write,
its message names the field and the reason, and the table keeps every row.

- A table copied onto itself, as the server resolves the names: ``shared_db`` is the connected database here, so
  ``shared_db.s.t`` IS ``s.t`` (as a three-part name of the connected database is on Redshift), and Redshift folds
  ``s."T"`` to ``s.t`` (``enable_case_sensitive_identifier`` off, the stand-in's default).
- The run's state table, its commit lock and the default state table, as target or source.
- A view as the target: a plain view (writable on PostgreSQL, never on Redshift), a late-binding view whose columns
  the catalog does not list, a materialized view and a table the catalog calls an external table.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from glue_elt import MigrationResult, RowStatus
from local_stack.redshift_views import report_table_type_sql
from tests.conftest import Db, run_step

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type#merge_keys#watermark_column"
PutConfig = Callable[[str, str], str]
FAST = {"max_retries": 0, "fail_on_error": "false", "statement_timeout_seconds": 20}


def migrate(put_config: PutConfig, key: str, executor: str, lines: list[str], **params: object) -> MigrationResult:
    uri = put_config(f"protected/{key}-{executor}.csv", "\n".join([HEADER, *lines]) + "\n")
    return run_step({"config_path": uri, "executor": executor, **FAST, **params})


def refused(result: MigrationResult, *messages: str) -> None:
    """Every row failed, each with its message (in order)."""
    assert len(result.outcomes) == len(messages)
    for outcome, message in zip(result.outcomes, messages):
        assert outcome.status is RowStatus.FAILED and outcome.error is not None, outcome
        assert message in outcome.error, outcome.error


@pytest.mark.parametrize("load_type", ["append", "overwrite", "incremental", "upsert"])
def test_a_table_is_never_loaded_from_itself(
    executor: str, load_type: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    _, target = schemas
    db.as_etl(
        f"CREATE TABLE {target}.t (id int, v text)",
        f"INSERT INTO {target}.t SELECT g, 'v' || g FROM generate_series(1, 9) g",
    )
    more = {"upsert": "id#", "incremental": "#id"}.get(load_type, "#")
    lines = [
        f"shared_db.{target}.t###{target}.t#{cluster_secret}#{load_type}#{more}",  # the connected database's name
        f'{target}."T"###{target}.t#{cluster_secret}#{load_type}#{more}',  # folded by the server
        f'Shared_DB.{target}."T"###{target}."t"#{cluster_secret}#{load_type}#{more}',
    ]
    result = migrate(put_config, f"self-{load_type}", executor, lines)
    same = f"are the same table (shared_db.{target}.t on this server)"
    refused(result, same, same, same)
    assert db.count(f"{target}.t") == 9


def test_the_state_tables_are_never_loaded(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    state = f"{target}.state"
    db.as_etl(
        f"CREATE TABLE {target}.t (id int, v text)",
        f"CREATE TABLE {target}.state_lock (locked char(1))",
        f"CREATE TABLE {target}.lock_source (locked char(1))",
        f"INSERT INTO {target}.lock_source VALUES ('x')",
    )
    db.admin(f"CREATE TABLE {source}.t (id int, v text)", f"INSERT INTO {source}.t VALUES (1, 'a')")
    warm_up = [f"shared_db.{source}.t###{target}.t#{cluster_secret}#append##"]
    assert migrate(put_config, "state-warm-up", executor, warm_up, state_table=state, run_id=f"warm-{target}").ok
    assert migrate(
        put_config, "state-warm-up", executor, warm_up, run_id=f"warm-{target}"
    ).ok  # the default state table too
    db.admin(f"CREATE TABLE {source}.records (LIKE {state})", f"INSERT INTO {source}.records SELECT * FROM {state}")
    default_state = db.rows("SELECT count(*) FROM glue_elt.migration_state")
    loaded = db.count(f"{target}.t")
    lines = [
        f"shared_db.{source}.records###{state}#{cluster_secret}#overwrite##",
        f"{target}.lock_source###{target}.STATE_LOCK#{cluster_secret}#append##",
        f"shared_db.{target}.state###{target}.t#{cluster_secret}#append##",
        f"shared_db.{source}.records###glue_elt.migration_state#{cluster_secret}#overwrite##",
    ]
    result = migrate(put_config, "state", executor, lines, state_table=state, run_id="state")
    refused(
        result,
        f"target_table {state} is the run's state table (--state_table)",
        f"target_table {target}.state_lock is the commit lock of the run's state table",
        f"source_table shared_db.{state} is the run's state table",
        "target_table glue_elt.migration_state is the default state table",
    )
    assert db.rows(f"SELECT run_id FROM {state}") == [(f"warm-{target}",)]
    assert db.count(f"{target}.state_lock") == 0 and db.count(f"{target}.t") == loaded
    assert db.rows("SELECT count(*) FROM glue_elt.migration_state") == default_state


def test_a_view_is_never_a_target(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int, v text)", f"INSERT INTO {source}.t VALUES (100, 'new')")
    db.as_etl(
        f"CREATE TABLE {target}.base (id int, v text)",
        f"INSERT INTO {target}.base SELECT g, 'v' || g FROM generate_series(1, 7) g",
        f"CREATE VIEW {target}.plain AS SELECT id, v FROM {target}.base",
        f"CREATE VIEW {target}.late AS SELECT id, v FROM {target}.base",
        f"CREATE MATERIALIZED VIEW {target}.mat AS SELECT id, v FROM {target}.base",
        f"CREATE TABLE {target}.ext (id int, v text)",
    )
    db.admin(
        report_table_type_sql(f"{target}.late", "VIEW", columns_listed=False),  # WITH NO SCHEMA BINDING
        report_table_type_sql(f"{target}.ext", "EXTERNAL TABLE"),
    )
    lines = [
        f"shared_db.{source}.t###{target}.{name}#{cluster_secret}#overwrite##" for name in ("plain", "late", "mat")
    ]
    lines.append(f"shared_db.{source}.t###{target}.ext#{cluster_secret}#append##")
    result = migrate(put_config, "views", executor, lines, create_missing_targets="true")
    refused(
        result,
        f"target_table {target}.plain is not a table (SVV_REDSHIFT_TABLES.table_type 'VIEW'): Redshift cannot load "
        "views (late-binding and materialized ones included) or external tables",
        f"target_table {target}.late is not a table (SVV_REDSHIFT_TABLES.table_type 'VIEW')",
        f"target_table {target}.mat is not a table (SVV_REDSHIFT_TABLES.table_type 'VIEW')",
        f"target_table {target}.ext is not a table (SVV_REDSHIFT_TABLES.table_type 'EXTERNAL TABLE')",
    )
    assert db.count(f"{target}.base") == 7 and db.count(f"{target}.ext") == 0
    assert db.rows(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE n.nspname = '{target}' AND c.relkind = 'r'"
    ) == [(2,)]  # no table was created in place of the late-binding view
