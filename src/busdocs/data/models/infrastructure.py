"""`data/infrastructure.yml`: the AWS resources of each environment, for the ops site.

Every value that differs between environments (names, ids, hosts, secret paths, dashboards,
bastions) is given once per environment, under `environments.<name>`; pages reach them only
through macros that take the build's environment (`BUSDOCS_ENV`), so a page rendered for staging
never shows production's identifiers.

Every resource says whether its values were checked against the AWS account (`status: verified`)
or come from the launch plan and nobody has checked them yet (`status: unverified`). Pages and the
terminal mark the unverified values they show; `busdocs check` refuses documentation-only values
(RFC 5737 addresses, AWS's example account, placeholder hosts) unless they are marked unverified.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field

from busdocs.data.models.base import Model, Slug

Cidr = str
Status = Literal["verified", "unverified"]


class Resource(Model):
    """A resource whose values were verified against the account, or not."""

    status: Status
    """`verified`: imported from or checked against the AWS account; `unverified`: from the launch
    plan, nobody has checked it. Unverified values are marked wherever they are shown."""


class Account(Resource):
    id: str | None = Field(default=None, pattern=r"^\d{12}$")
    """The 12-digit AWS account id; empty while nobody has read it from the account."""
    alias: str
    """The account alias, also the AWS CLI profile name (`aws sso login --profile <alias>`)."""
    sso_role: str = "OnCallOperator"
    """IAM Identity Center permission set on-call engineers use."""
    sso_start_url: str | None = None
    """The IAM Identity Center portal; console links open through it once the account id is known."""


class Bastion(Resource):
    host: str
    """SSH jump host, reachable only over the university VPN."""
    user: str = "ec2-user"


class Subnet(Model):
    name: str
    id: str = Field(pattern=r"^subnet-[0-9a-f]{8,17}$")
    cidr: Cidr = Field(pattern=r"^\d+\.\d+\.\d+\.\d+/\d+$")
    availability_zone: str
    tier: Literal["public", "private"]
    routes_to: str
    """Default route: the internet gateway (public) or a NAT gateway (private)."""


class Vpc(Resource):
    id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$")
    cidr: Cidr = Field(pattern=r"^\d+\.\d+\.\d+\.\d+/\d+$")
    internet_gateway: str
    nat_gateways: list[str] = Field(min_length=1)
    subnets: list[Subnet] = Field(min_length=2)


class Rule(Model):
    port: int | str
    """A port or a range (`5432`, `1024-65535`)."""
    protocol: Literal["tcp", "udp", "all"] = "tcp"
    source: str
    """A CIDR or another security group's name."""
    why: str


class SecurityGroup(Resource):
    name: Slug
    id: str = Field(pattern=r"^sg-[0-9a-f]{8,17}$")
    description: str
    ingress: list[Rule] = Field(default_factory=list)


class Database(Resource):
    identifier: str
    engine: str
    version: str
    instance_class: str
    storage_gb: int = Field(gt=0)
    storage_type: str
    multi_az: bool
    backup_retention_days: int = Field(ge=1)
    backup_window: str
    encrypted: bool
    extensions: list[str]
    max_connections: int = Field(gt=0)
    endpoint: str
    read_replica: str | None = None
    """Identifier of the read replica (reports and exports); none in environments without one."""
    security_group: Slug


class Cache(Resource):
    replication_group: str
    engine: str
    version: str
    node_type: str
    nodes: int = Field(gt=0)
    multi_az: bool
    automatic_failover: bool
    memory_gb: float = Field(gt=0)
    endpoint: str
    security_group: Slug


class Listener(Model):
    port: int
    protocol: Literal["HTTP", "HTTPS"]
    action: str


class TargetGroup(Model):
    name: str
    port: int
    health_check: str
    """Path, interval and thresholds of the health check."""


class LoadBalancer(Resource):
    name: str
    arn_suffix: str = Field(pattern=r"^app/[A-Za-z0-9-]+/[0-9a-f]{16}$")
    """The end of the load balancer's ARN, as CloudWatch names it (dimension `LoadBalancer`)."""
    scheme: Literal["internet-facing", "internal"]
    dns_name: str
    listeners: list[Listener] = Field(min_length=1)
    target_groups: list[TargetGroup] = Field(min_length=1)
    certificate: str
    idle_timeout_seconds: int
    """WebSocket connections are closed after this long without traffic."""
    security_group: Slug


class ScalingPolicy(Model):
    name: str
    rule: str


