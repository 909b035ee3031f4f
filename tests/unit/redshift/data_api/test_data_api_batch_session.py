"""A Data API transaction's statements: collected (tagged) for one batch; no parameters, no rows before it ends."""

from __future__ import annotations

import pytest

from glue_elt.errors import ExecutionError
from glue_elt.redshift.data_api.batch_session import BatchSession
from glue_elt.redshift.tags import tagged


def test_statements_are_collected_tagged_and_count_no_rows_yet() -> None:
    session = BatchSession()
    assert session.execute("CREATE SCHEMA x") == -1
    session.execute("CREATE TABLE x.t (a int)")
    assert session.statements == [tagged("CREATE SCHEMA x"), tagged("CREATE TABLE x.t (a int)")]


def test_parameters_and_queries_are_refused() -> None:
    session = BatchSession()
    with pytest.raises(ExecutionError, match="without parameters"):
        session.execute("DELETE FROM x.t WHERE a = %s", [1])
    with pytest.raises(ExecutionError, match="cannot read rows"):
        session.query("SELECT 1")
    assert session.statements == []
