"""A secret that does not exist: the region it was looked for in, and the closest names the caller may list (never a
failure of its own)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

from glue_elt.aws.secret_names import MAX_PAGES, is_arn, region_of, similar_names

ARN = "arn:aws:secretsmanager:eu-west-1:222233334444:secret:redshift-AbCdEf"


def client() -> Any:
    return boto3.client("secretsmanager", region_name="us-east-2", aws_access_key_id="k", aws_secret_access_key="s")


def test_the_region_is_the_arn_s_or_the_client_s() -> None:
    assert is_arn(ARN) and not is_arn("redshift-secret")
    assert region_of(client(), ARN) == "eu-west-1"
    assert region_of(client(), "redshift-secret") == "us-east-2"


def test_the_closest_listed_names_over_pages_are_suggested() -> None:
    secrets = client()
    with Stubber(secrets) as stub:
        stub.add_response("list_secrets", {"SecretList": [{"Name": "Redshift-Secret"}, {"Name": "other"}],
                                           "NextToken": "t"}, {"MaxResults": 100})  # fmt: skip
        stub.add_response("list_secrets", {"SecretList": [{"Name": "redshift-secret-2"}]},
                          {"MaxResults": 100, "NextToken": "t"})  # fmt: skip
        assert similar_names(secrets, "redshift-secrt") == ["Redshift-Secret", "redshift-secret-2"]


def test_listing_denied_suggests_nothing_and_raises_nothing() -> None:
    secrets = client()
    with Stubber(secrets) as stub:
        stub.add_client_error("list_secrets", "AccessDeniedException", http_status_code=400)
        assert similar_names(secrets, "redshift-secrt") == []


def test_an_arn_is_not_looked_for_in_the_caller_s_list_and_listing_stops_after_max_pages() -> None:
    secrets = client()
    with Stubber(secrets) as stub:  # no response queued: a call would fail the test
        assert similar_names(secrets, ARN) == []
        for _ in range(MAX_PAGES):
            stub.add_response("list_secrets", {"SecretList": [{"Name": "a"}], "NextToken": "t"})
        assert similar_names(secrets, "b") == []
        stub.assert_no_pending_responses()
