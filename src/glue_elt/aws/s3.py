"""Small S3 helpers: parse ``s3://`` URIs and output paths, read an object, write a JSON document, delete one.

boto3 is imported lazily and configured the standard way (region, ``AWS_ENDPOINT_URL``, profiles).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from glue_elt.aws.clients import AwsClients
from glue_elt.aws.errors import refusal, s3_failure
from glue_elt.errors import ConfigError, OutputError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class S3Uri:
    """A bucket and key parsed from ``s3://bucket/key``."""

    bucket: str
    key: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @classmethod
    def parse(cls, uri: str, *, what: str = "path") -> S3Uri:
        """Parse ``uri``; raise ``ConfigError`` naming ``what`` when it is not ``s3://bucket/key``."""
        if not uri.startswith("s3://"):
            raise ConfigError(f"{what} must be an s3://bucket/key URI, got {uri!r}")
        bucket, _, key = uri[len("s3://") :].partition("/")
        if not bucket or not key:
            raise ConfigError(f"{what} must name a bucket and a key, got {uri!r}")
        return cls(bucket, key)


def output_uri(path: str, run_id: str, filename: str, *, what: str) -> S3Uri:
    """``<path><run_id>/<filename>`` when ``path`` ends in ``/`` (a prefix), else ``path`` itself, which must end in
    ``.json`` (any case): the step reads a ``--config_path`` as JSON by that ending alone, so an error file under
    another key could not be re-run, and a key without ``/`` is far more often a prefix missing its ``/`` than one
    key meant for every run. ``ConfigError`` otherwise."""
    if path.endswith("/"):
        if not path.startswith("s3://") or path[len("s3://") :].startswith("/") or path == "s3://":
            raise ConfigError(f"{what} must be an s3://bucket/key URI or an s3://bucket/prefix/, got {path!r}")
        return S3Uri.parse(f"{path}{run_id}/{filename}", what=what)
    uri = S3Uri.parse(path, what=what)
    if not uri.key.lower().endswith(".json"):
        raise ConfigError(
            f"{what} must end with '/' (a prefix: each run id gets its own <prefix><run id>/{filename}) or with "
            f"'.json' (one key for every run), got {path!r}"
        )
    return uri


logger = logging.getLogger(__name__)


class S3Store:
    """Reads and writes S3 objects with one lazily created client (of ``clients``, the default session's when
    ``None``)."""

    def __init__(self, client: S3Client | None = None, clients: AwsClients | None = None) -> None:
        self._client = client
        self._clients = clients

    def read_bytes(self, uri: S3Uri, *, what: str) -> bytes:
        """The raw bytes of ``uri``; ``ConfigError`` naming ``what`` when it cannot be read (``UnreachableError``
        when S3 could not be reached)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._s3().get_object(Bucket=uri.bucket, Key=uri.key)
            return response["Body"].read()
        except (BotoCoreError, ClientError) as error:
            raise s3_failure(error, f"{what} {uri} could not be read", ConfigError) from None

    def read_if_present(self, uri: S3Uri, *, what: str) -> bytes | None:
        """The raw bytes of ``uri``, ``None`` when S3 says it does not exist (``NoSuchKey``, 404); else ``OutputError``
        naming ``what`` (``UnreachableError`` when S3 could not be reached). S3 answers a caller without
        ``s3:ListBucket`` 403 (``AccessDenied``) for a missing key as for a forbidden one
        (AmazonS3/latest/API/API_GetObject.html), so that too is an ``OutputError``."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._s3().get_object(Bucket=uri.bucket, Key=uri.key)
            return response["Body"].read()
        except (BotoCoreError, ClientError) as error:
            if refusal(error)[0] in ("NoSuchKey", "404"):
                return None
            raise s3_failure(error, f"{what} {uri} could not be read", OutputError) from None

    def delete(self, uri: S3Uri, *, what: str) -> None:
        """Delete ``uri``; ``OutputError`` naming ``what`` on failure. "If you delete an object that does not exist,
        Amazon S3 will return a success" (AmazonS3/latest/dev/SOAPDeleteObject.html), so a missing key is no failure;
        in a versioned bucket the delete adds a delete marker and the old version stays (API_DeleteObject.html)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._s3().delete_object(Bucket=uri.bucket, Key=uri.key)
        except (BotoCoreError, ClientError) as error:
            raise s3_failure(error, f"{what} {uri} could not be removed", OutputError) from None

    def write_json(self, uri: S3Uri, document: Any, *, what: str) -> None:
        """Write ``document`` as UTF-8 JSON to ``uri``; ``OutputError`` naming ``what`` on failure."""
        from botocore.exceptions import BotoCoreError, ClientError

        body = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
        try:
            self._s3().put_object(Bucket=uri.bucket, Key=uri.key, Body=body, ContentType="application/json")
        except (BotoCoreError, ClientError) as error:
            raise s3_failure(error, f"{what} {uri} could not be written", OutputError) from None

    def publish(self, uri: S3Uri, document: Any, *, what: str) -> str | None:
        """Write ``document`` like ``write_json``, but report a failure instead of raising: the error's message
        (logged), or ``None`` when written. For a run's documents, which must not undo what the run did."""
        try:
            self.write_json(uri, document, what=what)
        except OutputError as error:
            logger.error("%s", error)
            return str(error)
        logger.info("wrote the %s to %s", what, uri)
        return None

    def _s3(self) -> S3Client:
        if self._client is None:
            self._client = (self._clients or AwsClients()).client("s3")
        return self._client
