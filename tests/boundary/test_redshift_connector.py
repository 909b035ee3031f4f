"""What the steps assume of ``redshift_connector`` (the real driver, against the stand-in through PgBouncer): the
keywords ``connect`` takes, that a transaction opens with the driver's own ``begin transaction`` before the first
statement (so a load's ``LOCK`` is the first statement of its transaction), the shape of a server error, and the row
count of an ``INSERT … SELECT``. When a driver upgrade changes one of these, this file fails before a step does."""

from __future__ import annotations

import contextlib
import inspect

import pytest
import redshift_connector

from local_stack import LocalStack
from tests.conftest import Db


def test_connect_takes_the_keywords_the_driver_executor_passes() -> None:
    parameters = inspect.signature(redshift_connector.connect).parameters
    assert {"host", "port", "database", "user", "password", "ssl", "application_name"} <= set(parameters)


def test_a_server_error_carries_its_sqlstate_message_and_detail_in_a_dict(stack: LocalStack) -> None:
    """glue_elt.redshift.driver.errors reads ``args[0]['C']``, ``['M']`` and ``['D']`` (Redshift's error 1023 puts
    its number in ``M`` and its text in ``D``)."""
    with contextlib.closing(stack.etl_connect()) as conn:
        cursor = conn.cursor()
        with pytest.raises(redshift_connector.ProgrammingError) as raised:
            cursor.execute(
                "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'XX000', MESSAGE = '1023', DETAIL = 'd'; END $$"
            )
        conn.rollback()
    fields = raised.value.args[0]
    assert isinstance(fields, dict) and (fields["C"], fields["M"], fields["D"]) == ("XX000", "1023", "d")


def test_a_transaction_opens_with_the_drivers_begin_and_counts_an_insert_select(
    stack: LocalStack, db: Db, schemas: tuple[str, str]
) -> None:
    """With autocommit off the driver sends ``begin transaction`` itself before the first statement: the LOCK that
    opens a load is then the transaction's first statement, as Redshift's snapshot rule needs."""
    target = schemas[1]
    db.as_etl(f"CREATE TABLE {target}.t (id int)")
    with stack.statement_log() as log, contextlib.closing(stack.etl_connect()) as conn:
        assert conn.autocommit is False
        cursor = conn.cursor()
        cursor.execute(f"LOCK {target}.t")
        cursor.execute(f"INSERT INTO {target}.t SELECT g FROM generate_series(1, 3) g")
        assert cursor.rowcount == 3
        conn.commit()
    sent = [str(statement) for statement in log.statements]
    mine = sent[sent.index("begin transaction") :]
    assert mine[:2] == ["begin transaction", f"LOCK {target}.t"] and mine[-1] == "commit", sent
