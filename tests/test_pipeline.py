"""The docs pipeline (.github/workflows/): actionlint, and the shape every change must keep,
checked on the real files and on copies broken on purpose."""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import workflow_shape

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _load() -> tuple[dict, dict]:
    parsed = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in WORKFLOWS}
    texts = {p.name: p.read_text(encoding="utf-8") for p in WORKFLOWS}
    return parsed, texts


def _actionlint() -> str:
    found = Path(sys.executable).parent / "actionlint"
    return str(found) if found.exists() else shutil.which("actionlint") or "actionlint"


def test_there_are_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"pull-request.yml", "main.yml", "scheduled.yml"}


def test_actionlint_passes_every_workflow() -> None:
    result = subprocess.run([_actionlint(), "-no-color", *map(str, WORKFLOWS)], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    text = (ROOT / ".github/workflows/main.yml").read_text().replace("needs: test\n", "needs: tset\n", 1)
    (broken / "main.yml").write_text(text)
    result = subprocess.run([_actionlint(), "-no-color", str(broken / "main.yml")], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 1 and "tset" in result.stdout


def test_the_pipeline_has_its_shape() -> None:
    parsed, texts = _load()
    assert workflow_shape.problems(parsed, texts) == []


def _mutated(change) -> list[str]:  # type: ignore[no-untyped-def]
    parsed, texts = _load()
    parsed = copy.deepcopy(parsed)
    change(parsed, texts)
    return workflow_shape.problems(parsed, texts)


def _main_job(parsed: dict, name: str) -> dict:
    return parsed["main.yml"]["jobs"][name]


def _drop_needs(parsed: dict, texts: dict) -> None:
    _main_job(parsed, "staging").pop("needs")
    _main_job(parsed, "production")["needs"] = ["staging"]


def _no_approval(parsed: dict, texts: dict) -> None:
    _main_job(parsed, "production")["environment"] = {"name": "staging"}


def _no_environment(parsed: dict, texts: dict) -> None:
    _main_job(parsed, "production").pop("environment")


def _stored_key_in_env(parsed: dict, texts: dict) -> None:
    _main_job(parsed, "production")["env"] = {"AWS_ACCESS_KEY_ID": "${{ secrets.AWS_ACCESS_KEY_ID }}"}


def _stored_key_as_input(parsed: dict, texts: dict) -> None:
    step = next(s for s in _main_job(parsed, "production")["steps"] if "configure-aws" in s.get("uses", ""))
    step["with"] = {"aws-access-key-id": "${{ secrets.DEPLOY_KEY }}", "aws-region": "us-east-1"}


def _stored_key_in_text(parsed: dict, texts: dict) -> None:
    texts["main.yml"] += "\n# export AWS_SECRET_ACCESS_KEY=...\n"


def _tag_not_sha(parsed: dict, texts: dict) -> None:
    _main_job(parsed, "test")["steps"][0]["uses"] = "actions/checkout@v7"


def _no_id_token(parsed: dict, texts: dict) -> None:
    _main_job(parsed, "production")["permissions"] = {"contents": "read"}


def _workflow_wide_id_token(parsed: dict, texts: dict) -> None:
    parsed["main.yml"]["permissions"] = {"contents": "read", "id-token": "write"}


def _scheduled_deploys_main(parsed: dict, texts: dict) -> None:
    for step in parsed["scheduled.yml"]["jobs"]["production"]["steps"]:
        step.get("with", {}).pop("ref", None)


def _no_schedule(parsed: dict, texts: dict) -> None:
    on = parsed["scheduled.yml"].pop(True)
    parsed["scheduled.yml"][True] = {"workflow_dispatch": on.get("workflow_dispatch")}


def _previews_never_removed(parsed: dict, texts: dict) -> None:
    parsed["pull-request.yml"][True]["pull_request"]["types"] = ["opened", "synchronize"]


def _installs_itself(parsed: dict, texts: dict) -> None:
    _main_job(parsed, "test")["steps"].insert(2, {"run": "pip install mkdocs-material"})


def _no_cache(parsed: dict, texts: dict) -> None:
    steps = _main_job(parsed, "staging")["steps"]
    steps[:] = [s for s in steps if "actions/cache@" not in s.get("uses", "")]


def _preview_to_production(parsed: dict, texts: dict) -> None:
    step = next(s for s in parsed["pull-request.yml"]["jobs"]["preview"]["steps"] if s.get("id") == "deploy")
    step["run"] = step["run"].replace("help-staging", "help-production")


def _test_job_skipped(parsed: dict, texts: dict) -> None:
    _main_job(parsed, "test")["steps"] = [s for s in _main_job(parsed, "test")["steps"]
                                          if s.get("run") != "make test"]


@pytest.mark.parametrize("change, expected", [
    (_drop_needs, "deploys without the tests"),
    (_test_job_skipped, "deploys without the tests"),
    (_no_approval, "production without the approval"),
    (_no_environment, "production without the approval"),
    (_stored_key_in_env, "stored AWS key"),
    (_stored_key_as_input, "stored AWS key"),
    (_stored_key_in_text, "stored AWS key"),
    (_tag_not_sha, "not pinned by a 40-hex commit SHA"),
    (_no_id_token, "id-token: write"),
    (_workflow_wide_id_token, "for the whole workflow"),
    (_scheduled_deploys_main, "last approved for production"),
    (_no_schedule, "no scheduled workflow"),
    (_previews_never_removed, "previews are never removed"),
    (_installs_itself, "installs something itself"),
    (_no_cache, "does not cache .venv"),
    (_preview_to_production, "preview goes to a staging target only"),
], ids=lambda v: v.__name__.strip("_") if callable(v) else None)
def test_a_broken_pipeline_fails_the_shape_test(change, expected: str) -> None:  # type: ignore[no-untyped-def]
    found = _mutated(change)
    assert any(expected in p for p in found), found


def test_every_action_is_pinned_with_its_version_named() -> None:
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            if "uses:" in line:
                assert workflow_shape.SHA_PIN.search(line.split("uses:", 1)[1].split("#")[0].strip()), line
                assert "# v" in line, f"{path.name}: name the version pinned: {line.strip()}"


# ------------------------------------------------------------------ infra/pipeline.yaml: the OIDC roles

def _pipeline_template() -> dict:
    from cfnlint.decode import decode

    decoded, matches = decode(str(ROOT / "infra" / "pipeline.yaml"))
    assert not matches, matches
    return decoded


def _statements(role: dict) -> list[dict]:
    return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def test_each_role_trusts_one_repository_and_its_environments_only() -> None:
    resources = _pipeline_template()["Resources"]
    wanted = {"PreviewRole": ["preview"], "DeployRole": ["production", "production-scheduled", "staging"],
              "MonitoringRole": ["monitoring-${Stage}"]}
    for name, environments in wanted.items():
        (trust,) = resources[name]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
        equals = trust["Condition"]["StringEquals"]
        assert equals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
        assert "StringLike" not in trust["Condition"]  # no wildcard subjects
        subjects = str(equals["token.actions.githubusercontent.com:sub"])
        for env in environments:
            assert f"repo:${{GitHubRepository}}:environment:{env}" in subjects
        assert subjects.count("environment:") == len(environments)


def test_the_preview_role_reaches_only_the_previews_prefix() -> None:
    role = _pipeline_template()["Resources"]["PreviewRole"]
    for statement in _statements(role):
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a.endswith("*") for a in actions), actions
        resources = str(statement["Resource"])
        if any(a in actions for a in ("s3:PutObject", "s3:DeleteObject", "s3:GetObject")):
            assert resources.count("/previews/*") == 2 and "}/*" not in resources
        if "s3:ListBucket" in actions:
            assert statement["Condition"]["StringLike"]["s3:prefix"] == ["previews/*"]


def test_the_deploy_role_may_not_touch_previews_and_no_role_has_wildcard_actions() -> None:
    resources = _pipeline_template()["Resources"]
    deny = [s for s in _statements(resources["DeployRole"]) if s["Effect"] == "Deny"]
    assert deny and "previews/*" in str(deny[0]["Resource"])
    for name in ("PreviewRole", "DeployRole", "MonitoringRole"):
        for statement in _statements(resources[name]):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all(":" in a and not a.endswith(":*") and a != "*" for a in actions), (name, actions)
            if statement["Resource"] == "*":
                assert actions == ["cloudwatch:DescribeAlarms"], (name, actions)


def test_the_workflows_use_the_role_variables_the_stack_outputs_name() -> None:
    outputs = _pipeline_template()["Outputs"]
    named = {o["Description"].split()[-1] for o in outputs.values() if "repository variable" in o["Description"]}
    used = {v for p in WORKFLOWS for v in __import__("re").findall(r"vars\.(\w+_ROLE_ARN)", p.read_text())}
    assert used == named


def test_previews_are_served_with_x_robots_tag_noindex() -> None:
    from cfnlint.decode import decode

    hosting, matches = decode(str(ROOT / "infra" / "hosting.yaml"))
    assert not matches
    config = hosting["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    (behavior,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "previews/*"]
    policy = hosting["Resources"][behavior["ResponseHeadersPolicyId"]["Ref"]]["Properties"]["ResponseHeadersPolicyConfig"]
    headers = {h["Header"]: h["Value"] for h in policy["CustomHeadersConfig"]["Items"]}
    assert headers["X-Robots-Tag"].startswith("noindex")
    site = hosting["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert policy["SecurityHeadersConfig"] == site["SecurityHeadersConfig"]
    assert behavior["FunctionAssociations"] == config["DefaultCacheBehavior"]["FunctionAssociations"]
