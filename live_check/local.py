"""``make live-check`` without a live configuration: start the local stack (as ``make demo`` does), point the
environment at it, and give the check a secret on it; stop the stack afterwards."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from local_stack.endpoints import LOCAL_CLUSTER_ID
from local_stack.playground import aws_client
from local_stack.stack import LocalStack

SECRET = "glue-elt-live-check/consumer"
"""The migration user's secret on the local stack; it names the local cluster, so the Data API can reach it."""


@contextlib.contextmanager
def local_environment() -> Iterator[dict[str, str]]:
    """A started local stack's environment (boto3 pointed at it, ``GLUE_ELT_LIVE_SECRET`` set), also applied to
    ``os.environ`` while the block runs; the stack is stopped and its files removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="glue-elt-live-check-") as state:
        stack = LocalStack(Path(state))
        saved = dict(os.environ)
        try:
            stack.start()
            env = {**stack.endpoints.aws_env(), "GLUE_ELT_LIVE_SECRET": SECRET}
            os.environ.update(env)
            os.environ.pop("AWS_PROFILE", None)
            secret = stack.endpoints.redshift_secret(dbClusterIdentifier=LOCAL_CLUSTER_ID)
            aws_client(stack, "secretsmanager").create_secret(Name=SECRET, SecretString=secret)
            yield env
        finally:
            os.environ.clear()
            os.environ.update(saved)
            stack.stop(remove_state=True)
