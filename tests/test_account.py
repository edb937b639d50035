"""Docs against the live account: `busdocs alarms apply|check` and `busdocs infra verify|import`,
against a moto server on 127.0.0.1 (one per module), in an account of its own (not AWS's example
account 123456789012, which `busdocs check` refuses as a verified value)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
import yaml

from busdocs.cli import main
from busdocs.data.loader import load_data
from busdocs.data.roundtrip import set_scalars
from busdocs.deploy import commands
from busdocs.deploy.account import Account, AccountError
from tests.conftest import copy_project

ACCOUNT = "210987654321"
ENV = "staging"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def aws(moto_endpoint: str) -> Iterator[SimpleNamespace]:
    """Credentials of a role in account ACCOUNT (moto keeps what they create in that account)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true"}.items():
            mp.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            mp.delenv(name, raising=False)
        creds = boto3.session.Session().client("sts", endpoint_url=moto_endpoint, region_name=REGION).assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/busdocs-verify", RoleSessionName="tests")["Credentials"]
        mp.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
        mp.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
        mp.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])

        def client(service: str, region: str = REGION) -> Any:
            return boto3.session.Session().client(service, endpoint_url=moto_endpoint, region_name=region)

        yield SimpleNamespace(endpoint=moto_endpoint, client=client)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("account") / "project")


