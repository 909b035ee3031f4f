"""A ``ClientToken`` refused because its first request had other statements: the executor finds that request's
batch by its ``StatementName`` and answers with its outcome (``glue_elt.redshift.data_api.earlier``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError

from glue_elt.errors import ExecutionError
from glue_elt.redshift.batch import BatchStatementError
from glue_elt.redshift.data_api.earlier import batch_name, named_batch
from tests.unit.redshift.data_api.test_data_api import ScriptedClient, executor_for

TOKEN = "t" * 64
NAME = batch_name(TOKEN)
T0 = dt.datetime(2026, 12, 4, 1, tzinfo=dt.timezone.utc)


def refused(code: str = "ValidationException") -> ClientError:
    body: Any = {"Error": {"Code": code, "Message": f"ClientToken {TOKEN} was already used with different request"}}
    body["ResponseMetadata"] = {"HTTPStatusCode": 400}
    return ClientError(body, "BatchExecuteStatement")


def listed(statement_id: str, name: str = NAME, minutes: int = 0, batch: bool = True) -> dict[str, Any]:
    created = T0 + dt.timedelta(minutes=minutes)
    return {"Id": statement_id, "StatementName": name, "IsBatchStatement": batch, "CreatedAt": created}


def test_every_batch_with_a_token_is_named_by_it() -> None:
    client = ScriptedClient(
        batch_execute_statement=[{"Id": "b"}],
        describe_statement=[{"Id": "b", "Status": "FINISHED", "SubStatements": [{"Id": "b:1", "ResultRows": 1}]}],
    )
    executor_for(client, []).run_batch("s", ["A"], TOKEN)
    request = client.requests[0][1]
    assert (request["ClientToken"], request["StatementName"]) == (TOKEN, "glue-elt-" + TOKEN)
    assert len(request["StatementName"]) <= 500  # the API's limit


def test_a_refused_token_is_answered_by_its_earlier_batch_once_that_has_committed() -> None:
    client = ScriptedClient(
        batch_execute_statement=[refused()],
        list_statements=[{"Statements": [listed("old", minutes=1), listed("older"), listed("x", name=NAME + "x")]}],
        describe_statement=[{"Id": "old", "Status": "STARTED"}, {"Id": "old", "Status": "FINISHED"}],
    )
    sleeps: list[float] = []
    result = executor_for(client, sleeps).run_batch("s", ["A", "B"], TOKEN)
    assert (result.statement_id, result.rows, result.replayed, result.other_statements) == ("old", (), True, True)
    assert client.requests[1] == (
        "list_statements",
        {"StatementName": NAME, "Status": "ALL", "RoleLevel": True, "MaxResults": 100},
    )
    assert [name for name, _ in client.requests[2:]] == ["describe_statement"] * 2 and sleeps == [0.1]


def test_a_refused_tokens_earlier_batch_that_failed_is_an_earlier_failure() -> None:
    client = ScriptedClient(
        batch_execute_statement=[refused("IdempotentParameterMismatch")],
        list_statements=[{"Statements": [listed("old")]}],
        describe_statement=[{"Id": "old", "Status": "FAILED", "Error": "ERROR: canceling statement"}],
    )
    with pytest.raises(BatchStatementError) as raised:
        executor_for(client, []).run_batch("s", ["A"], TOKEN)
    assert raised.value.replayed and raised.value.index is None


@pytest.mark.parametrize("token", [TOKEN, None])
def test_a_refusal_stands_when_no_batch_of_the_token_is_found(token: str | None) -> None:
    client = ScriptedClient(batch_execute_statement=[refused()], list_statements=[{"Statements": [listed("x", "o")]}])
    with pytest.raises(ExecutionError, match="ValidationException: ClientToken") as raised:
        executor_for(client, []).run_batch("s", ["A"], token)
    assert not isinstance(raised.value, BatchStatementError)
    looked = [name for name, _ in client.requests if name == "list_statements"]
    assert looked == (["list_statements"] if token else [])  # no token: nothing to look for


def test_a_refusal_of_another_kind_is_not_looked_into() -> None:
    client = ScriptedClient(batch_execute_statement=[refused("ResourceNotFoundException")])
    with pytest.raises(ExecutionError, match="ResourceNotFoundException"):
        executor_for(client, []).run_batch("s", ["A"], TOKEN)
    assert [name for name, _ in client.requests] == ["batch_execute_statement"]


def test_a_look_up_that_fails_says_so_beside_the_refusal() -> None:
    denied: Any = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
    client = ScriptedClient(
        batch_execute_statement=[refused()], list_statements=[ClientError(denied, "ListStatements")]
    )
    with pytest.raises(ExecutionError) as raised:
        executor_for(client, []).run_batch("s", ["A"], TOKEN)
    text = str(raised.value)
    assert "was already used" in text and "looking for the batch its ClientToken names failed" in text
    assert "redshift-data:ListStatements" in text


def test_named_batch_takes_the_newest_batch_of_exactly_that_name_over_pages() -> None:
    pages = iter(
        [
            {"Statements": [listed("a"), listed("p", name=NAME + "-2", minutes=9)], "NextToken": "n"},
            {"Statements": [listed("b", minutes=5), listed("s", minutes=7, batch=False)]},
        ]
    )
    sent: list[dict[str, Any]] = []

    def list_statements(request: dict[str, Any]) -> dict[str, Any]:
        sent.append(request)
        return next(pages)

    assert named_batch(list_statements, NAME) == "b"
    assert sent[1]["NextToken"] == "n"
    assert named_batch(lambda _: {"Statements": []}, NAME) is None
