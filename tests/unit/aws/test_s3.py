"""S3 URI parsing, output paths, and messages when an object cannot be read or written."""

from __future__ import annotations

from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from glue_elt.aws.s3 import S3Store, S3Uri, output_uri
from glue_elt.errors import ConfigError, OutputError


def test_parse() -> None:
    assert S3Uri.parse("s3://bucket/a/b.csv") == S3Uri("bucket", "a/b.csv")
    assert str(S3Uri("b", "k")) == "s3://b/k"


@pytest.mark.parametrize("uri", ["bucket/key", "s3://bucket", "s3:///key", "https://x/y"])
def test_parse_rejects(uri: str) -> None:
    with pytest.raises(ConfigError, match="--config_path"):
        S3Uri.parse(uri, what="--config_path")


def test_output_uri_key_and_prefix() -> None:
    assert output_uri("s3://b/errors.json", "r1", "f.json", what="x") == S3Uri("b", "errors.json")
    assert output_uri("s3://b/errors/", "r1", "f.json", what="x") == S3Uri("b", "errors/r1/f.json")
    assert output_uri("s3://b/", "r1", "f.json", what="x") == S3Uri("b", "r1/f.json")


@pytest.mark.parametrize("path", ["s3://b/errors", "s3://b/errors.csv", "s3://b/runs/summary", "s3://b/x.json.gz"])
def test_an_output_path_is_a_prefix_or_a_json_key(path: str) -> None:
    """A key without ``/`` and ``.json`` was written as JSON that ``--config_path`` then read as a ``#`` file."""
    with pytest.raises(ConfigError) as raised:
        output_uri(path, "r1", "failed_rows.json", what="--error_output_path")
    assert str(raised.value) == (
        "--error_output_path must end with '/' (a prefix: each run id gets its own <prefix><run id>/failed_rows.json) "
        f"or with '.json' (one key for every run), got {path!r}"
    )
    assert output_uri("s3://b/Errors.JSON", "r1", "f.json", what="x") == S3Uri("b", "Errors.JSON")


class _DeniedS3:
    """An S3 client that refuses every read and write as S3 does (``AccessDenied``, HTTP 403)."""

    def _deny(self, operation: str) -> ClientError:
        return ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, operation)

    def get_object(self, **_: Any) -> Any:
        raise self._deny("GetObject")

    def put_object(self, **_: Any) -> Any:
        raise self._deny("PutObject")

    def delete_object(self, **_: Any) -> Any:
        raise self._deny("DeleteObject")


def test_access_denied_names_the_object() -> None:
    store = S3Store(cast(Any, _DeniedS3()))
    with pytest.raises(ConfigError) as read_error:
        store.read_bytes(S3Uri("b", "config/orders.csv"), what="config file")
    assert (
        str(read_error.value) == "config file s3://b/config/orders.csv could not be read: access denied (AccessDenied)"
    )
    with pytest.raises(OutputError) as write_error:
        store.write_json(S3Uri("b", "errors/r1/failed_rows.json"), [], what="error file")
    assert (
        str(write_error.value)
        == "error file s3://b/errors/r1/failed_rows.json could not be written: access denied (AccessDenied)"
    )


def test_a_denied_delete_or_read_of_an_output_names_the_object() -> None:
    store = S3Store(cast(Any, _DeniedS3()))
    with pytest.raises(OutputError) as deleted:
        store.delete(S3Uri("b", "errors/r1/failed_rows.json"), what="error file")
    assert (
        str(deleted.value)
        == "error file s3://b/errors/r1/failed_rows.json could not be removed: access denied (AccessDenied)"
    )
    with pytest.raises(OutputError) as read:
        store.read_if_present(S3Uri("b", "runs/r1/summary.json"), what="earlier run summary")
    assert (
        str(read.value)
        == "earlier run summary s3://b/runs/r1/summary.json could not be read: access denied (AccessDenied)"
    )