def run(project: Path, *argv: str) -> tuple[int, Any]:
    """`busdocs --root project ARGV --format json`: exit code and the parsed JSON output."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(project), *argv, "--format", "json"])
    text = out.getvalue()
    return code, (json.loads(text) if text.strip() else err.getvalue())


def recorded(project: Path, check: str) -> dict[str, Any]:
    return yaml.safe_load((project / "data" / "verification.yml").read_text())["environments"][ENV][check]


# ------------------------------------------------------------------ alarms


def drift_of(result: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(d["alarm"], d["kind"], d["field"]) for d in result["drift"]}


def test_alarms_apply_check_drift_and_converge(aws: SimpleNamespace, project: Path) -> None:
    ep = ("--env", ENV, "--endpoint-url", aws.endpoint)
    names = [a.name for a in load_data(project).monitoring.alarms]
    cloudwatch = aws.client("cloudwatch")

    code, plan = run(project, "alarms", "apply", *ep, "--dry-run")
    assert code == 0 and plan["counts"]["create"] == len(names) and plan["account"] == ACCOUNT
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []  # a dry run changes nothing

    code, applied = run(project, "alarms", "apply", *ep)
    assert code == 0 and applied["counts"]["create"] == len(names)
    live = {a["AlarmName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert sorted(live) == sorted(names)
    rds = live["rds-high-cpu"]
    assert rds["AlarmDescription"].startswith("https://ops.university-bus-tracker.com/runbooks/alarms/rds-high-cpu/")
    assert rds["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": "bus-tracker-staging-db"}]
    assert rds["AlarmActions"] == [f"arn:aws:sns:{REGION}:{ACCOUNT}:bus-tracker-critical"]
    assert live["alb-p95-latency"]["ExtendedStatistic"] == "p95"
    assert {"Key": "managed-by", "Value": "busdocs"} in cloudwatch.list_tags_for_resource(
        ResourceARN=rds["AlarmArn"])["Tags"]

    code, again = run(project, "alarms", "apply", *ep)  # idempotent
    assert code == 0 and again["counts"]["unchanged"] == len(names) and not again["changes"] or all(
        c["action"] == "unchanged" for c in again["changes"])
    code, clean = run(project, "alarms", "check", *ep)
    assert code == 0 and clean["passed"] and clean["drift"] == []
    assert recorded(project, "alarms_check")["passed"] is True
    assert recorded(project, "alarms_check")["endpoint"] == aws.endpoint

    # drift: a rogue alarm, a changed threshold, a missing alarm, a description without the runbook
    cloudwatch.put_metric_alarm(AlarmName="someones-test-alarm", MetricName="CPUUtilization", Namespace="AWS/EC2",
                                Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanThreshold", AlarmDescription="temporary")
    changed = {k: v for k, v in rds.items() if k in (
        "AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "MetricName", "Namespace",
        "Statistic", "Dimensions", "Period", "EvaluationPeriods", "ComparisonOperator", "TreatMissingData")}
    cloudwatch.put_metric_alarm(**changed, Threshold=90.0)
    cloudwatch.delete_alarms(AlarmNames=["high-cpu-usage"])
    alb = live["alb-5xx-errors"]
    cloudwatch.put_metric_alarm(**{**{k: alb[k] for k in changed if k in alb}, "AlarmName": "alb-5xx-errors",
                                   "Threshold": alb["Threshold"], "AlarmDescription": "ALB errors, see the wiki"})

    code, drifted = run(project, "alarms", "check", *ep)
    assert code == 1 and not drifted["passed"]
    assert drift_of(drifted) == {("someones-test-alarm", "no-runbook", ""), ("rds-high-cpu", "differs", "threshold"),
                                 ("high-cpu-usage", "missing", ""), ("alb-5xx-errors", "no-runbook-url", "description")}
    threshold = next(d for d in drifted["drift"] if d["field"] == "threshold")
    assert (threshold["documented"], threshold["live"]) == ("80", "90")
    assert recorded(project, "alarms_check")["passed"] is False
    assert any("someones-test-alarm" in p for p in recorded(project, "alarms_check")["problems"])

    code, text = 0, ""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--root", str(project), "alarms", "check", *ep])
    text = out.getvalue()
    assert code == 1
    for expected in ("missing", "high-cpu-usage", "threshold: documented 80, live 90", "no-runbook-url",
                     "someones-test-alarm: in the account but not in data/monitoring.yml"):
        assert expected in text

    code, plan = run(project, "alarms", "apply", *ep, "--dry-run")
    actions = {c["alarm"]: c["action"] for c in plan["changes"] if c["action"] != "unchanged"}
    assert actions == {"high-cpu-usage": "create", "rds-high-cpu": "update", "alb-5xx-errors": "update"}
    assert {"field": "threshold", "documented": "80", "live": "90"} in next(
        c for c in plan["changes"] if c["alarm"] == "rds-high-cpu")["differences"]

    code, _ = run(project, "alarms", "apply", *ep)
    assert code == 0
    code, after = run(project, "alarms", "check", *ep)  # converged; the rogue alarm is not ours to delete
    assert code == 1 and drift_of(after) == {("someones-test-alarm", "no-runbook", "")}
    assert "someones-test-alarm" in {a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}

    # a managed alarm that is no longer documented is deleted by apply
    rogue = cloudwatch.describe_alarms(AlarmNames=["someones-test-alarm"])["MetricAlarms"][0]
    cloudwatch.tag_resource(ResourceARN=rogue["AlarmArn"], Tags=[{"Key": "managed-by", "Value": "busdocs"}])
    code, plan = run(project, "alarms", "apply", *ep)
    assert code == 0 and [c["alarm"] for c in plan["changes"] if c["action"] == "delete"] == ["someones-test-alarm"]
    code, final = run(project, "alarms", "check", *ep)
    assert code == 0 and final["passed"]


def deny_after(client: Any, operation: str, allowed: int, code: str = "AccessDenied") -> list[int]:
    """Make `client` answer `operation` with an error after `allowed` calls (as AWS would: an HTTP
    error response parsed by botocore, raised as a ClientError from the client's call)."""
    calls = [0]

    def handler(**_: Any) -> Any:
        calls[0] += 1
        if calls[0] <= allowed:
            return None
        status = 400 if code.startswith("Throttl") else 403
        return (SimpleNamespace(status_code=status, headers={}),
                {"Error": {"Code": code, "Message": "User: arn:aws:sts::210987654321:assumed-role/docs/ci is not "
                           f"authorized to perform: {operation}"}, "ResponseMetadata": {"HTTPStatusCode": status}})

    client.meta.events.register(f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}",
                                handler)
    return calls


