"""`busdocs infra verify|import`: the resources of `data/infrastructure.yml` looked up in the account.

Each documented resource is read through its service's describe/get call (names and settings only:
a secret's name and rotation, never its value) and reported `found` (every compared value as
documented), `missing`, `differs` (each value: documented, live), `error` (the call was refused:
the permission it needs) or `not-checked` (not an AWS API resource, or a value nobody may read back
from the account without a human: the account id). Read-only; writing back is `apply_findings`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from busdocs.data.models.infrastructure import (AutoScaling, Bucket, Cache, CloudWatch, Database, Distribution, Dns,
                                                EnvironmentInfrastructure, LoadBalancer, Resource, Secret,
                                                SecurityGroup, Vpc)
from busdocs.deploy.account import ACCESS_DENIED, Account, AccountError, describe_error, error_code, translated

State = Literal["found", "missing", "differs", "error", "not-checked"]
Say = Callable[[str], None]

NOT_FOUND = frozenset({
    "InvalidVpcID.NotFound", "InvalidSubnetID.NotFound", "InvalidGroup.NotFound", "InvalidGroupId.Malformed",
    "InvalidSubnetID.Malformed", "InvalidVpcID.Malformed", "InvalidInternetGatewayID.NotFound", "NatGatewayNotFound",
    "InvalidNatGatewayID.NotFound", "DBInstanceNotFound", "DBInstanceNotFoundFault", "ReplicationGroupNotFoundFault",
    "ReplicationGroupNotFound", "LoadBalancerNotFound", "TargetGroupNotFound", "NoSuchBucket", "404", "NotFound",
    "NoSuchDistribution", "NoSuchHostedZone", "ResourceNotFoundException", "ResourceNotFound",
})


@dataclass(slots=True)
class Finding:
    """What the account says about one documented resource."""

    path: tuple[str | int, ...]
    """Where the resource sits inside the environment (`("buckets", 2)`)."""
    label: str
    """`database bus-tracker-prod-db`, `bucket busdocs-help-prod`."""
    state: State = "found"
    details: list[str] = field(default_factory=list)

    def differ(self, what: str, documented: Any, live: Any) -> None:
        """Record a value that is not as documented (found → differs)."""
        if _same(documented, live):
            return
        self.details.append(f"{what}: documented {_show(documented)}, live {_show(live)}")
        if self.state == "found":
            self.state = "differs"

    def as_json(self) -> dict[str, Any]:
        return {"resource": self.label, "path": ".".join(map(str, self.path)), "state": self.state,
                "details": self.details}

    def line(self) -> str:
        return f"{self.label}: {self.state}" + (f" ({'; '.join(self.details)})" if self.details else "")


def _same(documented: Any, live: Any) -> bool:
    if isinstance(documented, float | int) and isinstance(live, float | int) and not isinstance(documented, bool):
        return float(documented) == float(live)
    return bool(documented == live)


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(sorted(map(str, value))) or "none"
    return str(value)


class Missing(Exception):
    """The resource does not exist (raised inside a lookup)."""


def _absent(exc: Exception) -> bool:
    return error_code(exc) in NOT_FOUND


def label(path: tuple[str | int, ...], resource: Resource) -> str:
    kind = {"buckets": "bucket", "distributions": "distribution", "secrets": "secret",
            "security_groups": "security group"}.get(str(path[0]), str(path[0]).replace("_", " "))
    name = (getattr(resource, "name", None) or getattr(resource, "identifier", None)
            or getattr(resource, "replication_group", None) or getattr(resource, "id", None)
            or getattr(resource, "zone", None) or getattr(resource, "alias", None))
    return f"{kind} {name}" if name else kind


# ------------------------------------------------------------------ one lookup per kind


def _vpc(account: Account, vpc: Vpc, found: Finding) -> None:
    ec2 = account.client("ec2")
    try:
        live = ec2.describe_vpcs(VpcIds=[vpc.id])["Vpcs"][0]
    except IndexError:
        raise Missing from None
    found.differ("cidr", vpc.cidr, live.get("CidrBlock"))
    try:
        gateway = ec2.describe_internet_gateways(InternetGatewayIds=[vpc.internet_gateway])["InternetGateways"][0]
        attached = [a.get("VpcId") for a in gateway.get("Attachments", [])]
        found.differ(f"internet gateway {vpc.internet_gateway} attached to", vpc.id, attached[0] if attached else None)
    except Exception as exc:
        if not _absent(exc):
            raise
        found.differ(f"internet gateway {vpc.internet_gateway}", "exists", "missing")
    for subnet in vpc.subnets:
        try:
            live_subnet = ec2.describe_subnets(SubnetIds=[subnet.id])["Subnets"][0]
        except Exception as exc:
            if not _absent(exc):
                raise
            found.differ(f"subnet {subnet.name} ({subnet.id})", "exists", "missing")
            continue
        found.differ(f"subnet {subnet.name} cidr", subnet.cidr, live_subnet.get("CidrBlock"))
        found.differ(f"subnet {subnet.name} availability zone", subnet.availability_zone,
                     live_subnet.get("AvailabilityZone"))
        found.differ(f"subnet {subnet.name} vpc", vpc.id, live_subnet.get("VpcId"))


def _security_group(account: Account, group: SecurityGroup, infra: EnvironmentInfrastructure, found: Finding) -> None:
    groups = account.client("ec2").describe_security_groups(GroupIds=[group.id])["SecurityGroups"]
    if not groups:
        raise Missing
    live = groups[0]
    found.differ("vpc", infra.vpc.id, live.get("VpcId"))
    ids = {g.name: g.id for g in infra.security_groups}
    for rule in group.ingress:
        source = ids.get(rule.source, rule.source)
        low, _, high = str(rule.port).partition("-")
        if not (low.isdigit() and (high.isdigit() or not high)):
            found.details.append(f"ingress {rule.port} from {rule.source}: not compared (not a port or range)")
            continue
        matched = False
        for perm in live.get("IpPermissions", []):
            every_port = perm.get("IpProtocol") == "-1"
            if not every_port and (perm.get("FromPort") is None
                                   or not (perm["FromPort"] <= int(low) and int(high or low) <= perm["ToPort"])):
                continue
            sources = {r.get("CidrIp") for r in perm.get("IpRanges", [])} | \
                {r.get("CidrIpv6") for r in perm.get("Ipv6Ranges", [])} | \
                {p.get("GroupId") for p in perm.get("UserIdGroupPairs", [])}
            matched = matched or source in sources
        if not matched:
            found.differ(f"ingress {rule.port} from {rule.source}", "allowed", "no such rule")


def _database(account: Account, db: Database, found: Finding) -> None:
    rds = account.client("rds")
    live = rds.describe_db_instances(DBInstanceIdentifier=db.identifier)["DBInstances"][0]
    found.differ("instance_class", db.instance_class, live.get("DBInstanceClass"))
    found.differ("version", db.version, live.get("EngineVersion"))
    found.differ("multi_az", db.multi_az, live.get("MultiAZ"))
    found.differ("storage_gb", db.storage_gb, live.get("AllocatedStorage"))
    found.differ("backup_retention_days", db.backup_retention_days, live.get("BackupRetentionPeriod"))
    found.differ("encrypted", db.encrypted, live.get("StorageEncrypted"))
    found.differ("endpoint", db.endpoint, (live.get("Endpoint") or {}).get("Address"))
    if db.read_replica:
        try:
            rds.describe_db_instances(DBInstanceIdentifier=db.read_replica)
        except Exception as exc:
            if not _absent(exc):
                raise
            found.differ(f"read replica {db.read_replica}", "exists", "missing")


def _cache(account: Account, cache: Cache, found: Finding) -> None:
    live = account.client("elasticache").describe_replication_groups(
        ReplicationGroupId=cache.replication_group)["ReplicationGroups"][0]
    found.differ("node_type", cache.node_type, live.get("CacheNodeType"))
    found.differ("nodes", cache.nodes, len(live.get("MemberClusters", [])))
    found.differ("multi_az", cache.multi_az, live.get("MultiAZ") == "enabled")
    found.differ("automatic_failover", cache.automatic_failover,
                 live.get("AutomaticFailover") in ("enabled", "enabling"))
    groups = live.get("NodeGroups") or [{}]
    found.differ("endpoint", cache.endpoint, (groups[0].get("PrimaryEndpoint") or {}).get("Address"))


def _load_balancer(account: Account, lb: LoadBalancer, found: Finding) -> None:
    elbv2 = account.client("elbv2")
    live = elbv2.describe_load_balancers(Names=[lb.name])["LoadBalancers"][0]
    arn = live["LoadBalancerArn"]
    found.differ("scheme", lb.scheme, live.get("Scheme"))
    found.differ("dns_name", lb.dns_name, live.get("DNSName"))
    found.differ("arn_suffix", lb.arn_suffix, arn.split(":loadbalancer/", 1)[-1])
    groups = {g["TargetGroupName"]: g for g in elbv2.describe_target_groups(LoadBalancerArn=arn)["TargetGroups"]}
    for group in lb.target_groups:
        if group.name not in groups:
            found.differ(f"target group {group.name}", "exists", "missing")
        else:
            found.differ(f"target group {group.name} port", group.port, groups[group.name].get("Port"))
    listeners = {(li["Port"], li["Protocol"]) for li in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]}
    for listener in lb.listeners:
        if (listener.port, listener.protocol) not in listeners:
            found.differ(f"listener {listener.protocol} {listener.port}", "exists", "missing")
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}
    if "idle_timeout.timeout_seconds" in attributes:
        found.differ("idle_timeout_seconds", lb.idle_timeout_seconds, int(attributes["idle_timeout.timeout_seconds"]))


def _auto_scaling(account: Account, asg: AutoScaling, found: Finding) -> None:
    groups = account.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[asg.name])
    if not groups["AutoScalingGroups"]:
        raise Missing
    live = groups["AutoScalingGroups"][0]
    found.differ("min", asg.min, live.get("MinSize"))
    found.differ("max", asg.max, live.get("MaxSize"))
    # desired capacity moves with scaling (rush hours): reported by the console, not compared


def _bucket(account: Account, bucket: Bucket, found: Finding) -> None:
    s3 = account.client("s3")
    s3.head_bucket(Bucket=bucket.name)
    status = s3.get_bucket_versioning(Bucket=bucket.name).get("Status")
    found.differ("versioning", bucket.versioning, status == "Enabled")


def _distribution(account: Account, dist: Distribution, found: Finding) -> None:
    config = account.client("cloudfront", "us-east-1").get_distribution(Id=dist.id)["Distribution"]["DistributionConfig"]
    found.differ("aliases", set(dist.aliases), set(config.get("Aliases", {}).get("Items") or []))
    found.differ("waf", dist.waf, bool(config.get("WebACLId")))


def _dns(account: Account, dns: Dns, found: Finding) -> None:
    route53 = account.client("route53", "us-east-1")
    zone = route53.get_hosted_zone(Id=dns.zone_id)["HostedZone"]
    found.differ("zone", dns.zone, zone["Name"].rstrip("."))
    live: set[tuple[str, str]] = set()
    for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=dns.zone_id):
        for record in page["ResourceRecordSets"]:
            kind = "ALIAS" if record.get("AliasTarget") else record["Type"]
            live.add((record["Name"].rstrip(".").lower(), kind))
    for record in dns.records:
        if (record.name.lower(), record.type) not in live:
            found.differ(f"record {record.name} {record.type}", "exists", "missing")


def _secret(account: Account, secret: Secret, found: Finding) -> None:
    live = account.client("secretsmanager").describe_secret(SecretId=secret.name)  # names and rotation, no value
    rotation = (live.get("RotationRules") or {}).get("AutomaticallyAfterDays") if live.get("RotationEnabled") else None
    found.differ("rotation_days", secret.rotation_days, rotation)


def _cloudwatch(account: Account, cw: CloudWatch, infra: EnvironmentInfrastructure, found: Finding) -> None:
    cloudwatch = account.client("cloudwatch")
    for board, name in cw.dashboards.items():
        try:
            cloudwatch.get_dashboard(DashboardName=name)
        except Exception as exc:
            if not _absent(exc):
                raise
            found.differ(f"dashboard {board} ({name})", "exists", "missing")
    for vault, region in ((cw.backup_vault, infra.region), (cw.dr_backup_vault, infra.dr_region)):
        if not vault:
            continue
        try:
            account.client("backup", region).describe_backup_vault(BackupVaultName=vault)
        except Exception as exc:
            if not _absent(exc):
                raise
            found.differ(f"backup vault {vault} in {region}", "exists", "missing")


def lookups(infra: EnvironmentInfrastructure) -> Iterator[tuple[tuple[str | int, ...], Resource, Any]]:
    """Every resource with the function that looks it up (None: not checked through the API)."""
    kinds: dict[type, Callable[..., None]] = {
        Vpc: _vpc, Database: _database, Cache: _cache, LoadBalancer: _load_balancer, AutoScaling: _auto_scaling,
        Bucket: _bucket, Distribution: _distribution, Dns: _dns, Secret: _secret,
    }
    for path, resource in infra.resources():
        if isinstance(resource, SecurityGroup):
            yield path, resource, lambda a, r, f: _security_group(a, r, infra, f)
        elif isinstance(resource, CloudWatch):
            yield path, resource, lambda a, r, f: _cloudwatch(a, r, infra, f)
        else:
            yield path, resource, kinds.get(type(resource))


@dataclass(slots=True)
class VerifyResult:
    environment: str
    account: str
    findings: list[Finding]

    def count(self, state: str) -> int:
        return sum(1 for f in self.findings if f.state == state)

    @property
    def passed(self) -> bool:
        return not any(f.state in ("missing", "differs", "error") for f in self.findings)

    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("found", "missing", "differs", "error", "not-checked")}

    def problems(self) -> list[str]:
        return [f.line() for f in self.findings if f.state in ("missing", "differs", "error")]

    def as_json(self) -> dict[str, Any]:
        return {"environment": self.environment, "account": self.account, "passed": self.passed,
                "counts": self.counts(), "resources": [f.as_json() for f in self.findings]}


def verify(account: Account, environment: str, infra: EnvironmentInfrastructure, *, say: Say = print) -> VerifyResult:
    """Look up every documented resource of one environment (read-only).

    Raises:
        AccountError: The account cannot be reached at all, or the credentials are another account's.
    """
    from botocore.exceptions import ClientError

    with translated(account.endpoint_url):
        account_id = account.check_account(infra.account.id, environment, say)
    findings = []
    for path, resource, look in lookups(infra):
        found = Finding(path, label(path, resource))
        if path == ("account",):
            found.differ("id", infra.account.id, account_id)
            if infra.account.id is None:
                found.details[-1] += " (record it by hand once you are sure these are the environment's credentials)"
        elif look is None:
            found.state = "not-checked"
            found.details.append("not an AWS API resource; check it by hand")
        else:
            with translated(account.endpoint_url, prefix=f"{found.label}: "):
                try:
                    look(account, resource, found)
                except Missing:
                    found.state, found.details = "missing", []
                except ClientError as exc:
                    if _absent(exc):
                        found.state, found.details = "missing", [describe_error(exc, account.endpoint_url)]
                    elif error_code(exc) in ACCESS_DENIED:
                        found.state, found.details = "error", [describe_error(exc, account.endpoint_url)]
                    else:
                        raise
        findings.append(found)
    return VerifyResult(environment, account_id, findings)


def status_edits(environment: str, result: VerifyResult, infra: EnvironmentInfrastructure
                 ) -> dict[tuple[str | int, ...], str]:
    """The `status` each checked resource gets written back: `verified` when found as documented,
    `unverified` when missing or different; resources not checked or refused keep theirs."""
    current = dict(infra.resources())
    edits: dict[tuple[str | int, ...], str] = {}
    for found in result.findings:
        status = {"found": "verified", "missing": "unverified", "differs": "unverified"}.get(found.state)
        if status and current[found.path].status != status:
            edits[("environments", environment, *found.path, "status")] = status
    return edits


def stack_outputs(account: Account, stack: str) -> dict[str, str]:
    """The outputs of a CloudFormation stack (`cloudformation:DescribeStacks`)."""
    with translated(account.endpoint_url, prefix=f"stack {stack}: "):
        try:
            stacks = account.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
        except Exception as exc:
            if error_code(exc) == "ValidationError" and "does not exist" in str(exc):
                raise AccountError(f"stack {stack!r} does not exist in this account and region") from None
            raise
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
