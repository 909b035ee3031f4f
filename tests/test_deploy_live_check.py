"""deploy/live-check.yaml: cfn-lint finds nothing (offline); two Redshift Serverless namespaces with managed admin
passwords and two workgroups at the smallest base capacity; its outputs give every variable the live check reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from live_check.settings import VARIABLES
from tests.test_deploy import ROOT, lint, no_network, read_template

TEMPLATE = ROOT / "deploy" / "live-check.yaml"
__all__ = ["no_network"]  # the fixture, used by name below


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return read_template(TEMPLATE)


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in template["Resources"].items() if r["Type"] == kind}


@pytest.mark.usefixtures("no_network")
def test_cfn_lint_reports_nothing_and_does_check_it(tmp_path: Path) -> None:
    assert lint(TEMPLATE) == []
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        TEMPLATE.read_text(encoding="utf-8").replace("ManageAdminPassword: true", "ManageAdminPassword: 7")
    )
    assert lint(broken) != []


def test_two_namespaces_with_managed_admin_passwords_and_two_smallest_workgroups(template: dict[str, Any]) -> None:
    namespaces = of_type(template, "AWS::RedshiftServerless::Namespace")
    workgroups = of_type(template, "AWS::RedshiftServerless::Workgroup")
    assert sorted(namespaces) == ["ConsumerNamespace", "ProducerNamespace"]
    assert all(p["ManageAdminPassword"] is True and "AdminUserPassword" not in p for p in namespaces.values())
    assert sorted(w["NamespaceName"]["Ref"] for w in workgroups.values()) == sorted(namespaces)
    assert all(w["BaseCapacity"] == {"Ref": "BaseCapacity"} for w in workgroups.values())
    capacity = template["Parameters"]["BaseCapacity"]
    assert capacity["Default"] == 8 and min(capacity["AllowedValues"]) == 4


def test_the_outputs_set_every_variable_a_live_setup_needs(template: dict[str, Any]) -> None:
    environment = str(template["Outputs"]["LiveCheckEnvironment"]["Value"])
    needed = [
        name for name in VARIABLES if name not in ("GLUE_ELT_LIVE_SHARE_DATABASE", "GLUE_ELT_LIVE_PRODUCER_SCHEMA")
    ]
    assert [name for name in needed if f"{name}=" not in environment] == []
    assert {"ConsumerWorkgroup", "ProducerWorkgroup", "DatabaseName"} <= set(template["Outputs"])
