"""Secrets without a password: temporary credentials from the local Redshift API server (real boto3 clients, real
temporary passwords that log in through PgBouncer), host look-ups, renewal before expiry and after a refusal, and
the errors a row reports when a call is denied or cannot be made.

The stand-in names IAM identities as Redshift does: ``GetClusterCredentials(DbUser=u)`` logs in as ``IAM:u`` acting as
``u``; the identity variants use the caller (moto's default keys are IAM user ``moto``: ``IAM:moto``; the role that
``--assume_role_arn`` names: ``IAMR:<role>``). Those users start with PUBLIC's rights only, so tests that load tables
with them first grant them the migration user's role, as an administrator would (``GRANT ROLE`` on Redshift).
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from glue_elt import RedshiftCrossAccountDataMigration, RedshiftExecutor, RowStatus
from glue_elt.aws.clients import AwsClients, assumed_role_clients
from glue_elt.errors import ExecutionError, SecretError, UnreachableError
from glue_elt.redshift.auth.secrets import SecretStore
from glue_elt.redshift.auth.temporary import REFRESH_MARGIN, TemporaryCredentials, utc_now
from glue_elt.steps.base import EXIT_ROWS_FAILED, EXIT_UNREACHABLE, exit_code_for
from local_stack import LocalStack, StackEndpoints
from local_stack.aws_api.process import set_faults
from local_stack.endpoints import LOCAL_CLUSTER_ID, LOCAL_WORKGROUP
from tests.conftest import Db

pytestmark = pytest.mark.integration

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
ROLE = "arn:aws:iam::123456789012:role/glue-elt-iam-job"
ROLE_USER = "IAMR:glue-elt-iam-job"
OWN_USER = "IAM:moto"  # moto's identity for the stack's default keys
WHO = "select current_user, session_user"
KINDS = {
    "cluster_user": {"cluster_identifier": LOCAL_CLUSTER_ID, "username": "etl_user"},
    "cluster_iam": {"cluster_identifier": LOCAL_CLUSTER_ID},
    "serverless_iam": {"workgroup_name": LOCAL_WORKGROUP},
}
"""The three ways to connect without a stored password; ``dbname`` and ``ssl`` are added by ``iam_secret``."""
_secrets = iter(range(1, 10_000))


def iam_secret(endpoints: StackEndpoints, **payload: Any) -> str:
    """A new secret holding ``payload`` (plus the stack's database and ``ssl: false``, no host); returns its name."""
    name = f"iam/{next(_secrets)}"
    text = json.dumps({"dbname": endpoints.database, "ssl": False, **payload})
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=text)
    return name


def calls_of(clients: AwsClients, *services: str) -> list[str]:
    """Names of the operations that ``clients``' clients of ``services`` make from now on, in order (botocore's
    own event hooks)."""
    made: list[str] = []
    for service in services:
        client = clients.client(service)
        client.meta.events.register(f"before-call.{client.meta.service_model.service_id.hyphenize()}", _recorder(made))
    return made


def _recorder(made: list[str]) -> Callable[..., None]:
    def record(model: Any, **_: Any) -> None:
        made.append(model.name)

    return record


def who(store: SecretStore, secret: str) -> tuple[str, str]:
    """``(current_user, session_user)`` of a new connection for ``secret``."""
    executor = RedshiftExecutor(store)
    try:
        [(current, session)] = executor.query(secret, WHO)
    finally:
        executor.close()
    return str(current), str(session)


@pytest.fixture(scope="module", autouse=True)
def _no_login_left_behind(stack: LocalStack) -> Iterator[None]:
    """Expire this module's temporary logins at its end: the stand-in hands a still-valid password out again with
    the later expiration, so later tests asking for a shorter lifetime would get this module's 3600 seconds."""
    yield
    set_faults(stack.endpoints.redshift_api_url, expire_credentials="*")


@pytest.fixture
def faults(stack: LocalStack) -> Iterator[str]:
    """The local Redshift API server's fault control; everything is disarmed afterwards."""
    url = stack.endpoints.redshift_api_url
    yield url
    set_faults(url, reset=True)


