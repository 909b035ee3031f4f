"""Secrets in another account: read through an assumed role (renewed before it expires), by full ARN, or with the
caller's own ``boto3.Session``."""

from __future__ import annotations

import itertools
import json
import socket
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from glue_elt import RedshiftCrossAccountDataMigration, RowStatus
from glue_elt.aws.clients import assumed_role_clients
from glue_elt.errors import UnreachableError
from glue_elt.steps.base import EXIT_UNREACHABLE, exit_code_for
from local_stack import StackEndpoints
from tests.conftest import Db

HEADER = "source_table#source_columns#source_filter#target_table#secret_name#load_type"
OTHER_ACCOUNT_ROLE = "arn:aws:iam::222233334444:role/glue-elt-secret-reader"
_numbers = itertools.count(1)


def next_name() -> str:
    return f"n{next(_numbers)}"


def other_account_client(service: str) -> Any:
    credentials = boto3.client("sts").assume_role(RoleArn=OTHER_ACCOUNT_ROLE, RoleSessionName="test-setup")[
        "Credentials"
    ]
    return boto3.client(
        service,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def glue_elt_role_sessions(ep: StackEndpoints) -> int:
    with urllib.request.urlopen(f"{ep.moto_url}/moto-api/data.json", timeout=10) as response:  # noqa: S310 (loopback)
        data = json.load(response)
    roles = data.get("sts", {}).get("AssumedRole", [])
    return sum(1 for role in roles if role.get("session_name") == "glue-elt" or "glue-elt" in json.dumps(role))


def test_secret_in_another_account_through_an_assumed_role_and_by_arn(
    db: Db, schemas: tuple[str, str], endpoints: StackEndpoints, put_config: Callable[[str, str], str]
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t VALUES (1), (2)")
    db.as_etl(f"CREATE TABLE {target}.t1 (id int)", f"CREATE TABLE {target}.t2 (id int)")
    name = f"cross/{target}"
    arn = other_account_client("secretsmanager").create_secret(Name=name, SecretString=endpoints.redshift_secret())[
        "ARN"
    ]
    assert ":222233334444:" in arn
    lines = [f"shared_db.{source}.t###{target}.t1#{name}#append", f"shared_db.{source}.t###{target}.t2#{arn}#append"]
    config = put_config(f"{target}/cross.csv", HEADER + "\n" + "\n".join(lines) + "\n")

    step = RedshiftCrossAccountDataMigration({"config_path": config})
    alone = step.run()  # the job's own account does not have the secret by that name
    step.close()
    assert alone.outcomes[0].status is RowStatus.FAILED and "ResourceNotFoundException" in (
        alone.outcomes[0].error or ""
    )

    before = glue_elt_role_sessions(endpoints)
    step = RedshiftCrossAccountDataMigration({"config_path": config, "assume_role_arn": OTHER_ACCOUNT_ROLE})
    result = step.run()
    step.close()
    assert result.ok, [o.error for o in result.outcomes]
    assert (db.count(f"{target}.t1"), db.count(f"{target}.t2")) == (2, 2)
    assert glue_elt_role_sessions(endpoints) - before == 1  # one AssumeRole for the run, not one per row


def test_secret_by_full_arn(
    db: Db, schemas: tuple[str, str], endpoints: StackEndpoints, put_config: Callable[[str, str], str]
) -> None:
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t VALUES (1)")
    db.as_etl(f"CREATE TABLE {target}.t (id int)")
    arn = boto3.client("secretsmanager").create_secret(
        Name=f"arn-test/{target}", SecretString=endpoints.redshift_secret()
    )["ARN"]
    config = put_config(f"{target}/arn.csv", f"{HEADER}\nshared_db.{source}.t###{target}.t#{arn}#append\n")
    step = RedshiftCrossAccountDataMigration({"config_path": config})
    result = step.run()
    step.close()
    assert result.ok and db.count(f"{target}.t") == 1


def test_an_unreachable_sts_stops_the_run_before_anything_with_exit_status_4(
    put_config: Callable[[str, str], str], endpoints: StackEndpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = put_config("cross/none.csv", f"{HEADER}\nshared_db.x.t###y.t#s#append\n")
    with socket.socket() as closed:  # a port nobody listens on: STS is unreachable
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    step = RedshiftCrossAccountDataMigration({"config_path": config, "assume_role_arn": OTHER_ACCOUNT_ROLE})
    with pytest.raises(
        UnreachableError, match=f"could not assume role {OTHER_ACCOUNT_ROLE}: EndpointConnectionError"
    ) as raised:
        step.run()
    step.close()
    assert exit_code_for(raised.value) == EXIT_UNREACHABLE  # not 2: the parameters were fine


def other_account_session() -> boto3.Session:
    """A caller's own ``boto3.Session``: keys of a role in account 222233334444 (moto keeps accounts apart)."""
    keys = boto3.client("sts").assume_role(RoleArn=OTHER_ACCOUNT_ROLE, RoleSessionName="caller")["Credentials"]
    return boto3.Session(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )


def test_assumed_role_credentials_are_renewed_before_they_expire(endpoints: StackEndpoints) -> None:
    """STS's shortest session (900 s) is inside botocore's 15-minute advisory window, so the credentials are due for
    renewal at their first use: AssumeRole is called again, and the call made with the renewed ones works."""
    name = f"renew/{next_name()}"
    other_account_client("secretsmanager").create_secret(Name=name, SecretString="{}")
    before = glue_elt_role_sessions(endpoints)
    clients = assumed_role_clients(OTHER_ACCOUNT_ROLE, duration_seconds=900)
    assert glue_elt_role_sessions(endpoints) - before == 1
    assert clients.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"] == "{}"
    assert glue_elt_role_sessions(endpoints) - before >= 2  # renewed before that call
    identity = clients.client("sts").get_caller_identity()
    assert identity["Account"] == "222233334444" and identity["Arn"].endswith("/glue-elt")


def test_a_callers_boto3_session_makes_every_aws_call(
    db: Db, schemas: tuple[str, str], endpoints: StackEndpoints, put_config: Callable[[str, str], str]
) -> None:
    """``boto3_session=``: the config file, the secret (in the session's account only) and the metrics are read and
    sent with it; with ``--assume_role_arn``, the role is assumed with it."""
    source, target = schemas
    db.admin(f"CREATE TABLE {source}.t (id int)", f"INSERT INTO {source}.t VALUES (1), (2)")
    db.as_etl(f"CREATE TABLE {target}.t (id int)")
    name = f"caller/{target}"
    other_account_client("secretsmanager").create_secret(Name=name, SecretString=endpoints.redshift_secret())
    config = put_config(f"{target}/caller.csv", f"{HEADER}\nshared_db.{source}.t###{target}.t#{name}#append\n")
    session = other_account_session()
    calls: Counter[str] = Counter()
    session.events.register("before-call", lambda model, **_: calls.update([model.name]))

    args = {"config_path": config, "metrics_namespace": "glue-elt-it", "JOB_RUN_ID": f"jr_caller_{target}"}
    step = RedshiftCrossAccountDataMigration(args, boto3_session=session)
    result = step.run()
    step.close()
    assert result.ok and db.count(f"{target}.t") == 2, [o.error for o in result.outcomes]
    assert {"GetObject", "GetSecretValue", "PutMetricData"} <= set(calls), calls

    calls.clear()
    step = RedshiftCrossAccountDataMigration({**args, "assume_role_arn": OTHER_ACCOUNT_ROLE}, boto3_session=session)
    assert step.run().ok
    step.close()
    assert calls["AssumeRole"] == 1 and "GetSecretValue" not in calls  # the secret is read as the role
