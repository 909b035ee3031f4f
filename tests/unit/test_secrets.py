"""Parsing the Redshift secret format."""

from __future__ import annotations

import json

import pytest

from glue_elt.errors import SecretError
from glue_elt.secrets import credentials_from_secret

BASE = {"username": "etl", "password": "pw-very-secret", "host": "h", "port": 5439, "dbname": "dev"}


def test_aws_format() -> None:
    creds = credentials_from_secret("s", json.dumps(BASE))
    assert (creds.host, creds.port, creds.database, creds.user, creds.ssl) == ("h", 5439, "dev", "etl", True)
    assert "pw-very-secret" not in repr(creds)


def test_database_key_and_ssl_flag() -> None:
    payload = {**BASE, "port": "5440", "ssl": False}
    del payload["dbname"]
    payload["database"] = "other"
    creds = credentials_from_secret("s", json.dumps(payload))
    assert (creds.port, creds.database, creds.ssl) == (5440, "other", False)


@pytest.mark.parametrize(
    ("secret_string", "message"),
    [
        ("not json", "secret 'name' is not valid JSON"),
        ("[1, 2]", "is not a JSON object"),
        (json.dumps({k: v for k, v in BASE.items() if k != "host"}), "lacks key\\(s\\): host"),
        (json.dumps({k: v for k, v in BASE.items() if k != "dbname"}), "lacks key\\(s\\): dbname"),
        (json.dumps({**BASE, "port": "x"}), "non-numeric 'port'"),
        (json.dumps({**BASE, "ssl": "maybe"}), "'ssl' value"),
    ],
)
def test_bad_secrets_name_the_problem_not_the_value(secret_string: str, message: str) -> None:
    with pytest.raises(SecretError, match=message) as error:
        credentials_from_secret("name", secret_string)
    assert "pw-very-secret" not in str(error.value)
