"""Temporary credentials: the call per kind of secret, renewal timing (with a clock of the test's own), one call
per secret across threads, and errors (fake clients; the integration tests use the local Redshift API server)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from glue_elt.aws.clients import AwsClients
from glue_elt.core.redaction import redact
from glue_elt.errors import SecretError, UnreachableError
from glue_elt.redshift.auth.spec import ConnectionSpec
from glue_elt.redshift.auth.temporary import (
    DEFAULT_LIFETIME,
    REFRESH_MARGIN,
    TemporaryCredentials,
    TemporaryLogin,
    credential_call,
    permission_needed,
    read_login,
)

T0 = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.timezone.utc)
HOUR = dt.timedelta(hours=1)
CLUSTER_USER = ConnectionSpec("etl", "dev", cluster_identifier="c1", user="etl_user")
CLUSTER_IAM = ConnectionSpec("iam", "dev", cluster_identifier="c1")
SERVERLESS = ConnectionSpec("wg", "dev", workgroup_name="wg1")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


class FakeApi:
    """``redshift`` and ``redshift-serverless`` clients in one: each call answers a new password valid for
    ``lifetime`` from the clock's now, or raises ``error``."""

    def __init__(self, clock: Clock, lifetime: dt.timedelta = HOUR, error: Exception | None = None) -> None:
        self.clock, self.lifetime, self.error = clock, lifetime, error
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.delay = 0.0

    def client(self, service: str) -> FakeApi:
        return self

    def _answer(self, name: str, arguments: dict[str, Any], user: str) -> dict[str, Any]:
        time.sleep(self.delay)
        self.calls.append((name, arguments))
        if self.error is not None:
            raise self.error
        password = f"temporary-password-{len(self.calls)}"
        return {"DbUser": user, "DbPassword": password, "Expiration": self.clock.now + self.lifetime}

    def get_cluster_credentials(self, **arguments: Any) -> dict[str, Any]:
        return self._answer("GetClusterCredentials", arguments, "IAM:" + arguments["DbUser"])

    def get_cluster_credentials_with_iam(self, **arguments: Any) -> dict[str, Any]:
        return self._answer("GetClusterCredentialsWithIAM", arguments, "IAMR:job")

    def get_credentials(self, **arguments: Any) -> dict[str, Any]:
        answer = self._answer("GetCredentials", arguments, "IAMR:job")
        return {"dbUser": answer["DbUser"], "dbPassword": answer["DbPassword"], "expiration": answer["Expiration"]}


def credentials(api: FakeApi, clock: Clock) -> TemporaryCredentials:
    return TemporaryCredentials(cast(AwsClients, api), clock=clock)


def test_renewal_is_due_a_margin_before_expiry_or_at_an_earlier_next_refresh_time() -> None:
    login = TemporaryLogin("IAM:u", "p", issued_at=T0, expiration=T0 + HOUR)
    assert login.renew_at(REFRESH_MARGIN) == T0 + HOUR - dt.timedelta(minutes=5)
    sooner = dt.timedelta(minutes=20)
    assert TemporaryLogin("u", "p", T0, T0 + HOUR, next_refresh=T0 + sooner).renew_at(REFRESH_MARGIN) == T0 + sooner
    later = TemporaryLogin("u", "p", T0, T0 + HOUR, next_refresh=T0 + HOUR)
    assert later.renew_at(REFRESH_MARGIN) == T0 + HOUR - REFRESH_MARGIN
    past = TemporaryLogin("u", "p", T0, T0 + HOUR, next_refresh=T0 - sooner)  # cannot ask for renewal before issue
    assert past.renew_at(REFRESH_MARGIN) == T0 + HOUR - REFRESH_MARGIN
    assert "p'" not in repr(login) and "password" not in repr(login)


def test_a_login_is_reused_until_it_is_due_then_renewed() -> None:
    clock = Clock()
    api = FakeApi(clock)
    store = credentials(api, clock)
    first = store.login(CLUSTER_USER)
    assert (first.user, first.password, first.expiration) == ("IAM:etl_user", "temporary-password-1", T0 + HOUR)
    clock.now = T0 + HOUR - REFRESH_MARGIN - dt.timedelta(seconds=1)
    assert store.login(CLUSTER_USER) is first
    clock.now += dt.timedelta(seconds=1)
    renewed = store.login(CLUSTER_USER)
    assert renewed.password == "temporary-password-2" and renewed.expiration == clock.now + HOUR
    assert [name for name, _ in api.calls] == ["GetClusterCredentials", "GetClusterCredentials"]


def test_short_lifetimes_are_renewed_for_every_login() -> None:
    clock = Clock()
    api = FakeApi(clock, lifetime=dt.timedelta(minutes=4))  # shorter than the margin: never reused
    store = credentials(api, clock)
    assert store.login(CLUSTER_USER).password != store.login(CLUSTER_USER).password
    assert len(api.calls) == 2


def test_each_secret_has_its_own_login_and_discard_forgets_only_a_refused_one() -> None:
    clock = Clock()
    api = FakeApi(clock)
    store = credentials(api, clock)
    user, iam = store.login(CLUSTER_USER), store.login(CLUSTER_IAM)
    assert (user.user, iam.user) == ("IAM:etl_user", "IAMR:job")
    store.discard("etl", "some-older-password")  # another thread already renewed it: nothing to forget
    assert store.login(CLUSTER_USER) is user
    store.discard("etl", user.password)
    assert store.login(CLUSTER_USER).password == "temporary-password-3"
    assert store.login(CLUSTER_IAM) is iam


