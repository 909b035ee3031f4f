"""A chunked ``overwrite`` of an existing target: chunks into a staging table, then one swap that commits the row.

Readers see the old rows until every chunk is staged, then the new ones at once, never a mix or an empty table,
and the data is not copied a second time: the stage becomes the target by renames (``staging``). The swap's
transaction also writes the row's record in the state table, so the swap and "the row committed" are one commit:
a re-run that finds the record skips the row, one that does not swaps (its stage holds every chunk the run id
committed). Two processes that reach the swap together: the second one's renames fail once the first has committed
(its stage is gone), and the row is then looked up and reported skipped.

What a swap cannot carry over (another owner, a bound view, a referencing foreign key, an IDENTITY column) is refused
before any write, and checked again right before the swap (a view bound meanwhile would keep reading the old table).
A target that the row creates has no readers and no old rows: its chunks go straight into it, as ``append``'s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import GlueELTError, ValidationError
from glue_elt.redshift.catalog import ClusterFacts
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.names import TableName
from glue_elt.redshift.state import RunLedger
from glue_elt.steps.redshift_cross_account_migration import staging, staging_checks
from glue_elt.steps.redshift_cross_account_migration.layout import shown
from glue_elt.steps.redshift_cross_account_migration.model import LoadType
from glue_elt.steps.redshift_cross_account_migration.runner import PreparedRow

logger = logging.getLogger(__name__)


def stages(prepared: PreparedRow) -> bool:
    """Whether the row's chunks go into a staging table: an overwrite of a target that exists."""
    return prepared.plan.load_type is LoadType.OVERWRITE and prepared.sql.create is None


class StagedOverwrite:
    """The stage, the checks and the swap of chunked overwrites, through one executor and the run's ledger."""

    def __init__(
        self, executor: Executor, ledger: RunLedger, retry: RetryPolicy, facts: Callable[[str], ClusterFacts]
    ) -> None:
        self._executor = executor
        self._ledger = ledger
        self._retry = retry
        self._facts = facts

    def stage(self, prepared: PreparedRow) -> TableName:
        """The row's staging table (its name says the run and the row)."""
        return staging.stage_name(prepared.plan.target, self._ledger.run_id, self._ledger.scoped(prepared.key))

    def check(self, prepared: PreparedRow) -> None:
        """``ValidationError`` naming what the swap could not carry over (three or four catalog queries)."""
        secret = prepared.row.secret_name
        facts = self._facts(secret)
        found = self._retry.call(
            prepared.row.label,
            lambda: staging_checks.read_swap_facts(self._executor, secret, facts.key(prepared.plan.target)),
        )
        refusal = staging_checks.swap_refusal(found, shown(prepared.plan.target), facts.user)
        if refusal is not None:
            raise ValidationError(refusal)

    def create(self, prepared: PreparedRow) -> TableName:
        """Create the stage like the target unless a failed run of the run id left it (its chunks are kept)."""
        stage = self.stage(prepared)
        statement = staging.create_stage(stage, prepared.plan.target)
        self._retry.call(prepared.row.label, lambda: self._executor.execute(prepared.row.secret_name, statement))
        return stage

    def swap(self, prepared: PreparedRow, rows: int) -> bool:
        """Make the stage the target and record the row, in one transaction; ``False`` when another process of the
        run id had done it first (the row is then skipped). The old table is dropped after the commit."""
        secret, label = prepared.row.secret_name, prepared.row.label
        stage = self.stage(prepared)
        if self._ledger.look_up(secret, prepared.key) is not None:
            self.drop_retired(prepared)
            return False
        self.check(prepared)  # again: a view bound since the plan would keep reading the old table
        facts = self._facts(secret)
        owner = facts.user
        record = self._ledger.record_of(secret, prepared.key, prepared.row.target_table, LoadType.OVERWRITE.value, rows)

        def swap_once() -> None:
            key = facts.key(prepared.plan.target)
            grants = staging_checks.read_grants(self._executor, secret, key, owner)
            with self._executor.transaction(secret) as session:
                for statement in staging.swap_statements(prepared.plan.target, stage, grants):
                    session.execute(statement)
                session.execute(record)

        try:
            self._retry.call(label, swap_once)
        except GlueELTError:
            if self._ledger.look_up(secret, prepared.key) is None:
                raise
            self.drop_retired(prepared)
            return False  # another process swapped first (or this one did, and its answer was lost)
        self.drop_retired(prepared)
        return True

    def drop_retired(self, prepared: PreparedRow) -> None:
        """Drop the old target the swap renamed away (a failure is logged: the table is harmless, and a re-run of the
        run id drops it again)."""
        statement = staging.drop_retired(self.stage(prepared))
        try:
            self._retry.call(prepared.row.label, lambda: self._executor.execute(prepared.row.secret_name, statement))
        except GlueELTError as error:
            logger.warning("%s: the old table could not be dropped after the swap: %s", prepared.row.label, error)