class AutoScaling(Resource):
    name: str
    ami: str
    instance_type: str
    min: int = Field(ge=0)
    max: int = Field(gt=0)
    desired: int = Field(ge=0)
    launch_template: str
    policies: list[ScalingPolicy] = Field(default_factory=list)
    security_group: Slug


class Bucket(Resource):
    role: Slug
    """What the bucket is for, the same in every environment (`files`, `backups`, `logs`, …):
    pages name a bucket by role, `{{ bucket("backups") }}`."""
    name: str
    purpose: str
    versioning: bool
    encryption: str
    lifecycle: str
    replicated_to: str | None = None


class Distribution(Resource):
    id: str = Field(pattern=r"^E[0-9A-Z]{8,16}$")
    aliases: list[str] = Field(min_length=1)
    origin: str
    purpose: str
    waf: bool


class DnsRecord(Model):
    name: str
    type: Literal["A", "AAAA", "CNAME", "MX", "NS", "TXT", "CAA", "ALIAS"]
    target: str


class Dns(Resource):
    zone: str
    zone_id: str
    records: list[DnsRecord] = Field(min_length=1)


class Secret(Resource):
    name: str = Field(pattern=r"^[a-z0-9-]+(/[a-z0-9._-]+)+$")
    """The full Secrets Manager name, environment prefix included (`prod/db/password`)."""
    description: str
    rotation_days: int | None = None
    """Automatic rotation period; None when rotated by hand (third-party keys)."""
    readers: list[str] = Field(min_length=1)

    @property
    def key(self) -> str:
        """The name without the environment prefix, the same in every environment (`db/password`)."""
        return self.name.split("/", 1)[1]


class CloudWatch(Resource):
    dashboards: dict[Slug, str] = Field(min_length=1)
    """Dashboard name by the id `data/monitoring.yml` gives it (`overview` → `Bus-Tracker-Production`)."""
    backup_vault: str
    """AWS Backup vault of the nightly database backups."""
    dr_backup_vault: str | None = None
    """Vault in the disaster-recovery region the nightly backups are copied to; none where nothing is copied."""
    pagerduty_service: str | None = None
    """PagerDuty service alarms of this environment page; none where nothing pages at night."""
    pagerduty_url: str | None = Field(default=None, pattern=r"^https://")
    """That service's page in PagerDuty, where its incidents are acknowledged (linked from the
    first-five-minutes box of every runbook)."""


class EnvironmentInfrastructure(Model):
    """The AWS resources of one environment."""

    account: Account
    region: str = Field(pattern=r"^[a-z]{2}-[a-z]+-\d$")
    """Primary region."""
    dr_region: str = Field(pattern=r"^[a-z]{2}-[a-z]+-\d$")
    """Region of cross-region backups and the disaster-recovery stack."""
    bastion: Bastion
    vpc: Vpc
    """The VPC with its public and private subnets."""
    security_groups: list[SecurityGroup] = Field(min_length=1)
    database: Database
    cache: Cache
    load_balancer: LoadBalancer
    auto_scaling: AutoScaling
    buckets: list[Bucket] = Field(min_length=1)
    distributions: list[Distribution] = Field(min_length=1)
    dns: Dns
    secrets: list[Secret] = Field(min_length=1)
    cloudwatch: CloudWatch

    def bucket(self, role: str) -> Bucket | None:
        return next((b for b in self.buckets if b.role == role), None)

    def secret(self, key: str) -> Secret | None:
        """The secret named `<prefix>/<key>` (`db/password`)."""
        return next((s for s in self.secrets if s.key == key), None)

    def resources(self) -> Iterator[tuple[tuple[str | int, ...], Resource]]:
        """Every resource with its path inside the environment (`("buckets", 1)`)."""
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, Resource):
                yield (name,), value
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, Resource):
                        yield (name, i), item


def leaves(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every scalar inside a model, list or dict, with its path (`status` fields left out)."""
    if isinstance(value, Model):
        for name in type(value).model_fields:
            if name != "status":
                yield from leaves(getattr(value, name), (*path, name))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from leaves(item, (*path, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif value is not None:
        yield path, value


class Infrastructure(Model):
    """Contents of `data/infrastructure.yml`."""

    environments: dict[Slug, EnvironmentInfrastructure] = Field(min_length=1)
    """The resources of each environment, by the environment's name in `data/environments.yml`."""

    def get(self, environment: str) -> EnvironmentInfrastructure | None:
        return self.environments.get(environment)
