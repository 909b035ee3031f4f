"""deploy/glue-elt-job.yaml: cfn-lint finds nothing (offline), the job is a Python shell 3.9 job, its role
grants no more than the step uses, and the deploy commands of docs/glue-job.md fit the template."""

from __future__ import annotations

import json
import re
import shlex
import socket
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file
from cfnlint.decode import decode

from glue_elt.steps.shared_params import metrics_namespace

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "glue-elt-job.yaml"
GLUE_JOB_PAGE = ROOT / "docs" / "glue-job.md"
NO_VALUE = {"Ref": "AWS::NoValue"}
LINT_REGIONS = ["us-east-1", "eu-west-1"]


def read_template(path: Path) -> dict[str, Any]:
    """A template as CloudFormation reads it (cfn-lint's decoder understands !Ref, !Sub, ...)."""
    loaded, problems = decode(str(path))
    assert not problems, [str(problem) for problem in problems]
    assert loaded is not None
    return dict(loaded)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    """The job's template."""
    return read_template(TEMPLATE)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test: the linter must work offline."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def lint(path: Path) -> list[str]:
    return [str(match) for match in lint_file(path, ManualArgs(regions=LINT_REGIONS))]


@pytest.mark.usefixtures("no_network")
def test_cfn_lint_reports_no_error_or_warning_offline() -> None:
    assert lint(TEMPLATE) == []


@pytest.mark.usefixtures("no_network")
def test_cfn_lint_does_check_the_template(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE.read_text(encoding="utf-8").replace('PythonVersion: "3.9"', 'PythonVersion: "3.10"'))
    problems = lint(broken)
    assert any("3.10" in problem for problem in problems), problems


def job(template: dict[str, Any]) -> dict[str, Any]:
    resource = template["Resources"]["MigrationJob"]
    assert resource["Type"] == "AWS::Glue::Job"
    properties: dict[str, Any] = resource["Properties"]
    return properties


def test_the_job_is_a_python_shell_39_job(template: dict[str, Any]) -> None:
    properties = job(template)
    assert properties["Command"] == {
        "Name": "pythonshell",
        "PythonVersion": "3.9",
        "ScriptLocation": {"Ref": "ScriptS3Uri"},
    }
    assert "GlueVersion" not in properties  # does not apply to Python shell jobs
    assert properties["MaxCapacity"] == {"Ref": "MaxCapacity"}
    capacity = template["Parameters"]["MaxCapacity"]
    assert capacity["Default"] == 0.0625
    assert sorted(capacity["AllowedValues"]) == [0.0625, 1]
    assert properties["Connections"] == {"Connections": [{"Ref": "ConnectionName"}]}
    assert properties["Role"] == {"Fn::GetAtt": ["JobRole", "Arn"]}


def test_the_wheel_and_its_dependencies_reach_the_job(template: dict[str, Any]) -> None:
    arguments = job(template)["DefaultArguments"]
    assert arguments["--extra-py-files"] == {"Ref": "WheelS3Uri"}
    assert arguments["--additional-python-modules"] == {"Ref": "DependencyModules"}
    # Python shell cannot take an S3 wheel in --additional-python-modules, so the dependencies are listed
    # there by name: they must be the wheel's own.
    declared = [
        requirement.replace(" ", "")
        for requirement in metadata.requires("glue-elt") or []
        if "extra ==" not in requirement
    ]
    assert template["Parameters"]["DependencyModules"]["Default"].split(",") == declared


def test_output_arguments_come_from_the_prefixes_the_role_may_write(template: dict[str, Any]) -> None:
    arguments = job(template)["DefaultArguments"]
    assert arguments["--error_output_path"] == {"Fn::Sub": "s3://${OutputBucket}/${ErrorPrefix}"}
    assert arguments["--summary_output_path"] == {"Fn::Sub": "s3://${OutputBucket}/${SummaryPrefix}"}
    assert arguments["--config_path"]["Fn::If"][0] == "HasDefaultConfig"
    assert arguments["--assume_role_arn"] == {"Fn::If": ["HasAssumeRole", {"Ref": "AssumeRoleArn"}, NO_VALUE]}


