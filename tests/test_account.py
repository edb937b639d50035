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

        session = Account(REGION, moto_endpoint).session()  # the shared service models: clients made fast

        def client(service: str, region: str = REGION) -> Any:
            return session.client(service, endpoint_url=moto_endpoint, region_name=region)

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
    capsys.readouterr()
    assert main(["--root", str(project), "infra", "import", "--env", ENV, "--endpoint-url", aws.endpoint,
                 "--stack", "no-such-stack"]) == 1
    assert "stack 'no-such-stack' does not exist in this account and region" in capsys.readouterr().err
    other = project.parent / "other-account"
    if not other.exists():
        copy_project(other)
    set_scalars(other / "data" / "infrastructure.yml", {("environments", ENV, "account", "id"): "109876543210"})
    assert main(["--root", str(other), "alarms", "apply", "--env", ENV, "--endpoint-url", aws.endpoint]) == 1
    err = capsys.readouterr().err
    assert f"these credentials belong to account {ACCOUNT}, but staging is account 109876543210" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ infrastructure


def build(aws: SimpleNamespace, project: Path) -> dict[str, str]:
    """Create the documented staging resources in the account, as the staging stack would (the
    bastion's VPN range is a real-looking one, not the documentation range the data holds), and return
    what the stack's outputs would say (keys of data/verification.yml stack_outputs)."""
    infra = load_data(project).infrastructure.get(ENV)
    ec2, out = aws.client("ec2"), {}
    vpc = ec2.create_vpc(CidrBlock=infra.vpc.cidr)["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    out.update(VpcId=vpc, VpcCidr=infra.vpc.cidr, InternetGatewayId=igw)
    subnets = {}
    for subnet in infra.vpc.subnets:
        subnets[subnet.name] = ec2.create_subnet(VpcId=vpc, CidrBlock=subnet.cidr,
                                                 AvailabilityZone=subnet.availability_zone)["Subnet"]["SubnetId"]
        out[{"public-a": "PublicSubnetA", "public-b": "PublicSubnetB", "private-a": "PrivateSubnetA",
             "private-b": "PrivateSubnetB"}[subnet.name]] = subnets[subnet.name]
    groups = {g.name: ec2.create_security_group(GroupName=f"bus-tracker-{ENV}-{g.name}", Description=g.description,
                                                VpcId=vpc)["GroupId"] for g in infra.security_groups}
    for group in infra.security_groups:
        out[f"{group.name.capitalize()}SecurityGroupId"] = groups[group.name]
        for rule in group.ingress:
            source = ({"UserIdGroupPairs": [{"GroupId": groups[rule.source]}]} if rule.source in groups else
                      {"IpRanges": [{"CidrIp": "10.200.0.0/16" if rule.source.startswith("203.0.113.") else rule.source}]})
            ec2.authorize_security_group_ingress(GroupId=groups[group.name], IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": int(rule.port), "ToPort": int(rule.port), **source}])
    db = infra.database
    endpoint = aws.client("rds").create_db_instance(
        DBInstanceIdentifier=db.identifier, DBInstanceClass=db.instance_class, Engine="postgres",
        EngineVersion=db.version, AllocatedStorage=db.storage_gb, MultiAZ=db.multi_az, StorageEncrypted=db.encrypted,
        BackupRetentionPeriod=db.backup_retention_days, MasterUsername="bus_tracker_admin",
        MasterUserPassword="not-a-real-password-1")["DBInstance"]
    out.update(DatabaseIdentifier=db.identifier)
    live_db = aws.client("rds").describe_db_instances(DBInstanceIdentifier=db.identifier)["DBInstances"][0]
    out["DatabaseEndpoint"] = (live_db.get("Endpoint") or endpoint.get("Endpoint") or {})["Address"]
    cache = infra.cache
    group = aws.client("elasticache").create_replication_group(
        ReplicationGroupId=cache.replication_group, ReplicationGroupDescription="staging redis", Engine="redis",
        CacheNodeType=cache.node_type, NumCacheClusters=cache.nodes, MultiAZEnabled=cache.multi_az,
        AutomaticFailoverEnabled=cache.automatic_failover)["ReplicationGroup"]
    out["CacheReplicationGroupId"] = cache.replication_group
    live_cache = aws.client("elasticache").describe_replication_groups(
        ReplicationGroupId=cache.replication_group)["ReplicationGroups"][0]
    out["CacheEndpoint"] = ((live_cache.get("NodeGroups") or group.get("NodeGroups") or [{}])[0]
                            .get("PrimaryEndpoint") or {}).get("Address", "")
    lb = infra.load_balancer
    elbv2 = aws.client("elbv2")
    alb = elbv2.create_load_balancer(Name=lb.name, Subnets=[subnets["public-a"], subnets["public-b"]],
                                     SecurityGroups=[groups["alb"]], Scheme=lb.scheme)["LoadBalancers"][0]
    arn = alb["LoadBalancerArn"]
    out.update(LoadBalancerName=lb.name, LoadBalancerFullName=arn.split(":loadbalancer/")[1],
               LoadBalancerDnsName=alb["DNSName"])
    tgs = [elbv2.create_target_group(Name=t.name, Protocol="HTTP", Port=t.port, VpcId=vpc)["TargetGroups"][0]
           for t in lb.target_groups]
    certificate = aws.client("acm").request_certificate(DomainName=f"*.{ENV}.university-bus-tracker.com")
    elbv2.create_listener(LoadBalancerArn=arn, Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])
    elbv2.create_listener(LoadBalancerArn=arn, Protocol="HTTPS", Port=443,
                          Certificates=[{"CertificateArn": certificate["CertificateArn"]}],
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[0]["TargetGroupArn"]}])
    for tg in tgs[1:]:  # target groups belong to the load balancer through a listener rule
        elbv2.create_rule(ListenerArn=elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"][1]["ListenerArn"],
                          Priority=10 + tgs.index(tg), Conditions=[{"Field": "path-pattern", "Values": [f"/{tg['TargetGroupName']}/*"]}],
                          Actions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
        {"Key": "idle_timeout.timeout_seconds", "Value": str(lb.idle_timeout_seconds)}])
    asg = infra.auto_scaling
    ec2.create_launch_template(LaunchTemplateName="bus-tracker-backend-lt",
                               LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": asg.instance_type})
    aws.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=asg.name, MinSize=asg.min, MaxSize=asg.max, DesiredCapacity=asg.desired,
        LaunchTemplate={"LaunchTemplateName": "bus-tracker-backend-lt"},
        VPCZoneIdentifier=f"{subnets['private-a']},{subnets['private-b']}")
    out["AutoScalingGroupName"] = asg.name
    s3 = aws.client("s3")
    for bucket in infra.buckets:
        s3.create_bucket(Bucket=bucket.name)
        if bucket.versioning:
            s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
    out.update(FilesBucket=infra.bucket("files").name, BackupsBucket=infra.bucket("backups").name,
               LogsBucket=infra.bucket("logs").name)
    cloudfront = aws.client("cloudfront")
    for i, dist in enumerate(infra.distributions):
        origin = f"{dist.origin.split()[0]}.s3.amazonaws.com"
        made = cloudfront.create_distribution(DistributionConfig={
            "CallerReference": dist.id, "Comment": dist.purpose, "Enabled": True,
            "Aliases": {"Quantity": len(dist.aliases), "Items": dist.aliases},
            "WebACLId": f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/{ENV}-{i}/0" if dist.waf else "",
            "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": origin,
                                                  "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https",
                                     "MinTTL": 0, "ForwardedValues": {"QueryString": False,
                                                                      "Cookies": {"Forward": "none"}},
                                     "TrustedSigners": {"Enabled": False, "Quantity": 0}}})["Distribution"]
        out[f"Distribution{i}"] = made["Id"]  # not mapped: written by hand below
    route53 = aws.client("route53")
    zone = route53.create_hosted_zone(Name=infra.dns.zone, CallerReference=ENV)["HostedZone"]["Id"].split("/")[-1]
    out["HostedZoneId"] = zone
    changes = []
    for record in infra.dns.records:
        if record.type == "ALIAS":
            changes.append({"Action": "CREATE", "ResourceRecordSet": {"Name": record.name, "Type": "A", "AliasTarget": {
                "HostedZoneId": "Z2FDTNDATAQYW2", "DNSName": "d111111abcdef8.cloudfront.net",
                "EvaluateTargetHealth": False}}})
        else:
            changes.append({"Action": "CREATE", "ResourceRecordSet": {"Name": record.name, "Type": record.type,
                                                                      "TTL": 300, "ResourceRecords": [{"Value": record.target}]}})
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    secrets = aws.client("secretsmanager")
    for secret in infra.secrets:
        secrets.create_secret(Name=secret.name, SecretString="not-a-real-value")
        if secret.rotation_days:
            secrets.rotate_secret(SecretId=secret.name, RotationRules={"AutomaticallyAfterDays": secret.rotation_days})
    cloudwatch = aws.client("cloudwatch")
    for name in infra.cloudwatch.dashboards.values():
        cloudwatch.put_dashboard(DashboardName=name, DashboardBody='{"widgets": []}')
    aws.client("backup").create_backup_vault(BackupVaultName=infra.cloudwatch.backup_vault)
    out["BackupVaultName"] = infra.cloudwatch.backup_vault
    return out


