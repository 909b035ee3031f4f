"""The HTTP server: routes AWS JSON 1.1 and Query requests to the operations, and serves the test-only controls.

Test-only controls of this fake (never used by the product; no AWS service has them):

- ``GET /_local/health``: ``{"ok": true}`` once the server listens.
- ``POST /_local/faults`` with a JSON object, answered with the faults now armed:

  - ``"throttle_next": N``: the next N AWS calls (optionally only those whose operation is in
    ``"throttle_operations": ["ExecuteStatement", ...]``) answer HTTP 400 ``ThrottlingException`` (JSON services) or
    ``Throttling`` (Query), which botocore's retry modes treat as throttling;
  - ``"lose_response_of_next_batch": N``: the next N ``BatchExecuteStatement`` calls run and wait until their
    statements ended (committed or rolled back), then lose the answer: the connection is closed without one
    (``"lose_response_mode": "close"``, the default) or an HTTP 500 ``InternalServerException`` is sent (``"500"``);
    ``"close_running"`` closes the connection at once, while the batch may still be running;
  - ``"expire_credentials": ["IAM:etl_user", ...]`` or ``"*"``: issued temporary passwords stop working now;
  - ``"credential_seconds": S``: temporary passwords issued from now on last S seconds, whatever lifetime the request
    asked for (the real API's least is 900 s, and clients keep asking for what it allows), and really stop working
    then (``null`` or a reset: the lifetime asked for); so a test can outlive its credentials in seconds;
  - ``"expire_client_tokens": true``: every Data API ``ClientToken`` is forgotten now, as after its 8 hours (the
    next request with one runs anew);
  - ``"deny_operations": ["GetClusterCredentials", ...]``: every call of those operations is refused as a missing IAM
    permission is (HTTP 403, ``AccessDenied`` for ``redshift``, ``AccessDeniedException`` for the JSON services), until
    changed or reset (the server evaluates no IAM policies: this is how tests make a permission missing);
  - ``"omit_batch_error": true``: a FAILED batch's ``DescribeStatement`` answer carries its error only in
    ``SubStatements[i].Error``, the top-level ``Error`` left out (an answer shape clients must read);
  - ``"report_aborted_next_batch": N``: the next N batches are reported ``ABORTED`` by ``DescribeStatement`` and
    ``ListStatements`` from the start, while their SQL goes on to its end (commit included), as a report shows the
    service answering for a statement that still ran (aws/aws-sdk-js-v3#3056); with
    ``"aborted_batch_queued_seconds": S`` such a batch's session first waits S seconds, its transaction open and no
    lock taken, as a batch waiting in a WLM queue;
  - ``"reset": true``: disarm everything.
- ``GET /_local/faults``: the faults now armed.
- ``GET /_local/requests``: the API calls the server received (JSON and Query), by operation: in all and in the busiest
  second (``local_stack.aws_api.meter``); ``POST /_local/requests`` starts the count again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local_stack.aws_api.credentials import CredentialBroker
from local_stack.aws_api.data_api import DataApi
from local_stack.aws_api.faults import Faults
from local_stack.aws_api.meter import RequestMeter
from local_stack.aws_api.protocol import (
    ApiError,
    Caller,
    caller_of,
    json_error_body,
    query_error,
    query_params,
    query_response,
)
from local_stack.aws_api.redshift_api import RedshiftApi
from local_stack.endpoints import StackEndpoints
from local_stack.pgbouncer import PgBouncer

log = logging.getLogger(__name__)

JsonOperation = Callable[[dict[str, Any], Caller], dict[str, Any]]
QueryOperation = Callable[[dict[str, str], Caller], dict[str, object]]
LOST_BATCH_WAIT = 120.0


SERVICE_PREFIXES = {"RedshiftData": "redshift-data", "RedshiftServerless": "redshift-serverless"}
"""IAM service prefixes of the JSON services' ``X-Amz-Target`` prefixes."""


def denied(caller: Caller, service: str, operation: str, code: str) -> ApiError:
    """The refusal of a call whose IAM permission is missing (HTTP 403), worded as AWS words it
    (brainly/terraform-provider-redshift#46: ``User: <arn> is not authorized to perform: redshift:...``)."""
    message = f"User: {caller.access_key} is not authorized to perform: {service}:{operation} (deny_operations fault)"
    return ApiError(code, message, status=403)