def statements(template: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    """The job role's policy statements, each with the condition it depends on (None: always there)."""
    found: list[tuple[str | None, dict[str, Any]]] = []
    for policy in template["Resources"]["JobRole"]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            if "Fn::If" in statement:
                condition, when_true, when_false = statement["Fn::If"]
                assert when_false == NO_VALUE
                found.append((condition, when_true))
            else:
                found.append((None, statement))
    return found


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def resource_text(resource: Any) -> str:
    """A resource as text: literal, ``Fn::Sub`` template, or ``${Param}`` for a ``Ref``."""
    if isinstance(resource, str):
        return resource
    if "Ref" in resource:
        return "${" + resource["Ref"] + "}"
    sub = resource["Fn::Sub"]
    return str(sub[0] if isinstance(sub, list) else sub)


def test_s3_and_secrets_manager_statements_name_their_resources(template: dict[str, Any]) -> None:
    checked = 0
    for _, statement in statements(template):
        actions = as_list(statement["Action"])
        assert not [action for action in actions if "*" in action], statement["Sid"]
        if not [action for action in actions if action.startswith(("s3:", "secretsmanager:"))]:
            continue
        checked += 1
        assert set(actions) <= {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "secretsmanager:GetSecretValue"}
        for resource in as_list(statement["Resource"]):
            text = resource_text(resource)
            assert text != "*", statement["Sid"]
            if actions[0].startswith("s3:"):  # a bucket from a parameter, never "arn:...:s3:::*"
                assert re.match(r"^arn:\$\{AWS::Partition\}:s3:::\$\{\w+\}", text), text
            else:
                assert text == "${SecretArns}"
    assert checked == 5
    secret_pattern = template["Parameters"]["SecretArns"]["AllowedPattern"]
    assert re.fullmatch(secret_pattern, "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rs-AbCdEf")
    assert re.fullmatch(secret_pattern, "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rs-??????")
    assert not re.fullmatch(secret_pattern, "arn:aws:secretsmanager:eu-west-1:111122223333:secret:*")


DATA_API_OWN = {"redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "redshift-data:CancelStatement"}


def test_only_network_interface_actions_have_no_resource_to_name(template: dict[str, Any]) -> None:
    """...the Data API's reads and cancels of the role's own statements, which take no resource but the owner
    condition; ListStatements, which takes neither (it lists the caller's role's statements alone); and
    PutMetricData, which takes none but the namespace condition."""
    for _, statement in statements(template):
        if "*" in as_list(statement["Resource"]):
            actions = set(as_list(statement["Action"]))
            if actions == DATA_API_OWN:
                owner = statement["Condition"]["StringEquals"]["redshift-data:statement-owner-iam-userid"]
                assert owner == "${aws:userid}"
                continue
            if actions == {"redshift-data:ListStatements"}:
                assert "Condition" not in statement
                continue
            if actions == {"cloudwatch:PutMetricData"}:
                assert statement["Condition"] == {"StringEquals": {"cloudwatch:namespace": {"Ref": "MetricsNamespace"}}}
                continue
            assert all(action.startswith("ec2:") for action in actions), statement["Sid"]


def test_metrics_go_to_the_one_namespace_the_role_may_publish_to(template: dict[str, Any]) -> None:
    found = [
        (c, st) for c, st in statements(template) if any(a.startswith("cloudwatch:") for a in as_list(st["Action"]))
    ]
    assert [(condition, statement["Sid"], statement["Action"]) for condition, statement in found] == [
        ("HasMetricsNamespace", "PublishRunMetrics", "cloudwatch:PutMetricData")
    ]
    parameter = template["Parameters"]["MetricsNamespace"]
    assert parameter["Default"] == "glue-elt"
    assert template["Conditions"]["HasMetricsNamespace"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "MetricsNamespace"}, ""]}]
    }
    assert job(template)["DefaultArguments"]["--metrics_namespace"] == {
        "Fn::If": ["HasMetricsNamespace", {"Ref": "MetricsNamespace"}, NO_VALUE]
    }
    pattern = parameter["AllowedPattern"]
    for allowed in ("glue-elt", "", "Team/ETL #1: x", "AWS", "AWSx", "A", "n" * 255):
        assert re.fullmatch(pattern, allowed), allowed
        if allowed:
            assert metrics_namespace("metrics_namespace", allowed) == allowed  # the step takes it as given
    for refused in ("AWS/Glue", ":x", " x", "caf\u00e9", "n" * 256):
        assert not re.fullmatch(pattern, refused), refused