@pytest.mark.parametrize(
    ("payload", "expected", "calls"),
    [
        (KINDS["cluster_user"], ("etl_user", "IAM:etl_user"), ["DescribeClusters", "GetClusterCredentials"]),
        (KINDS["cluster_iam"], (OWN_USER, OWN_USER), ["DescribeClusters", "GetClusterCredentialsWithIAM"]),
        (KINDS["serverless_iam"], (OWN_USER, OWN_USER), ["GetWorkgroup", "GetCredentials"]),
    ],
    ids=["GetClusterCredentials", "GetClusterCredentialsWithIAM", "GetCredentials"],
)
def test_each_iam_way_logs_in_as_the_user_redshift_names(
    endpoints: StackEndpoints,
    caplog: pytest.LogCaptureFixture,
    payload: dict[str, Any],
    expected: tuple[str, str],
    calls: list[str],
) -> None:
    secret = iam_secret(endpoints, **payload)
    store = SecretStore()
    made = calls_of(store.clients, "redshift", "redshift-serverless")
    assert who(store, secret) == expected
    assert who(store, secret) == expected  # a second connection: the login and the address are reused
    assert made == calls
    credentials = store.get(secret)
    assert (credentials.host, credentials.port) == (endpoints.host, endpoints.front_door_port)  # looked up
    assert credentials.user == expected[1]
    assert credentials.password not in caplog.text and credentials.password not in repr(credentials)
    assert f"secret '{secret}': temporary credentials for {expected[1]} from {calls[1]}, valid until " in caplog.text


def test_one_call_per_secret_and_one_look_up_per_cluster(endpoints: StackEndpoints) -> None:
    first, second = iam_secret(endpoints, **KINDS["cluster_user"]), iam_secret(endpoints, **KINDS["cluster_iam"])
    store = SecretStore()
    made = calls_of(store.clients, "redshift")
    executor = RedshiftExecutor(store, max_connections_per_secret=4)
    try:
        for _ in range(3):
            executor.query(first, "select 1")
            executor.query(second, "select 1")
    finally:
        executor.close()
    assert sorted(made) == ["DescribeClusters", "GetClusterCredentials", "GetClusterCredentialsWithIAM"]


def test_auto_create_and_db_groups(stack: LocalStack, endpoints: StackEndpoints) -> None:
    stack.run_as_admin("CREATE ROLE iam_it_readers NOLOGIN")
    secret = iam_secret(
        endpoints,
        cluster_identifier=LOCAL_CLUSTER_ID,
        username="iam_it_new_user",
        auto_create=True,
        db_groups=["iam_it_readers"],
    )
    store = SecretStore()
    assert who(store, secret) == ("iam_it_new_user", "IAMA:iam_it_new_user")
    executor = RedshiftExecutor(store)
    try:
        [(member,)] = executor.query(secret, "select pg_has_role('iam_it_new_user', 'iam_it_readers', 'member')")
    finally:
        executor.close()
    assert member is True


