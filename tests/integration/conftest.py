"""Fixtures of the integration tests only (the stack's fixtures are in ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local_stack import LocalStack
from tests.conftest import Db
from tests.integration.isolation import ISOLATIONS, database_isolation


@pytest.fixture(params=ISOLATIONS)
def isolation(request: pytest.FixtureRequest, stack: LocalStack, db: Db) -> Iterator[str]:
    """The test runs with ``shared_db`` at SERIALIZABLE, then at SNAPSHOT (REPEATABLE READ on the stand-in)."""
    with database_isolation(stack, db, str(request.param)):
        yield str(request.param)
