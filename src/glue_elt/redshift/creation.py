"""Creating a bookkeeping table (state table, commit lock, chunk plans) that another run may create at that moment.

Two runs that start together on one cluster both find the table missing and both create it. ``CREATE TABLE IF NOT
EXISTS`` does not make that safe: it checks before it creates, so the slower one can still fail (PostgreSQL, the
stand-in: a unique violation on ``pg_type``, SQLSTATE 23505; Redshift serializes catalog changes but documents no
guarantee either, dg/r_CREATE_TABLE_NEW.html). A failed create is therefore taken as that race only when the table
exists afterwards, which one catalog query says; any other failure (no CREATE privilege, a missing schema, a name
taken by a view) is raised as the server gave it, never retried blindly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from glue_elt.errors import ExecutionError
from glue_elt.redshift import catalog
from glue_elt.redshift.catalog import TableKey
from glue_elt.redshift.executor import Executor

logger = logging.getLogger(__name__)


def create_unless_raced(executor: Executor, secret_name: str, key: TableKey, create: Callable[[], object]) -> None:
    """Run ``create`` (the statements that create the table ``key``); when it fails and the catalog shows the table
    after all, another run created it first: use theirs. Otherwise the failure is raised."""
    try:
        create()
    except ExecutionError:
        if key not in catalog.table_columns(executor, secret_name, [key]):
            raise
        logger.info("%s was created concurrently by another run; using it", key)