@pytest.mark.parametrize("where", ["cluster_identifier", "workgroup_name"])
def test_a_password_secret_may_name_its_cluster_or_workgroup_instead_of_a_host(
    endpoints: StackEndpoints, where: str
) -> None:
    secret = iam_secret(
        endpoints, **{where: LOCAL_CLUSTER_ID}, username=endpoints.etl_user, password=endpoints.etl_password
    )
    assert who(SecretStore(), secret) == ("etl_user", "etl_user")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_step_loads_through_each_iam_way(
    db: Db, schemas: tuple[str, str], endpoints: StackEndpoints, put_config: Callable[[str, str], str], kind: str
) -> None:
    """The identity variants run as the role ``--assume_role_arn`` names: it reads the secret and asks for the
    credentials, so its database user (``IAMR:glue-elt-iam-job``) is the one that loads."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int, v text)", f"INSERT INTO {source}.t VALUES (1, 'a'), (2, 'b')")
    db.as_etl(f"CREATE TABLE {target}.t1 (id int, v text)", f"CREATE TABLE {target}.t2 (id int, v text)")
    db.as_etl(f"INSERT INTO {target}.t2 VALUES (9, 'stale')")
    secret = iam_secret(endpoints, **KINDS[kind])
    args: dict[str, object] = {"state_table": f"{target}.run_state"}  # a state table of this test's own
    if kind != "cluster_user":
        args["assume_role_arn"] = ROLE
        assert SecretStore(clients=assumed_role_clients(ROLE)).get(secret).user == ROLE_USER  # the user exists now
        db.admin(f'GRANT etl_user TO "{ROLE_USER}"')
    lines = [
        f"shared_db.{source}.t###{target}.t1#{secret}#append",
        f"shared_db.{source}.t###{target}.t2#{secret}#overwrite",
    ]
    args["config_path"] = put_config(f"{target}/iam.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    step = RedshiftCrossAccountDataMigration(args)
    try:
        result = step.run()
        assert result.ok, [outcome.error for outcome in result.outcomes]
        assert db.rows(f"SELECT id FROM {target}.t2 ORDER BY id") == [(1,), (2,)]
        assert db.count(f"{target}.t1") == 2
        [(_, session)] = step.executor.query(secret, WHO)
    finally:
        step.close()
    assert session == ("IAM:etl_user" if kind == "cluster_user" else ROLE_USER)


def test_a_password_refused_before_its_expiry_is_asked_for_again_once(
    endpoints: StackEndpoints, faults: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = iam_secret(endpoints, **KINDS["cluster_user"])
    store = SecretStore()
    made = calls_of(store.clients, "redshift")
    assert who(store, secret) == ("etl_user", "IAM:etl_user")
    stale = store.get(secret).password
    assert set_faults(faults, expire_credentials=["IAM:etl_user"])["expired_credentials"] == ["IAM:etl_user"]
    assert who(store, secret) == ("etl_user", "IAM:etl_user")  # a new connection, after one refused log-in
    assert made.count("GetClusterCredentials") == 2
    assert store.get(secret).password != stale
    assert f"secret '{secret}': IAM:etl_user was refused at log-in; asking for new credentials" in caplog.text
    assert stale not in caplog.text


def test_credentials_are_renewed_before_they_expire(
    endpoints: StackEndpoints, faults: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A long run: connections opened later get a login that is not about to expire. The clock is moved, not
    waited for; the stand-in's passwords really expire (here: at once, through its fault control)."""
    secret = iam_secret(endpoints, **KINDS["serverless_iam"])
    clients = AwsClients()
    now = [utc_now()]
    store = SecretStore(clients=clients, temporary=TemporaryCredentials(clients, clock=lambda: now[0]))
    made = calls_of(clients, "redshift-serverless")
    assert who(store, secret) == (OWN_USER, OWN_USER)
    expiration = now[0] + dt.timedelta(seconds=3600)  # the lifetime asked for; the stand-in grants it
    now[0] = expiration - REFRESH_MARGIN - dt.timedelta(seconds=30)
    assert who(store, secret) == (OWN_USER, OWN_USER)
    assert made == ["GetWorkgroup", "GetCredentials"]  # not yet due
    now[0] = expiration - REFRESH_MARGIN + dt.timedelta(seconds=1)
    set_faults(faults, expire_credentials=[OWN_USER])  # the old password no longer works at all
    assert who(store, secret) == (OWN_USER, OWN_USER)
    assert made == ["GetWorkgroup", "GetCredentials", "GetCredentials"]  # renewed before logging in
    assert "refused at log-in" not in caplog.text


@pytest.mark.parametrize(
    ("payload", "denied", "message"),
    [
        (
            {**KINDS["cluster_user"], "host": "127.0.0.1", "port": 1},
            "GetClusterCredentials",
            "GetClusterCredentials for cluster glue-elt-local failed: access denied (AccessDenied): the AWS "
            "credentials in use need redshift:GetClusterCredentials on dbuser:glue-elt-local/etl_user and "
            "dbname:glue-elt-local/shared_db",
        ),
        (
            {**KINDS["cluster_user"], "auto_create": True, "db_groups": "g1,g2"},
            "GetClusterCredentials",
            "need redshift:GetClusterCredentials on dbuser:glue-elt-local/etl_user and dbname:glue-elt-local/"
            "shared_db, redshift:CreateClusterUser on dbuser:glue-elt-local/etl_user (auto_create), "
            "redshift:JoinGroup on dbgroup:glue-elt-local/g1, dbgroup:glue-elt-local/g2 (db_groups)",
        ),
        (
            KINDS["cluster_iam"],
            "GetClusterCredentialsWithIAM",
            "(AccessDenied): the AWS credentials in use need redshift:GetClusterCredentialsWithIAM on "
            "dbname:glue-elt-local/shared_db",
        ),
        (
            KINDS["serverless_iam"],
            "GetCredentials",
            "GetCredentials for workgroup glue-elt-local failed: access denied (AccessDeniedException): the AWS "
            "credentials in use need redshift-serverless:GetCredentials on workgroup glue-elt-local",
        ),
        (
            KINDS["cluster_user"],
            "DescribeClusters",
            "DescribeClusters for cluster glue-elt-local failed: access denied (AccessDenied): the AWS credentials "
            "in use need redshift:DescribeClusters on cluster:glue-elt-local (or 'host' and 'port' in the secret)",
        ),
        (
            KINDS["serverless_iam"],
            "GetWorkgroup",
            "need redshift-serverless:GetWorkgroup on the workgroup (or 'host' and 'port' in the secret)",
        ),
    ],
    ids=["cluster_user", "auto_create_groups", "cluster_iam", "serverless", "describe_clusters", "get_workgroup"],
)
def test_a_denied_call_fails_the_secrets_rows_naming_the_permission(
    endpoints: StackEndpoints,
    put_config: Callable[[str, str], str],
    faults: str,
    caplog: pytest.LogCaptureFixture,
    payload: dict[str, Any],
    denied: str,
    message: str,
) -> None:
    secret = iam_secret(endpoints, **payload)
    set_faults(faults, deny_operations=[denied])
    with pytest.raises(SecretError) as raised:
        SecretStore().get(secret)
    assert str(raised.value).startswith(f"secret '{secret}': ") and message in str(raised.value)
    config = put_config(f"denied/{secret}.csv", f"{HEADER}\nshared_db.x.t###y.t#{secret}#append\n")
    step = RedshiftCrossAccountDataMigration({"config_path": config})
    try:
        result = step.run()
    finally:
        step.close()
    [outcome] = result.outcomes
    assert outcome.status is RowStatus.FAILED and message in (outcome.error or "")
    assert step.exit_code(result) == EXIT_ROWS_FAILED