def test_data_api_statements_only_with_executor_data_api(template: dict[str, Any]) -> None:
    found = {
        statement["Sid"]: (condition, statement["Resource"])
        for condition, statement in statements(template)
        if any(action.startswith("redshift-data:") for action in as_list(statement["Action"]))
    }
    assert found == {
        "DataApiStatementsOnClusters": ("DataApiOnClusters", {"Ref": "RedshiftClusterArns"}),
        "DataApiStatementsOnWorkgroups": ("DataApiOnWorkgroups", {"Ref": "ServerlessWorkgroupArns"}),
        "DataApiOwnStatements": ("UsesDataApi", "*"),
        "DataApiListOwnStatements": ("UsesDataApi", "*"),
    }
    assert template["Conditions"]["UsesDataApi"] == {"Fn::Equals": [{"Ref": "Executor"}, "data_api"]}
    parameter = template["Parameters"]["Executor"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("driver", ["driver", "data_api"])
    job = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Glue::Job")
    assert job["Properties"]["DefaultArguments"]["--executor"] == {"Ref": "Executor"}


def test_the_role_may_call_every_data_api_operation_the_executor_calls(template: dict[str, Any]) -> None:
    """Read from the executor's source: a call the policy lacks fails only on a real account (CancelStatement did)."""
    source = (ROOT / "src/glue_elt/redshift/data_api/executor.py").read_text()
    (poll,) = re.findall(r'^POLL = "(\w+)"', source, re.MULTILINE)
    called = set(re.findall(r'self\._call\("(\w+)"', source)) | {poll}
    allowed = {
        action.removeprefix("redshift-data:")
        for condition, statement in statements(template)
        if condition is not None and condition.startswith(("UsesDataApi", "DataApiOn"))
        for action in as_list(statement["Action"])
    }
    assert called >= {"BatchExecuteStatement", "CancelStatement", "ListStatements", "DescribeStatement"}
    assert called <= allowed, called - allowed


def test_assume_role_is_allowed_only_when_a_role_is_given(template: dict[str, Any]) -> None:
    (assume,) = [(cond, st) for cond, st in statements(template) if "sts:AssumeRole" in as_list(st["Action"])]
    condition, statement = assume
    assert condition == "HasAssumeRole"
    assert statement["Resource"] == {"Ref": "AssumeRoleArn"}
    assert template["Conditions"]["HasAssumeRole"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AssumeRoleArn"}, ""]}]}
    assert template["Parameters"]["AssumeRoleArn"]["Default"] == ""


def test_kms_decrypt_only_for_the_given_key_through_secrets_manager(template: dict[str, Any]) -> None:
    (decrypt,) = [(cond, st) for cond, st in statements(template) if "kms:Decrypt" in as_list(st["Action"])]
    condition, statement = decrypt
    assert condition == "HasKmsKey"
    assert statement["Resource"] == {"Ref": "SecretsKmsKeyArn"}
    assert statement["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}}
    }


def readme_command(start: str) -> list[str]:
    """The shell command of the CloudFormation section of docs/glue-job.md beginning with ``start`` (continuation lines
    joined), split into words."""
    section = GLUE_JOB_PAGE.read_text(encoding="utf-8").split("## Deploying with CloudFormation\n", 1)[1]
    text = section.split("\n#", 1)[0].replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if line.strip().startswith(start)]
    return shlex.split(line.split("  #")[0])


def test_readme_deploy_command_fits_the_template(template: dict[str, Any]) -> None:
    words = readme_command("aws cloudformation deploy")
    assert words[words.index("--template-file") + 1] == "deploy/glue-elt-job.yaml"
    assert words[words.index("--capabilities") + 1] == "CAPABILITY_NAMED_IAM"
    overrides: dict[str, str] = {}
    for word in words[words.index("--parameter-overrides") + 1 :]:
        if word.startswith("--"):
            break
        key, _, value = word.partition("=")
        overrides[key] = value
    parameters = template["Parameters"]
    assert set(overrides) <= set(parameters)
    assert {name for name, spec in parameters.items() if "Default" not in spec} <= set(overrides)
    for name, value in overrides.items():
        spec = parameters[name]
        values = value.split(",") if spec["Type"] == "CommaDelimitedList" else [value]
        for item in values:
            assert re.fullmatch(spec.get("AllowedPattern", ".*"), item), (name, item)


def test_readme_start_job_run_command_names_the_job(template: dict[str, Any]) -> None:
    words = readme_command("aws glue start-job-run")
    assert words[words.index("--job-name") + 1] == template["Parameters"]["JobName"]["Default"]
    arguments = json.loads(words[words.index("--arguments") + 1])
    assert set(arguments) == {"--config_path", "--run_id"}  # --run_id: Glue's retries then skip what committed


REDSHIFT_STATEMENTS = {
    "GetRedshiftClusterCredentials": (
        "HasRedshiftCredentialArns",
        {"redshift:GetClusterCredentials", "redshift:GetClusterCredentialsWithIAM", "redshift:JoinGroup"},
        "RedshiftCredentialArns",
    ),
    "CreateRedshiftClusterUsers": ("AllowsCreateClusterUser", {"redshift:CreateClusterUser"}, "RedshiftCredentialArns"),
    "LookUpRedshiftClusters": ("HasRedshiftClusterArns", {"redshift:DescribeClusters"}, "RedshiftClusterArns"),
    "GetRedshiftServerlessCredentials": (
        "HasServerlessWorkgroupArns",
        {"redshift-serverless:GetCredentials", "redshift-serverless:GetWorkgroup"},
        "ServerlessWorkgroupArns",
    ),
}


def test_redshift_iam_statements_exist_only_for_the_arns_given(template: dict[str, Any]) -> None:
    found = {
        statement["Sid"]: (condition, set(as_list(statement["Action"])), statement["Resource"])
        for condition, statement in statements(template)
        if any(action.startswith(("redshift:", "redshift-serverless:")) for action in as_list(statement["Action"]))
    }
    assert found == {
        sid: (cond, actions, {"Ref": param}) for sid, (cond, actions, param) in REDSHIFT_STATEMENTS.items()
    }
    parameters, conditions = template["Parameters"], template["Conditions"]
    for _, _, param in REDSHIFT_STATEMENTS.values():
        assert (parameters[param]["Type"], parameters[param]["Default"]) == ("CommaDelimitedList", "")
    assert conditions["HasRedshiftClusterArns"] == {
        "Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "RedshiftClusterArns"}]}, ""]}]
    }
    assert conditions["AllowsCreateClusterUser"]["Fn::And"][0] == {"Condition": "HasRedshiftCredentialArns"}
    assert parameters["AllowCreateClusterUser"]["Default"] == "false"


@pytest.mark.parametrize(
    ("param", "good", "bad"),
    [
        (
            "RedshiftCredentialArns",
            [
                "arn:aws:redshift:eu-west-1:111122223333:dbuser:analytics/etl_user",
                "arn:aws:redshift:eu-west-1:111122223333:dbname:analytics/dev",
                "arn:aws:redshift:eu-west-1:111122223333:dbgroup:analytics/etl_readers",
                "",
            ],
            ["*", "arn:aws:redshift:eu-west-1:111122223333:cluster:analytics", "arn:aws:redshift:*:*:dbuser:*"],
        ),
        (
            "RedshiftClusterArns",
            ["arn:aws:redshift:eu-west-1:111122223333:cluster:analytics", ""],
            ["*", "arn:aws:redshift:eu-west-1:111122223333:dbname:analytics/dev"],
        ),
        (
            "ServerlessWorkgroupArns",
            ["arn:aws:redshift-serverless:eu-west-1:111122223333:workgroup/0b6c0f4e-4a1d-4f7e-9d7e-2c3b1a0e9f11", ""],
            ["*", "arn:aws:redshift-serverless:eu-west-1:111122223333:namespace/abc"],
        ),
    ],
)
def test_redshift_arn_parameters_take_only_their_resource_type(
    template: dict[str, Any], param: str, good: list[str], bad: list[str]
) -> None:
    pattern = template["Parameters"][param]["AllowedPattern"]
    assert all(re.fullmatch(pattern, arn) for arn in good)
    assert not any(re.fullmatch(pattern, arn) for arn in bad)


def test_the_role_deletes_error_files_only_and_reads_summaries_back(template: dict[str, Any]) -> None:
    """A run whose rows all committed removes the error file an earlier attempt of its run id left, and a summary keeps
    the earlier runs' summaries of its run id (issue 32, item 4): DeleteObject under ErrorPrefix alone."""
    found: dict[str, list[str]] = {"s3:DeleteObject": [], "s3:GetObject": []}
    for _, statement in statements(template):
        for action in set(as_list(statement["Action"])) & set(found):
            found[action] += [resource_text(resource) for resource in as_list(statement["Resource"])]
    assert found["s3:DeleteObject"] == ["arn:${AWS::Partition}:s3:::${OutputBucket}/${ErrorPrefix}*"]
    assert "arn:${AWS::Partition}:s3:::${OutputBucket}/${SummaryPrefix}*" in found["s3:GetObject"]
