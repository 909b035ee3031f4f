"""Statements the step sends per table, counted by the server: on Redshift every statement costs leader-node
time. Serial runs over 1, 10 and 20 tables separate the cost per table (the difference between 10 and 20) from
the fixed cost per run (which must be the same for every run)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from local_stack import LocalStack
from tests.conftest import Db, run_step

pytestmark = pytest.mark.integration

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
TABLES = (1, 10, 20)
LIMITS = {"overwrite": 8, "append": 7}  # overwrite in the default delete mode
# Before issue 16: 6 and 5. Every load now opens with LOCK target and, once the lock is held, looks its row up in
# the state table on the side connection (README "Guarantees"): two statements per table, needed for exactly once
# under SNAPSHOT isolation.
LOOK_UP = 'SELECT rows_affected FROM "glue_elt"."migration_state" WHERE run_id = '


@pytest.mark.parametrize("load_type", ["overwrite", "append"])
def test_statements_per_table(
    stack: LocalStack,
    db: Db,
    schemas: tuple[str, str],
    etl_secret: str,
    put_config: Callable[[str, str], str],
    load_type: str,
) -> None:
    source, target = schemas
    role_settings = "SELECT setdatabase, setconfig FROM pg_db_role_setting WHERE setrole = 'etl_user'::regrole"
    settings_before = db.rows(role_settings)
    names = [f"t{i:02d}" for i in range(max(TABLES))]
    db.admin(*[f"CREATE TABLE {source}.{t} (id int, v text)" for t in names])
    db.admin(*[f"INSERT INTO {source}.{t} SELECT g, 'v' || g FROM generate_series(1, 5) g" for t in names])
    db.as_etl(*[f"CREATE TABLE {target}.{t} (id int, v text)" for t in names])

    def config(count: int) -> str:
        lines = [f"shared_db.{source}.{t}###{target}.{t}#{etl_secret}#{load_type}" for t in names[:count]]
        return put_config(f"{target}/{count}.csv", HEADER + "\n" + "\n".join(lines) + "\n")

    assert run_step({"config_path": config(1), "max_parallel": 1}).ok  # warm-up: the state table exists after it
    logs = {}
    for count in TABLES:
        with stack.statement_log() as logs[count]:
            result = run_step({"config_path": config(count), "max_parallel": 1})
        assert result.ok and result.succeeded == count

    counts = {count: len(log.statements) for count, log in logs.items()}
    per_table = (counts[20] - counts[10]) / 10
    fixed = {count: counts[count] - count * per_table for count in TABLES}
    one_table = [str(s) for s in logs[10].naming(f'"{target}"."t03"')]
    per_run = [str(s) for s in logs[1].statements if s not in logs[1].naming(f'"{target}"."t00"')]
    report = (
        f"{load_type}: {per_table:g} statement(s) per table, fixed per run {fixed} (statements per run {counts})\n"
        "one table's statements:\n  "
        + "\n  ".join(one_table)
        + "\nthe run's fixed statements:\n  "
        + "\n  ".join(per_run)
    )
    print(report)
    assert per_table <= LIMITS[load_type], report
    assert len(set(fixed.values())) == 1, report  # the fixed cost does not grow with the number of tables
    look_ups = [s for s in logs[10].statements if str(s).startswith(LOOK_UP)]
    assert len(look_ups) == 10, report  # one look-up of its row per table, under the table's lock
    assert len(one_table) + 1 == per_table, report  # every other statement per table is one of this table's
    assert any(s.startswith(f'INSERT INTO "{target}"."t03"') for s in one_table) and one_table[-1] == "commit", report
    assert db.rows(role_settings) == settings_before  # statement_log restored the role's settings
