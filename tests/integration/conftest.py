"""Fixtures of the integration tests only (the stack's fixtures are in ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.data_api.executor import DataApiExecutor
from glue_elt.redshift.driver.executor import RedshiftExecutor
from glue_elt.redshift.executor import Executor
from local_stack import LocalStack
from tests.conftest import Db
from tests.integration.isolation import ISOLATIONS, database_isolation

EXECUTORS = ("driver", "data_api")
"""The step's ``--executor`` choices: redshift_connector, and the (local) Redshift Data API."""


@pytest.fixture(params=EXECUTORS)
def executor(request: pytest.FixtureRequest) -> str:
    """The test runs with the driver executor, then with the Data API's (its ``--executor`` value)."""
    return str(request.param)


@pytest.fixture
def sql_executor(executor: str) -> Iterator[Executor]:
    """The library's executor of ``executor``'s kind, closed after the test."""
    chosen: Executor = RedshiftExecutor(SecretStore()) if executor == "driver" else DataApiExecutor(SecretStore())
    yield chosen
    chosen.close()


@pytest.fixture(params=ISOLATIONS)
def isolation(request: pytest.FixtureRequest, stack: LocalStack, db: Db) -> Iterator[str]:
    """The test runs with ``shared_db`` at SERIALIZABLE, then at SNAPSHOT (REPEATABLE READ on the stand-in)."""
    with database_isolation(stack, db, str(request.param)):
        yield str(request.param)