def test_threads_share_one_call_per_secret() -> None:
    clock = Clock()
    api = FakeApi(clock)
    api.delay = 0.05
    store = credentials(api, clock)
    passwords: list[str] = []
    threads = [threading.Thread(target=lambda: passwords.append(store.login(SERVERLESS).password)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert passwords == ["temporary-password-1"] * 8 and len(api.calls) == 1


def test_the_call_of_each_kind() -> None:
    groups = ConnectionSpec("g", "dev", cluster_identifier="c1", user="u", auto_create=True, db_groups=("a", "b"))
    assert credential_call(groups, 3600).arguments == {
        "ClusterIdentifier": "c1",
        "DbName": "dev",
        "DurationSeconds": 3600,
        "DbUser": "u",
        "AutoCreate": True,
        "DbGroups": ["a", "b"],
    }
    assert "DbGroups" not in credential_call(CLUSTER_USER, 900).arguments
    assert credential_call(CLUSTER_USER, 900).arguments["AutoCreate"] is False
    iam = credential_call(CLUSTER_IAM, 900)
    assert (iam.service, iam.method, iam.arguments) == (
        "redshift",
        "get_cluster_credentials_with_iam",
        {"ClusterIdentifier": "c1", "DbName": "dev", "DurationSeconds": 900},
    )
    serverless = credential_call(SERVERLESS, 900)
    assert (serverless.service, serverless.method, serverless.arguments) == (
        "redshift-serverless",
        "get_credentials",
        {"workgroupName": "wg1", "dbName": "dev", "durationSeconds": 900},
    )
    with pytest.raises(ValueError, match="holds a password"):
        credential_call(ConnectionSpec("p", "dev", host="h", user="u", password="x"), 900)


def test_the_permission_each_kind_needs() -> None:
    assert permission_needed(CLUSTER_USER) == "redshift:GetClusterCredentials on dbuser:c1/etl_user and dbname:c1/dev"
    groups = ConnectionSpec("g", "dev", cluster_identifier="c1", user="u", auto_create=True, db_groups=("a", "b"))
    assert permission_needed(groups) == (
        "redshift:GetClusterCredentials on dbuser:c1/u and dbname:c1/dev, redshift:CreateClusterUser on dbuser:c1/u "
        "(auto_create), redshift:JoinGroup on dbgroup:c1/a, dbgroup:c1/b (db_groups)"
    )
    assert permission_needed(CLUSTER_IAM) == "redshift:GetClusterCredentialsWithIAM on dbname:c1/dev"
    assert permission_needed(SERVERLESS).startswith("redshift-serverless:GetCredentials on workgroup wg1 ")


def test_answers_in_either_case_and_without_an_expiration() -> None:
    camel = read_login({"dbUser": "IAMR:r", "dbPassword": "pw-1234", "nextRefreshTime": T0 + HOUR}, T0)
    assert (camel.user, camel.password, camel.expiration, camel.next_refresh) == (
        "IAMR:r",
        "pw-1234",
        T0 + DEFAULT_LIFETIME,
        T0 + HOUR,
    )
    naive = read_login({"DbUser": "IAM:u", "DbPassword": "pw-1234", "Expiration": dt.datetime(2026, 11, 29, 13)}, T0)
    assert naive.expiration == T0 + HOUR  # botocore's timestamps are aware; a naive one is taken as UTC


def test_the_password_is_masked_and_an_answer_without_one_is_refused() -> None:
    clock = Clock()
    login = credentials(FakeApi(clock), clock).login(CLUSTER_USER)
    assert redact(f"log: {login.password}") == "log: ***"

    class NoPassword(FakeApi):
        def get_cluster_credentials(self, **arguments: Any) -> dict[str, Any]:
            return {"DbUser": "IAM:etl_user", "Expiration": T0 + HOUR}

    with pytest.raises(SecretError, match="GetClusterCredentials answered without a user or password"):
        credentials(NoPassword(clock), clock).login(CLUSTER_USER)


def denial(code: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "User: arn:aws:sts::1:assumed-role/r/s is not authorized"}}, "X"
    )


@pytest.mark.parametrize(
    ("spec", "error", "kind", "message"),
    [
        (
            CLUSTER_USER,
            denial("AccessDenied"),
            SecretError,
            "secret 'etl': GetClusterCredentials for cluster c1 failed: access denied (AccessDenied): the AWS "
            "credentials in use need redshift:GetClusterCredentials on dbuser:c1/etl_user and dbname:c1/dev",
        ),
        (
            SERVERLESS,
            denial("AccessDeniedException"),
            SecretError,
            "secret 'wg': GetCredentials for workgroup wg1 failed: access denied (AccessDeniedException): the AWS "
            "credentials in use need redshift-serverless:GetCredentials on workgroup wg1 (ARN ending "
            "workgroup/<its id>)",
        ),
        (
            CLUSTER_IAM,
            ClientError({"Error": {"Code": "ClusterNotFound", "Message": "Cluster c1 not found."}}, "X"),
            SecretError,
            "secret 'iam': GetClusterCredentialsWithIAM for cluster c1 failed: ClusterNotFound (Cluster c1 not found.)",
        ),
        (
            CLUSTER_IAM,
            EndpointConnectionError(endpoint_url="https://redshift.eu-west-1.amazonaws.com/"),
            UnreachableError,
            "secret 'iam': GetClusterCredentialsWithIAM for cluster c1 failed: EndpointConnectionError (the AWS "
            "endpoint could not be reached)",
        ),
    ],
    ids=["access_denied", "serverless_access_denied", "other_code", "unreachable"],
)
def test_failed_calls(spec: ConnectionSpec, error: Exception, kind: type[Exception], message: str) -> None:
    clock = Clock()
    with pytest.raises(kind) as raised:
        credentials(FakeApi(clock, error=error), clock).login(spec)
    assert type(raised.value) is kind and str(raised.value) == message
