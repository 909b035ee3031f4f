"""What a ``source_filter`` runs is what was checked (issue 31, items 5 and 6), with both executors.

A string literal ends where Redshift ends it (``\\'`` is an escaped quote; the stand-in reads literals as Redshift
does), so a filter cannot close its string and append SQL; and a filter may not call functions with effects
(``set_config``, ``lo_from_bytea``, …): the row fails before anything is written, naming the function.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from glue_elt import RowStatus
from tests.conftest import Db
from tests.integration.conftest import EXECUTORS
from tests.integration.test_executors import config, line, migrate, seed

PutConfig = Callable[[str, str], str]
ESCAPING = r"v = '\' OR 1=1) UNION ALL SELECT 9999, 0, usename::text FROM pg_user --'"
"""The issue's filter: sqlglot reads one string literal; a server reading ``\\`` as plain text reads a UNION."""


@pytest.mark.parametrize("executor", EXECUTORS)
def test_a_backslash_quote_does_not_end_the_string(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed(db, source, target, rows=5)
    uri = config(put_config, f"escape-{target}", line(source, target, cluster_secret, filter=ESCAPING))
    (outcome,) = migrate(uri, executor, fail_on_error="false").outcomes
    assert db.rows(f"SELECT count(*) FROM {target}.t WHERE id = 9999") == [(0,)]  # no pg_user names copied
    assert (outcome.status, outcome.rows_affected, db.count(f"{target}.t")) == (RowStatus.SUCCEEDED, 0, 0)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_backslashes_in_a_filter_read_as_redshift_reads_them(
    executor: str, db: Db, schemas: tuple[str, str], cluster_secret: str, put_config: PutConfig
) -> None:
    source, target = schemas
    seed(db, source, target, rows=3)
    db.admin(f"INSERT INTO {source}.t VALUES (10, 0, 'a' || chr(92) || 'b'), (11, 0, 'it''s')")
    rows = [line(source, target, cluster_secret, filter=r"v = 'a\\b' OR v = 'it\'s'")]
    (outcome,) = migrate(config(put_config, f"backslash-{target}", *rows), executor).outcomes
    assert outcome.status is RowStatus.SUCCEEDED
    assert db.rows(f"SELECT id FROM {target}.t ORDER BY id") == [(10,), (11,)]


@pytest.mark.parametrize("executor", EXECUTORS)
@pytest.mark.parametrize(
    ("condition", "function"),
    [
        ("set_config('statement_timeout', '0', false) IS NOT NULL", "set_config()"),
        ("lo_from_bytea(0, 'x') > 0", "lo_from_bytea()"),
        ("id IN (SELECT pg_cancel_backend(pg_backend_pid())::int)", "pg_cancel_backend()"),
    ],
)
def test_a_filter_calling_a_function_with_effects_fails_before_any_write(
    executor: str,
    condition: str,
    function: str,
    db: Db,
    schemas: tuple[str, str],
    cluster_secret: str,
    put_config: PutConfig,
) -> None:
    source, target = schemas
    seed(db, source, target, rows=5)
    large_objects = db.count("pg_largeobject_metadata")
    uri = config(put_config, f"effects-{target}", line(source, target, cluster_secret, filter=condition))
    (outcome,) = migrate(uri, executor, fail_on_error="false").outcomes
    assert outcome.status is RowStatus.FAILED and outcome.error is not None
    assert "source_filter" in outcome.error and f"calls {function}" in outcome.error
    assert db.count(f"{target}.t") == 0 and db.count("pg_largeobject_metadata") == large_objects
