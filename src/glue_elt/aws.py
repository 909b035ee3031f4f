"""How a failed AWS call is reported: an unreachable endpoint apart from everything else."""

from __future__ import annotations

from glue_elt.errors import GlueELTError, UnreachableError


def call_failure(error: Exception, message: str, otherwise: type[GlueELTError]) -> GlueELTError:
    """For a botocore error: ``UnreachableError`` when the endpoint could not be reached (after boto3's own
    retries), else ``otherwise``; both carry ``message`` and the error's class name."""
    from botocore.exceptions import ConnectionError, HTTPClientError  # botocore loads lazily, as boto3 does

    text = f"{message}: {type(error).__name__}"
    if isinstance(error, (ConnectionError, HTTPClientError)):
        return UnreachableError(f"{text} (the AWS endpoint could not be reached)")
    return otherwise(text)