@pytest.mark.slow  # builds a whole environment in moto: ~40 s on a loaded 2-core machine
def test_infra_verify_import_and_write(aws: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import moto.cloudfront.models as cloudfront_models

    plain = cloudfront_models.random_id  # AWS's distribution ids start with E (the data checks it); moto's do not
    monkeypatch.setattr(cloudfront_models, "random_id", lambda uppercase=True, length=13:
                        "E" + plain(uppercase, length - 1) if uppercase else plain(uppercase, length))
    project = copy_project(tmp_path / "project")
    infra_file = project / "data" / "infrastructure.yml"
    outputs = build(aws, project)
    ep = ("--env", ENV, "--endpoint-url", aws.endpoint)
    code, before = run(project, "infra", "verify", *ep)
    states = {r["resource"]: r["state"] for r in before["resources"]}
    assert code == 1 and not before["passed"]
    assert states["vpc vpc-0e2b6d9a4c1f87352"] == "missing"  # the plan's ids are not the account's
    assert states["database bus-tracker-staging-db"] == "differs"  # found by name; endpoint differs
    assert states["bucket busdocs-help-staging"] == "found" and states["bastion"] == "not-checked"
    assert states["account bus-tracker-staging"] == "differs"  # the account id is recorded by hand
    assert recorded(project, "infra_verify")["passed"] is False

    # the account id and the distribution ids by hand (no stack output names them), then import the rest
    infra = load_data(project).infrastructure.get(ENV)
    set_scalars(infra_file, {("environments", ENV, "account", "id"): ACCOUNT,
                             **{("environments", ENV, "distributions", i, "id"): outputs[f"Distribution{i}"]
                                for i in range(len(infra.distributions))}})
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "stack-marker"}}},
                "Outputs": {k: {"Value": v} for k, v in outputs.items() if not k.startswith("Distribution")}}
    template["Outputs"]["SomethingElse"] = {"Value": "not mapped"}
    aws.client("cloudformation").create_stack(StackName=f"bus-tracker-{ENV}", TemplateBody=json.dumps(template))
    text_before = infra_file.read_text()
    code, imported = run(project, "infra", "import", *ep, "--stack", f"bus-tracker-{ENV}")
    assert isinstance(imported, dict), imported
    states = {r["resource"]: (r["state"], r["details"]) for r in imported["resources"]}
    assert imported["unmapped_outputs"] == ["SomethingElse"]
    assert any(line.startswith(f"vpc.id = {outputs['VpcId']}") for line in imported["imported"])
    # the bastion's ingress is the documentation range in the data, a real range in the account
    assert code == 1 and states["security group bastion"][0] == "differs", states
    assert "ingress 22 from 203.0.113.0/24: documented allowed, live no such rule" in states["security group bastion"][1]
    assert [r for r, (s, _) in states.items() if s not in ("found", "not-checked")] == ["security group bastion"]
    data = load_data(project)  # what was written validates
    env = data.infrastructure.get(ENV)
    assert env.vpc.id == outputs["VpcId"] and env.vpc.status == "verified" and env.database.status == "verified"
    assert env.security_groups[4].status == "unverified" and env.bastion.status == "unverified"
    assert data.infrastructure.get("production").vpc.status == "unverified"  # another environment: untouched
    # comments, order and every other line kept: only values and statuses changed
    old, new = text_before.splitlines(), infra_file.read_text().splitlines()
    assert len(old) == len(new) and [line for line in old if line.lstrip().startswith("#")] == [
        line for line in new if line.lstrip().startswith("#")]
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert changed and all("status: verified" in b or any(str(v) in b for v in outputs.values()) for _, b in changed)

    set_scalars(infra_file, {("environments", ENV, "security_groups", 4, "ingress", 0, "source"): "10.200.0.0/16"})
    code, after = run(project, "infra", "verify", *ep, "--write")
    assert code == 0 and after["passed"] and after["counts"]["missing"] == after["counts"]["differs"] == 0
    run_record = recorded(project, "infra_verify")
    assert run_record["passed"] is True and run_record["account"] == ACCOUNT and run_record["endpoint"] == aws.endpoint
    assert load_data(project).infrastructure.get(ENV).security_groups[4].status == "verified"

    # a permission missing for one service: that resource is an error naming the call and the permission
    account = Account(REGION, aws.endpoint)
    deny_after(account.client("rds"), "DescribeDBInstances", allowed=0)
    code = commands.infra_verify(project, ENV, aws.endpoint, write=False, fmt="json", account=account)
    assert code == 1
    run_record = recorded(project, "infra_verify")
    assert any("database bus-tracker-staging-db: error (DescribeDBInstances: access denied (AccessDenied); the role "
               "needs the IAM permission rds:DescribeDBInstances)" in p for p in run_record["problems"])


