"""S3 URI parsing and output paths."""

from __future__ import annotations

import pytest

from glue_elt.errors import ConfigError
from glue_elt.s3 import S3Uri, output_uri


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