def test_unknown_cluster_and_missing_database_user(endpoints: StackEndpoints) -> None:
    unknown = iam_secret(endpoints, cluster_identifier="no-such-cluster", username="etl_user", host="h", port=5439)
    with pytest.raises(SecretError) as raised:
        SecretStore().get(unknown)
    assert str(raised.value) == (
        f"secret '{unknown}': GetClusterCredentials for cluster no-such-cluster failed: ClusterNotFound "
        "(Cluster no-such-cluster not found.)"
    )
    # AWS: without AutoCreate, credentials for a user that does not exist are issued, and the log-in fails
    nobody = iam_secret(endpoints, cluster_identifier=LOCAL_CLUSTER_ID, username="iam_it_nobody")
    store = SecretStore()
    made = calls_of(store.clients, "redshift")
    with pytest.raises(ExecutionError, match=r"could not connect to .* as IAM:iam_it_nobody \(secret 'iam/\d+'\)"):
        who(store, nobody)
    assert made.count("GetClusterCredentials") == 2  # asked again once, then the failure is reported


def test_an_unreachable_redshift_api_fails_the_row_with_exit_status_4(
    endpoints: StackEndpoints, put_config: Callable[[str, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = iam_secret(endpoints, **KINDS["cluster_user"], host=endpoints.host, port=endpoints.front_door_port)
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_REDSHIFT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(UnreachableError, match="GetClusterCredentials for cluster glue-elt-local failed") as raised:
        SecretStore().get(secret)
    assert exit_code_for(raised.value) == EXIT_UNREACHABLE
    config = put_config(f"unreachable/{secret}.csv", f"{HEADER}\nshared_db.x.t###y.t#{secret}#append\n")
    step = RedshiftCrossAccountDataMigration({"config_path": config, "max_retries": 0})
    try:
        result = step.run()
    finally:
        step.close()
    assert result.outcomes[0].status is RowStatus.FAILED
    assert step.exit_code(result) == EXIT_UNREACHABLE


def test_the_deny_fault_answers_as_aws_refuses_a_missing_permission(stack: LocalStack, faults: str) -> None:
    """What the denial tests rest on: HTTP 403 with Redshift's Query code ``AccessDenied`` and the JSON services'
    ``AccessDeniedException``, as botocore reads real refusals (brainly/terraform-provider-redshift#46)."""
    set_faults(faults, deny_operations=["GetClusterCredentials", "GetCredentials"])
    redshift, serverless = boto3.client("redshift"), boto3.client("redshift-serverless")
    refusals = [
        lambda: redshift.get_cluster_credentials(DbUser="etl_user", ClusterIdentifier=LOCAL_CLUSTER_ID),
        lambda: serverless.get_credentials(workgroupName=LOCAL_WORKGROUP),
    ]
    for call, code, action in zip(
        refusals,
        ["AccessDenied", "AccessDeniedException"],
        ["redshift:GetClusterCredentials", "redshift-serverless:GetCredentials"],
    ):
        with pytest.raises(ClientError) as refused:
            call()
        error = refused.value.response
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, 403)
        assert f"is not authorized to perform: {action}" in error["Error"]["Message"]
    assert redshift.get_cluster_credentials_with_iam(ClusterIdentifier=LOCAL_CLUSTER_ID)["DbUser"] == OWN_USER
    set_faults(faults, reset=True)
    assert serverless.get_credentials(workgroupName=LOCAL_WORKGROUP)["dbUser"] == OWN_USER
