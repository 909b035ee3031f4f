"""The batch a ``ClientToken`` already names, found when the service refuses the token for other statements.

AWS services answer a client token sent again with other parameters with an error rather than the first
request's result (EC2's ``IdempotentParameterMismatch``, ec2/devguide/ec2-api-idempotency.html; Athena's
"Idempotent parameters do not match"); the Data API's page says only that a repeated request returns the original
statement (mgmt/data-api.html), and the local stand-in answers a ``ValidationException``. A row's batch can differ
between two processes of one run id while the row does not: another ``--query_group`` or
``--statement_timeout_seconds`` (the batch opens with their ``SET`` statements), another ``--state_table``, or a
target whose columns changed in between. Refused, the executor looks the earlier batch up by the
``StatementName`` every batch with a token carries (``batch_name``), with ``ListStatements`` (``Status=ALL``;
``RoleLevel`` true: any session of the caller's IAM role), and takes it as the answer: a batch still running is
awaited (a second batch never runs beside it), a committed one means the row is done, a failed one sends the row
on to its next token. Found nothing, the refusal stands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

NAME_PREFIX = "glue-elt-"
MAX_PAGES = 10
"""``ListStatements`` pages read at most (100 statements each): a name is one token's, so one page is the rule."""

ListStatements = Callable[[dict[str, Any]], Mapping[str, Any]]


def batch_name(client_token: str) -> str:
    """The ``StatementName`` of the batch that ``client_token`` names (at most 500 characters: 73 here)."""
    return NAME_PREFIX + client_token


def named_batch(list_statements: ListStatements, name: str) -> str | None:
    """The id of the newest batch named exactly ``name`` that the caller's role can see, else ``None``."""
    request: dict[str, Any] = {"StatementName": name, "Status": "ALL", "RoleLevel": True, "MaxResults": 100}
    found: list[Mapping[str, Any]] = []
    for _ in range(MAX_PAGES):
        page = list_statements(request)
        statements = page.get("Statements", [])
        found += [s for s in statements if s.get("StatementName") == name and s.get("IsBatchStatement")]
        if not page.get("NextToken"):
            break
        request = {**request, "NextToken": page["NextToken"]}
    if not found:
        return None
    dated = [s for s in found if isinstance(s.get("CreatedAt"), datetime)]
    return str((max(dated, key=lambda s: s["CreatedAt"]) if dated else found[0])["Id"])