def test_partial_apply_failure_names_the_call_and_permission_and_a_rerun_converges(aws: SimpleNamespace,
                                                                                   project: Path) -> None:
    cloudwatch = aws.client("cloudwatch")
    gone = ["high-api-error-rate", "redis-high-memory", "backup-failure"]
    run(project, "alarms", "apply", "--env", ENV, "--endpoint-url", aws.endpoint)
    cloudwatch.delete_alarms(AlarmNames=gone)
    account = Account(REGION, aws.endpoint)
    failing = aws.client("cloudwatch")
    deny_after(failing, "PutMetricAlarm", allowed=1)
    account.use("cloudwatch", failing)
    with pytest.raises(AccountError) as caught:
        commands.alarms_apply(project, ENV, aws.endpoint, dry_run=False, fmt="json", account=account)
    message = str(caught.value)
    assert "create redis-high-memory failed: PutMetricAlarm: access denied (AccessDenied)" in message
    assert "the IAM permission cloudwatch:PutMetricAlarm" in message
    assert "applied before it: create high-api-error-rate (1 of 3 changes)" in message
    live = {a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert "high-api-error-rate" in live and "redis-high-memory" not in live
    code, plan = run(project, "alarms", "apply", "--env", ENV, "--endpoint-url", aws.endpoint)
    assert code == 0 and {c["alarm"] for c in plan["changes"] if c["action"] == "create"} == set(gone[1:])
    assert run(project, "alarms", "check", "--env", ENV, "--endpoint-url", aws.endpoint)[0] == 0


def test_throttled_answers_are_retried_with_backoff(aws: SimpleNamespace, project: Path) -> None:
    """botocore's standard retry mode, as configured by `Account`: the first two attempts of a call are
    answered 503 Slow Down (as S3 and CloudWatch throttle), the third reaches the server."""
    from botocore.awsrequest import AWSResponse

    class Empty:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield b""

    account = Account(REGION, aws.endpoint)
    client = account.client("cloudwatch")
    sent = [0]

    def handler(request: Any, **_: Any) -> Any:
        sent[0] += 1
        return AWSResponse(request.url, 503, {}, Empty()) if sent[0] <= 2 else None

    client.meta.events.register("before-send.cloudwatch.DescribeAlarms", handler)
    assert commands.alarms_check(project, ENV, aws.endpoint, fmt="json", account=account) in (0, 1)
    assert sent[0] == 3
    busy = Account(REGION, aws.endpoint, max_attempts=2)  # every attempt refused: the error says so
    busy.client("cloudwatch").meta.events.register("before-send.cloudwatch.DescribeAlarms",
                                                   lambda request, **_: AWSResponse(request.url, 503, {}, Empty()))
    with pytest.raises(AccountError, match="DescribeAlarms: .*after 2 attempts"):
        commands.alarms_check(project, ENV, aws.endpoint, fmt="json", account=busy)


def test_refused_endpoint_unknown_environment_and_other_account(aws: SimpleNamespace, project: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(AccountError, match=f"could not connect to {closed}"):
        commands.alarms_check(project, ENV, closed, fmt="text", account=Account(REGION, closed, max_attempts=1))
    assert main(["--root", str(project), "alarms", "check", "--env", "qa", "--endpoint-url", aws.endpoint]) == 1
    assert "no environment 'qa'" in capsys.readouterr().err
    assert main(["--root", str(project), "infra", "verify", "--env", "qa"]) == 1
    other = project.parent / "other-account"
    if not other.exists():
        copy_project(other)
    set_scalars(other / "data" / "infrastructure.yml", {("environments", ENV, "account", "id"): "109876543210"})
    assert main(["--root", str(other), "alarms", "apply", "--env", ENV, "--endpoint-url", aws.endpoint]) == 1
    err = capsys.readouterr().err
    assert f"these credentials belong to account {ACCOUNT}, but staging is account 109876543210" in err
    assert "Traceback" not in err