# ------------------------------------------------------------------ the launch gate and the pages


def passed_checks(env: str, **change: Any) -> Any:
    """A verification record where both checks passed for `env` against AWS (fields of both runs changed)."""
    from datetime import UTC, datetime

    from busdocs.data.models.verification import CheckRun, EnvironmentChecks, Verification

    run = CheckRun(date=datetime(2026, 12, 1, 9, 30, tzinfo=UTC), passed=True, account=ACCOUNT,
                   counts={"found": 40}).model_copy(update=change)
    return Verification(environments={env: EnvironmentChecks(alarms_check=run, infra_verify=run)})


def test_production_readiness_needs_both_checks_passed_against_aws() -> None:
    from busdocs.content.readiness import gate_status, unchecked_environments

    data = load_data(Path(__file__).resolve().parent.parent)
    assert unchecked_environments(data.verification, ["production"]) == (
        "production: busdocs alarms check has not been run against the account",
        "production: busdocs infra verify has not been run against the account")
    assert unchecked_environments(passed_checks("production"), ["production"]) == ()
    assert unchecked_environments(passed_checks("staging"), ["production"])  # another environment's pass
    failed = unchecked_environments(passed_checks("production", passed=False, problems=["a", "b"]), ["production"])
    assert failed[0] == "production: busdocs alarms check did not pass on 2026-12-01 09:30 UTC (2 problems)"
    local = unchecked_environments(passed_checks("production", endpoint="http://127.0.0.1:5000"), ["production"])
    assert local[1] == "production: busdocs infra verify last passed against http://127.0.0.1:5000, not AWS"
    gate = next(g for g in data.launch.gates if g.id == "production-readiness")
    status = gate_status(data.launch, gate, data.infrastructure, data.verification)
    assert len(status.unchecked) == 2 and not status.ready
    soft = next(g for g in data.launch.gates if g.id == "soft-launch")
    assert gate_status(data.launch, soft, data.infrastructure, data.verification).unchecked == ()
    code, report = run(Path(__file__).resolve().parent.parent, "status", "--gate", "production-readiness")
    assert code == 1 and report["gates"]["production-readiness"]["unchecked"] == list(status.unchecked)


