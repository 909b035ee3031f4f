"""The diagnostic batch's failing statement on the local stack, through the Data API executor: whatever the example
rows hold (separators, backslashes, line breaks, NULL) or when there is none, the statement fails and its error
brings them back, after the check's figures (``batch_examples``)."""

from __future__ import annotations

import pytest

from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.batch import BatchStatementError
from glue_elt.redshift.data_api.executor import DataApiExecutor
from glue_elt.redshift.names import quote_literal
from glue_elt.steps.redshift_cross_account_migration.batch_examples import Carried, carried, carrier
from glue_elt.steps.redshift_cross_account_migration.batch_load import CONTENT
from glue_elt.steps.redshift_cross_account_migration.content import ContentCheck
from tests.conftest import Db

pytestmark = pytest.mark.integration
AWKWARD = "a,b;c]d\\e\nf"


def examples_of(rows: str) -> ContentCheck:
    return ContentCheck("SELECT 1", "SELECT 8 AS n, 100 AS s", None, ("k", "v"), lambda newest: rows)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (f"SELECT 's', 7, {quote_literal(AWKWARD)}, 1 UNION ALL SELECT 'w', 8, NULL, 2",
         [("s", ("7", AWKWARD)), ("w", ("8", None))]),
        ("SELECT 's', 7, 'x', 1 WHERE 1 = 0", []),  # no example row: the statement fails all the same
    ],
)  # fmt: skip
def test_the_carrier_always_fails_and_its_error_brings_the_examples_back(
    rows: str, expected: list[tuple[str, tuple[str | None, ...]]], db: Db, cluster_secret: str, schemas: tuple[str, str]
) -> None:
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.marks (n int)")
    executor = DataApiExecutor(SecretStore())
    wrote = f"INSERT INTO {target}.marks VALUES (1)"
    kept = f"CREATE TEMP TABLE {CONTENT} AS SELECT 8 AS n, 123 AS s, 0 AS bn, 0 AS bs"  # as content_figures keeps
    with pytest.raises(BatchStatementError) as failed:
        executor.run_batch(cluster_secret, [wrote, kept, carrier(examples_of(rows))])
    assert failed.value.index == 2
    assert carried(str(failed.value)) == Carried((8, 123, 8, 100), expected)  # the figures, then the examples
    assert db.count(f"{target}.marks") == 0  # the batch rolled back
