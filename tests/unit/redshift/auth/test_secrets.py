"""Parsing the Redshift secret format; messages when a secret cannot be read; the credentials each kind gives."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from glue_elt.errors import SecretError, UnreachableError
from glue_elt.redshift.auth.secrets import SecretStore, credentials_from_secret

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


class _DeniedClient:
    """A Secrets Manager client whose ``get_secret_value`` fails with one error code (and counts calls)."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.calls = 0

    def get_secret_value(self, SecretId: str) -> dict[str, str]:  # noqa: N803 (boto3's parameter name)
        self.calls += 1
        # the message of a real denial names the caller; moto's 403 reply puts its whole XML body here
        raise ClientError(
            {"Error": {"Code": self.code, "Message": "User: arn:aws:iam::1:user/u is not authorized"}}, "GetSecretValue"
        )


@pytest.mark.parametrize("code", ["AccessDeniedException", "AccessDenied", "403"])
def test_access_denied_is_said_in_words(code: str) -> None:
    client = _DeniedClient(code)
    store = SecretStore(cast(Any, client))
    expected = (
        f"secret 'etl/redshift' could not be read: access denied ({code}): the AWS credentials in use need "
        "secretsmanager:GetSecretValue on this secret and kms:Decrypt on its KMS key"
    )
    for _ in range(2):  # the failure is cached: one request per secret per run
        with pytest.raises(SecretError) as error:
            store.get("etl/redshift")
        assert str(error.value) == expected
    assert client.calls == 1


def test_other_error_codes_are_kept_as_they_are() -> None:
    with pytest.raises(SecretError) as error:
        SecretStore(cast(Any, _DeniedClient("DecryptionFailure"))).get("nope")
    assert str(error.value) == "secret 'nope' could not be read: DecryptionFailure"


def test_a_secret_that_does_not_exist_is_said_so() -> None:
    with pytest.raises(SecretError) as error:  # a client that can neither say its region nor list: nothing more said
        SecretStore(cast(Any, _DeniedClient("ResourceNotFoundException"))).get("nope")
    assert str(error.value) == "secret 'nope' does not exist (ResourceNotFoundException)"


class _Secrets:
    """Secrets Manager with fixed secrets."""

    def __init__(self, **secrets: dict[str, object]) -> None:
        self.secrets = secrets

    def get_secret_value(self, SecretId: str) -> dict[str, str]:  # noqa: N803 (boto3's parameter name)
        return {"SecretString": json.dumps(self.secrets[SecretId]), "ARN": f"arn:{SecretId}"}


class _Redshift:
    """The ``redshift`` client of one cluster, ``c1``; counts its calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def client(self, service: str) -> _Redshift:
        return self

    def describe_clusters(self, ClusterIdentifier: str) -> dict[str, Any]:  # noqa: N803
        self.calls.append("DescribeClusters")
        return {"Clusters": [{"Endpoint": {"Address": "c1.example", "Port": 5439}}]}

    def get_cluster_credentials(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append("GetClusterCredentials")
        password = f"temporary-{len(self.calls)}-password"
        return {
            "DbUser": f"IAM:{arguments['DbUser']}",
            "DbPassword": password,
            "Expiration": datetime.now(timezone.utc) + timedelta(hours=1),
        }


def test_every_kind_of_secret_gives_the_drivers_credentials() -> None:
    api = _Redshift()
    secrets = _Secrets(
        stored={**BASE},
        named={"username": "etl", "password": "pw-very-secret", "cluster_identifier": "c1", "dbname": "dev"},
        iam={"username": "etl", "cluster_identifier": "c1", "dbname": "dev", "ssl": False},
    )
    store = SecretStore(cast(Any, secrets), clients=cast(Any, api))
    assert store.get("stored") == credentials_from_secret("stored", json.dumps(BASE))
    named = store.get("named")
    assert (named.host, named.port, named.user, named.password) == ("c1.example", 5439, "etl", "pw-very-secret")
    iam = store.get("iam")
    assert (iam.host, iam.user, iam.password, iam.ssl) == ("c1.example", "IAM:etl", "temporary-2-password", False)
    assert api.calls == ["DescribeClusters", "GetClusterCredentials"]
    assert store.discard_temporary("stored", store.get("stored")) is False
    assert store.get("iam") == iam  # reused until it is due for renewal
    assert store.discard_temporary("iam", iam) is True
    assert store.get("iam").password == "temporary-3-password"


class _FlakySecrets(_Secrets):
    """Fixed secrets behind a Secrets Manager that answers ``code`` (HTTP ``status``) to the first call."""

    def __init__(self, code: str, status: int, **secrets: dict[str, object]) -> None:
        super().__init__(**secrets)
        self.refusal = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
        self.calls = 0

    def get_secret_value(self, SecretId: str) -> dict[str, str]:  # noqa: N803 (boto3's parameter name)
        self.calls += 1
        if self.calls == 1:
            raise ClientError(cast(Any, self.refusal), "GetSecretValue")
        return super().get_secret_value(SecretId)


@pytest.mark.parametrize(("code", "status"), [("ThrottlingException", 400), ("InternalServiceError", 500)])
def test_a_transient_refusal_is_not_kept(code: str, status: int) -> None:
    client = _FlakySecrets(code, status, stored={**BASE})
    store = SecretStore(cast(Any, client))
    with pytest.raises(UnreachableError, match=f"secret 'stored' could not be read: {code}"):
        store.get("stored")
    assert store.get("stored").user == "etl"
    assert client.calls == 2