def test_pages_show_when_each_environment_was_checked_and_what_did_not_verify() -> None:
    from busdocs.content import ops_reference
    from busdocs.data.models.verification import Verification

    data = load_data(Path(__file__).resolve().parent.parent)
    staging = data.infrastructure.get(ENV)
    never = ops_reference.infrastructure_markdown(staging, ENV, data.verification)
    assert "## Checked against the account" in never and "staging has never been checked against its account" in never
    record = passed_checks("production").model_dump()
    record["environments"][ENV] = {"alarms_check": None, "infra_verify": {
        **record["environments"]["production"]["infra_verify"], "passed": False, "counts": {"found": 38, "missing": 1},
        "problems": ["secret staging/db/password: missing"]}}
    checks = Verification.model_validate(record)
    page = ops_reference.infrastructure_markdown(staging, ENV, checks)
    assert "| production | 2026-12-01 09:30 UTC | passed | 40 found |" in page
    assert "| staging | 2026-12-01 09:30 UTC | **did not pass** | 38 found, 1 missing |" in page
    assert 'What did not verify in staging on 2026-12-01' in page and "- secret staging/db/password: missing" in page
    production = ops_reference.infrastructure_markdown(data.infrastructure.get("production"), "production", checks)
    assert "staging/db/password" not in production  # another environment's names stay off the page
    monitoring = ops_reference.monitoring_markdown(data.monitoring, False, "", staging, checks, ENV)
    assert "`busdocs alarms check --env NAME`" in monitoring and "| staging | never |" in monitoring