class App:
    """Everything a request handler needs."""

    def __init__(self, endpoints: StackEndpoints, bouncer: PgBouncer) -> None:
        self.broker = CredentialBroker(endpoints, bouncer)
        self.data_api = DataApi(endpoints, self.broker)
        self.redshift = RedshiftApi(endpoints, self.broker)
        self.faults = Faults()
        self.data_api.on_new_batch = self.faults.mark_batch
        self.meter = RequestMeter()
        d, r = self.data_api, self.redshift
        self.json_operations: dict[str, JsonOperation] = {
            "RedshiftData.ExecuteStatement": d.execute_statement,
            "RedshiftData.BatchExecuteStatement": d.batch_execute_statement,
            "RedshiftData.DescribeStatement": d.describe_statement,
            "RedshiftData.GetStatementResult": d.get_statement_result,
            "RedshiftData.CancelStatement": d.cancel_statement,
            "RedshiftData.ListStatements": d.list_statements,
            "RedshiftServerless.GetCredentials": r.get_credentials,
            "RedshiftServerless.GetWorkgroup": r.get_workgroup,
        }
        self.query_operations: dict[str, QueryOperation] = {
            "GetClusterCredentials": r.get_cluster_credentials,
            "GetClusterCredentialsWithIAM": r.get_cluster_credentials_with_iam,
            "DescribeClusters": r.describe_clusters,
        }

    def control(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """The ``/_local/...`` test controls."""
        if path == "/_local/health":
            return 200, {"ok": True}
        if path == "/_local/requests":
            if method == "POST":
                self.meter.reset()
            return 200, self.meter.report()
        if path != "/_local/faults":
            return 404, {"error": f"no control at {path}"}
        expired: list[str] = []
        if method == "POST":
            changes = json.loads(body or b"{}")
            self.faults.update(changes)
            if "credential_seconds" in changes or changes.get("reset"):
                seconds = changes.get("credential_seconds")
                self.broker.lifetime_seconds = None if seconds is None else int(seconds)
            chosen = changes.get("expire_credentials")
            if chosen is not None:
                expired = self.broker.expire(None if chosen == "*" else list(chosen))
            if changes.get("expire_client_tokens"):
                self.data_api.store.expire_tokens()
        state = {**self.faults.state(), "credential_seconds": self.broker.lifetime_seconds}
        return 200, {**state, "expired_credentials": expired}


class Handler(BaseHTTPRequestHandler):
    """One request; ``server.app`` holds the operations."""

    protocol_version = "HTTP/1.1"
    server: Server

    def do_GET(self) -> None:
        """Controls only."""
        self._send_json(*self.server.app.control("GET", self.path, b""))

    def do_POST(self) -> None:
        """An AWS call (by ``X-Amz-Target`` or form ``Action``) or a control."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        app = self.server.app
        if self.path.startswith("/_local/"):
            try:
                self._send_json(*app.control("POST", self.path, body))
            except (ValueError, TypeError) as error:
                self._send_json(400, {"error": str(error)})
            return
        caller = caller_of(dict(self.headers.items()))
        target = self.headers.get("X-Amz-Target")
        if target is not None:
            self._json_call(target, body, caller)
        else:
            self._query_call(body, caller)

    def _json_call(self, target: str, body: bytes, caller: Caller) -> None:
        app = self.server.app
        try:
            operation = app.json_operations.get(target)
            if operation is None:
                raise ApiError("UnknownOperationException", f"{target} is not served by the local Redshift API server")
            prefix, _, name = target.rpartition(".")
            app.meter.count(name)
            if app.faults.denies(name):
                raise denied(caller, SERVICE_PREFIXES.get(prefix, prefix), name, "AccessDeniedException")
            if app.faults.throttle(name):
                raise ApiError("ThrottlingException", "Rate exceeded")
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise ApiError("SerializationException", "the request body must be a JSON object")
            answer = app.faults.shape(name, operation(request, caller))
            if target == "RedshiftData.BatchExecuteStatement" and (mode := app.faults.lose_batch()) is not None:
                if mode != "close_running":
                    app.data_api.wait_done(str(answer["Id"]), LOST_BATCH_WAIT)
                if mode in ("close", "close_running"):
                    self._drop()
                    return
                raise ApiError("InternalServerException", "the response was lost (test fault)", status=500)
        except ApiError as error:
            self._send_json(error.status, json_error_body(error), "application/x-amz-json-1.1")
            return
        except Exception as error:
            log.exception("%s failed", target)
            failure = ApiError("InternalServerException", f"local server error: {error}", status=500)
            self._send_json(500, json_error_body(failure), "application/x-amz-json-1.1")
            return
        self._send_json(200, answer, "application/x-amz-json-1.1")

    def _query_call(self, body: bytes, caller: Caller) -> None:
        app = self.server.app
        params = query_params(body)
        action = params.get("Action", "")
        try:
            operation = app.query_operations.get(action)
            if operation is None:
                raise ApiError(
                    "InvalidAction", f"{action or 'no Action'} is not served by the local Redshift API server"
                )
            app.meter.count(action)
            if app.faults.denies(action):
                raise denied(caller, "redshift", action, "AccessDenied")
            if app.faults.throttle(action):
                raise ApiError("Throttling", "Rate exceeded")
            text = query_response(action, operation(params, caller))
            status = 200
        except ApiError as error:
            text, status = query_error(error), error.status
        except Exception as error:
            log.exception("%s failed", action)
            text, status = query_error(ApiError("InternalFailure", f"local server error: {error}", status=500)), 500
        self._send(status, text.encode(), "text/xml")

    def _send_json(self, status: int, payload: dict[str, Any], content_type: str = "application/json") -> None:
        self._send(status, json.dumps(payload).encode(), content_type)

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        """Close the connection without an answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        """Requests go to the logger at DEBUG."""
        log.debug("%s %s", self.address_string(), format % args)


class Server(ThreadingHTTPServer):
    """A threading HTTP server carrying the ``App``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        super().__init__(address, Handler)
        self.app = app
