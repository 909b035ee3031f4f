"""parse_connection: the four ways a secret describes its target, and messages that name keys, never values."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from glue_elt.core.redaction import RedactingFilter, redact
from glue_elt.errors import SecretError
from glue_elt.redshift.auth.spec import DEFAULT_PORT, AuthMethod, ConnectionSpec, parse_connection

PASSWORD = "pw-very-secret"
STORED = {"username": "etl", "password": PASSWORD, "host": "h", "port": 5439, "dbname": "dev"}


def parse(**payload: Any) -> ConnectionSpec:
    return parse_connection("name", json.dumps(payload), "arn:aws:secretsmanager:eu-west-1:1:secret:name-AbCdEf")


def test_password_secret() -> None:
    spec = parse(**STORED)
    assert spec.auth is AuthMethod.PASSWORD
    assert (spec.host, spec.port, spec.database, spec.user, spec.password) == ("h", 5439, "dev", "etl", PASSWORD)
    assert spec.ssl is True and spec.secret_arn == "arn:aws:secretsmanager:eu-west-1:1:secret:name-AbCdEf"
    assert spec.endpoint_name == "h:5439"
    assert PASSWORD not in repr(spec)
    assert redact(f"x {PASSWORD} y") == "x *** y"  # registered for masking as soon as it was read


@pytest.mark.parametrize(("value", "sent"), [(73125599, "73125599"), (7312559.5, "7312559.5")])
def test_a_numeric_password_is_masked_as_the_text_the_login_sends(
    value: float, sent: str, caplog: pytest.LogCaptureFixture
) -> None:
    spec = parse(username="etl", password=value, host="h", port=5439, dbname="dev")
    assert spec.password == sent
    assert redact(f'password authentication failed for "etl" with {sent}') == (
        'password authentication failed for "etl" with ***'
    )
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO):
        logging.getLogger("test.connection").info("logging in with %s", value)
    assert sent not in caplog.text and "logging in with ***" in caplog.text


def test_database_and_cluster_keys_have_aws_aliases() -> None:
    spec = parse(dbClusterIdentifier="c1", username="etl", database="other", port="5440", ssl="false")
    assert (spec.auth, spec.cluster_identifier, spec.database, spec.port, spec.ssl) == (
        AuthMethod.CLUSTER_USER,
        "c1",
        "other",
        5440,
        False,
    )


def test_cluster_and_username_is_get_cluster_credentials() -> None:
    spec = parse(cluster_identifier="c1", username="etl", dbname="dev", auto_create="TRUE", db_groups="g1, g2,")
    assert spec.auth is AuthMethod.CLUSTER_USER
    assert (spec.host, spec.port, spec.user, spec.password) == (None, DEFAULT_PORT, "etl", None)
    assert (spec.auto_create, spec.db_groups) == (True, ("g1", "g2"))
    assert spec.endpoint_name == "cluster c1"
    assert parse(cluster_identifier="c1", username="etl", dbname="dev", db_groups=["a", "b"]).db_groups == ("a", "b")


def test_cluster_alone_is_get_cluster_credentials_with_iam() -> None:
    spec = parse(cluster_identifier="c1", dbname="dev")
    assert (spec.auth, spec.user, spec.auto_create, spec.db_groups) == (AuthMethod.CLUSTER_IAM, None, False, ())


def test_workgroup_is_serverless_get_credentials() -> None:
    spec = parse(workgroup_name="wg", dbname="dev", host="wg.example", port=5439)
    assert (spec.auth, spec.host, spec.endpoint_name) == (AuthMethod.SERVERLESS_IAM, "wg.example", "workgroup wg")


@pytest.mark.parametrize("where", [{"cluster_identifier": "c1"}, {"workgroup_name": "wg"}])
def test_a_password_secret_may_name_its_cluster_or_workgroup_instead_of_a_host(where: dict[str, str]) -> None:
    spec = parse(username="etl", password=PASSWORD, dbname="dev", **where)
    assert (spec.auth, spec.host) == (AuthMethod.PASSWORD, None)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "lacks key(s): host, dbname, password (or cluster_identifier / workgroup_name for IAM authentication)"),
        ({"password": PASSWORD, "host": "h", "port": 1, "dbname": "d"}, "lacks key(s): username"),
        ({"username": "u", "password": PASSWORD, "port": 1, "dbname": "d"}, "lacks key(s): host"),
        ({"username": "u", "password": PASSWORD, "host": "h", "dbname": "d"}, "lacks key(s): port"),
        ({"username": "u", "host": "h", "port": 1, "dbname": "d"}, "lacks key(s): password (or cluster_identifier"),
        ({"cluster_identifier": "c"}, "lacks key(s): dbname"),
        ({"cluster_identifier": "c", "workgroup_name": "w", "dbname": "d"}, "names both a cluster_identifier and a"),
        ({"workgroup_name": "w", "username": "u", "dbname": "d"}, "has a 'username' but no 'password' for workgroup w"),
        ({**STORED, "host": ["h"]}, "has a 'host' that is not text"),
        ({**STORED, "port": "x"}, "has a non-numeric 'port'"),
        ({**STORED, "ssl": "maybe"}, "has an 'ssl' value that is not true or false"),
        ({"cluster_identifier": "c", "dbname": "d", "auto_create": 1}, "has an 'auto_create' value that is not"),
        ({"cluster_identifier": "c", "dbname": "d", "db_groups": [1]}, "has 'db_groups' that are not a list of"),
    ],
)
def test_unusable_secrets_name_the_key(payload: dict[str, Any], message: str) -> None:
    with pytest.raises(SecretError) as raised:
        parse(**payload)
    assert str(raised.value).startswith("secret 'name' ") and message in str(raised.value)
    assert PASSWORD not in str(raised.value)


@pytest.mark.parametrize(("text", "message"), [("not json", "is not valid JSON"), ("[1]", "is not a JSON object")])
def test_not_a_json_object(text: str, message: str) -> None:
    with pytest.raises(SecretError, match=message):
        parse_connection("name", text)
