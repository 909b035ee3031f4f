"""What a verification compares for each row, read from the catalog only: the tables, their columns, the bisection
column.

The same steps as a load's inspection, without anything a load needs and a read does not: the row is validated
(``validate_row``), its names resolved as the server resolves them, its columns laid out as the load lays them out
(``layout.lay_out``: the same pairs, renamed through ``target_columns``, and the same refusals of columns that do not
fit) from one ``SVV_REDSHIFT_COLUMNS`` query per cluster. No privilege query, no state table, no schema look-up:
a table the user may not read fails its own query, with the server's message. A target that does not exist is
reported as such (nothing is created).

The bisection column is the one a chunked load would cut the row by (``chunk_choice.choose``: the row's
``chunk_column``, an upsert's first merge key, an incremental's watermark, schema mode's ``--chunk_column``, the
source's leading sort key), when it is loaded and its target type is a number, a date or a timestamp; otherwise the
table gets its figures only, and the report says why.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import GlueELTError, ObjectNotFoundError, ValidationError
from glue_elt.redshift import catalog
from glue_elt.redshift.catalog import ClusterFacts, Column, TableKey
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.names import display_identifier
from glue_elt.steps.redshift_cross_account_migration.chunk_choice import ChunkColumn, choose
from glue_elt.steps.redshift_cross_account_migration.chunks import CHUNKABLE
from glue_elt.steps.redshift_cross_account_migration.content import WRITTEN, compared_values, source_value
from glue_elt.steps.redshift_cross_account_migration.layout import Layout, lay_out, shown
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan, MigrationRow
from glue_elt.steps.redshift_cross_account_migration.runner import content_types
from glue_elt.steps.redshift_cross_account_migration.validation import validate_row
from glue_elt.steps.redshift_cross_account_migration.verify.statements import Comparison, Key


@dataclass(frozen=True)
class Prepared:
    """A row ready to verify (``comparison``), or why it cannot be (``error``); ``plan`` once it validated."""

    row: MigrationRow
    plan: MigrationPlan | None = None
    comparison: Comparison | None = None
    error: GlueELTError | None = None


def prepare(
    executor: Executor,
    retry: RetryPolicy,
    facts_of: Callable[[str], ClusterFacts],
    rows: Sequence[MigrationRow],
    *,
    allow_narrowing: bool = False,
    preferred: str = "",
) -> list[Prepared]:
    """Each row's comparison, in row order (``facts_of``: a secret's cluster facts, read once per run)."""
    prepared: list[Prepared] = []
    by_secret: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        try:
            plan = validate_row(row)
        except GlueELTError as error:
            prepared.append(Prepared(row, error=error))
            continue
        prepared.append(Prepared(row, plan))
        by_secret.setdefault(row.secret_name, []).append(index)
    for secret, indices in by_secret.items():
        try:
            facts = facts_of(secret)
            plans = {i: _resolved(prepared[i], facts) for i in indices}
            keys = {facts.key(name) for plan in plans.values() for name in (plan.source, plan.target)}
            read = functools.partial(catalog.table_columns, executor, secret, keys)
            columns = retry.call(f"catalog of {secret}", read)
        except GlueELTError as error:
            for i in indices:
                prepared[i] = Prepared(prepared[i].row, prepared[i].plan, error=error)
            continue
        for i, plan in plans.items():
            try:
                comparison = _comparison(plan, facts, columns, allow_narrowing, preferred)
            except GlueELTError as error:
                prepared[i] = Prepared(plan.row, plan, error=error)
            else:
                prepared[i] = Prepared(plan.row, plan, comparison)
    return prepared


def _resolved(prepared: Prepared, facts: ClusterFacts) -> MigrationPlan:
    plan = prepared.plan
    assert plan is not None  # only validated rows are grouped by secret
    return plan.folded() if facts.folds_identifiers else plan


def _comparison(
    plan: MigrationPlan,
    facts: ClusterFacts,
    columns: Mapping[TableKey, list[Column]],
    allow_narrowing: bool,
    preferred: str,
) -> Comparison:
    for what, name in (("target", plan.target), ("source", plan.source)):
        if facts.key(name) not in columns:
            raise ObjectNotFoundError(
                f"{what} table {shown(name)} does not exist or is not visible to user {facts.user}: nothing to compare"
            )
    layout = lay_out(plan, facts, columns, allow_narrowing=allow_narrowing)
    types = content_types(layout)
    read, wrote = compared_values(layout.columns.source, layout.columns.target, types)
    key, reason = _key(plan, layout, preferred)
    target_from = f"{plan.target.sql()} AS {WRITTEN}"
    return Comparison(plan.source.sql(), plan.filter_sql, target_from, read, wrote, key, reason)


def _key(plan: MigrationPlan, layout: Layout, preferred: str) -> tuple[Key | None, str]:
    """The bisection column, or why there is none."""
    try:
        chosen = choose(plan, layout.source_columns, preferred)
    except ValidationError as error:
        return None, str(error)
    if not isinstance(chosen, ChunkColumn):
        return None, chosen
    pairs = dict(zip(layout.columns.source, layout.columns.target))
    target = pairs.get(chosen.name)
    if target is None:
        return None, f"its column {display_identifier(chosen.name.name)} is not loaded"
    column_type = content_types(layout)[target]
    name = display_identifier(target.name)
    sql_type = column_type.sql()
    if column_type.family not in CHUNKABLE or sql_type is None:
        return None, f"its column {name} is {column_type.text}: ranges are cut on numbers, dates and timestamps"
    return Key(name, source_value(chosen.name, column_type), f"{WRITTEN}.{target.sql()}", column_type, sql_type), ""
