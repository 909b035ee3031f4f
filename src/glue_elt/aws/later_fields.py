"""Sending a request field an AWS API takes but the installed botocore's model does not know yet.

botocore 1.42, the last line for Python 3.9 (AWS Glue's Python shell), has no ``ExecutionMode`` on
``BatchExecuteStatement``; the service takes it (newer botocore models: ``TRANSACTION`` or ``AUTO_COMMIT``). botocore
checks parameters against its model before it writes the request, so such a field is taken out of the parameters
before that check (event ``before-parameter-build``) and written into the request's JSON body once it is serialised
(event ``before-call``): botocore's event system, the extension point boto3 documents ("Extensibility guide").
With a model that knows the field, nothing is changed. Every client ``AwsClients`` makes is set up so.
"""

from __future__ import annotations

import json
from typing import Any

LATER_FIELDS = {"redshift-data.BatchExecuteStatement": ("ExecutionMode",)}
"""By ``<service id>.<operation>``: the fields sent whether or not the client's model knows them."""
_CONTEXT_KEY = "glue_elt_later_fields"


def take_out(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    """``before-parameter-build``: move a field the model lacks from ``params`` into the call's ``context``."""
    known = model.input_shape.members
    fields = LATER_FIELDS.get(f"{model.service_model.service_id.hyphenize()}.{model.name}", ())
    later = {field: params.pop(field) for field in fields if field in params and field not in known}
    if later:
        context[_CONTEXT_KEY] = later


def put_back(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """``before-call``: write the fields ``take_out`` kept into the serialised JSON body."""
    later = context.get(_CONTEXT_KEY)
    if later:
        body = json.loads(params["body"] or b"{}")
        body.update(later)
        params["body"] = json.dumps(body).encode("utf-8")


def send_later_fields(client: Any) -> Any:
    """``client`` (a boto3 client), made to send ``LATER_FIELDS`` whatever its model knows."""
    events = client.meta.events
    for event in LATER_FIELDS:
        events.register(f"before-parameter-build.{event}", take_out, unique_id=f"glue-elt-take-out-{event}")
        events.register(f"before-call.{event}", put_back, unique_id=f"glue-elt-put-back-{event}")
    return client
