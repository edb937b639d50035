"""`data/infrastructure.yml`: the production AWS resources of the launch plan, for the ops site."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from busdocs.data.models.base import Model, Slug

Cidr = str


class Subnet(Model):
    name: str
    id: str = Field(pattern=r"^subnet-[0-9a-f]{8,17}$")
    cidr: Cidr = Field(pattern=r"^\d+\.\d+\.\d+\.\d+/\d+$")
    availability_zone: str
    tier: Literal["public", "private"]
    routes_to: str
    """Default route: the internet gateway (public) or a NAT gateway (private)."""


class Vpc(Model):
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


class SecurityGroup(Model):
    name: Slug
    id: str = Field(pattern=r"^sg-[0-9a-f]{8,17}$")
    description: str
    ingress: list[Rule] = Field(default_factory=list)


class Database(Model):
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
    security_group: Slug


class Cache(Model):
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


class LoadBalancer(Model):
    name: str
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


class AutoScaling(Model):
    name: str
    ami: str
    instance_type: str
    min: int = Field(ge=0)
    max: int = Field(gt=0)
    desired: int = Field(ge=0)
    launch_template: str
    policies: list[ScalingPolicy] = Field(default_factory=list)
    security_group: Slug


class Bucket(Model):
    name: str
    purpose: str
    versioning: bool
    encryption: str
    lifecycle: str
    replicated_to: str | None = None


class Distribution(Model):
    id: str = Field(pattern=r"^E[0-9A-Z]{8,16}$")
    aliases: list[str] = Field(min_length=1)
    origin: str
    purpose: str
    waf: bool


class DnsRecord(Model):
    name: str
    type: Literal["A", "AAAA", "CNAME", "MX", "TXT", "CAA", "ALIAS"]
    target: str


class Dns(Model):
    zone: str
    zone_id: str
    records: list[DnsRecord] = Field(min_length=1)


class Secret(Model):
    name: str = Field(pattern=r"^[a-z0-9-]+(/[a-z0-9._-]+)+$")
    description: str
    rotation_days: int | None = None
    """Automatic rotation period; None when rotated by hand (third-party keys)."""
    readers: list[str] = Field(min_length=1)


class Infrastructure(Model):
    """Contents of `data/infrastructure.yml`."""

    account_alias: str
    """AWS account alias of production."""
    region: str
    """Primary region."""
    dr_region: str
    """Region of cross-region backups and the disaster-recovery stack."""
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
