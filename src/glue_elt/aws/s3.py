"""Small S3 helpers: parse ``s3://`` URIs, read an object, write a JSON document.

boto3 is imported lazily and configured the standard way (region, ``AWS_ENDPOINT_URL``, profiles).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from glue_elt.aws.clients import AwsClients
from glue_elt.aws.errors import s3_failure
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
    """``path`` itself, or ``<path><run_id>/<filename>`` when ``path`` ends in ``/`` (a prefix)."""
    if path.endswith("/"):
        if not path.startswith("s3://") or path[len("s3://") :].startswith("/") or path == "s3://":
            raise ConfigError(f"{what} must be an s3://bucket/key URI or an s3://bucket/prefix/, got {path!r}")
        return S3Uri.parse(f"{path}{run_id}/{filename}", what=what)
    return S3Uri.parse(path, what=what)


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
