"""Internal reference pages rendered from `data/infrastructure.yml` and `data/monitoring.yml`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from busdocs.models.infrastructure import Infrastructure
from busdocs.models.monitoring import Alarm, Monitoring


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table; cells are escaped for pipes and newlines."""

    def cell(value: object) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if value is None:
            return "—"
        if isinstance(value, list | tuple):
            value = ", ".join(map(str, value))
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def infrastructure_markdown(infra: Infrastructure) -> str:
    """Every production resource, section by section."""
    vpc, db, cache, lb, asg = infra.vpc, infra.database, infra.cache, infra.load_balancer, infra.auto_scaling
    parts = [
        f"Account `{infra.account_alias}`, region `{infra.region}`, disaster-recovery region `{infra.dr_region}`.",
        "## VPC and subnets",
        f"VPC `{vpc.id}` ({vpc.cidr}), internet gateway `{vpc.internet_gateway}`, "
        f"NAT gateways: {', '.join(vpc.nat_gateways)}.",
        table(["Subnet", "ID", "CIDR", "AZ", "Tier", "Default route"],
              [(s.name, f"`{s.id}`", s.cidr, s.availability_zone, s.tier, s.routes_to) for s in vpc.subnets]),
        "## Security groups",
        table(["Group", "ID", "Port", "Protocol", "From", "Why"],
              [(g.name, f"`{g.id}`", r.port, r.protocol, r.source, r.why)
               for g in infra.security_groups for r in g.ingress]),
        "## RDS PostgreSQL",
        table(["Setting", "Value"], [
            ("Identifier", f"`{db.identifier}`"), ("Engine", f"{db.engine} {db.version}"),
            ("Instance class", db.instance_class), ("Storage", f"{db.storage_gb} GB {db.storage_type}"),
            ("Multi-AZ", db.multi_az), ("Backups", f"{db.backup_retention_days} days, window {db.backup_window}"),
            ("Encrypted at rest", db.encrypted), ("Extensions", ", ".join(db.extensions)),
            ("max_connections", db.max_connections), ("Endpoint", f"`{db.endpoint}`"),
            ("Read replica", db.read_replica), ("Security group", db.security_group)]),
        "## ElastiCache Redis",
        table(["Setting", "Value"], [
            ("Replication group", f"`{cache.replication_group}`"), ("Engine", f"{cache.engine} {cache.version}"),
            ("Nodes", f"{cache.nodes} × {cache.node_type} ({cache.memory_gb:g} GB each)"),
            ("Multi-AZ", cache.multi_az), ("Automatic failover", cache.automatic_failover),
            ("Endpoint", f"`{cache.endpoint}`"), ("Security group", cache.security_group)]),
        "## Application Load Balancer",
        f"`{lb.name}` ({lb.scheme}), DNS `{lb.dns_name}`, certificate: {lb.certificate}, "
        f"idle timeout {lb.idle_timeout_seconds} s.",
        table(["Listener", "Action"], [(f"{li.protocol} {li.port}", li.action) for li in lb.listeners]),
        table(["Target group", "Port", "Health check"], [(t.name, t.port, t.health_check) for t in lb.target_groups]),
        "## Auto Scaling",
        table(["Setting", "Value"], [
            ("Group", f"`{asg.name}`"), ("AMI", asg.ami), ("Instance type", asg.instance_type),
            ("Min / desired / max", f"{asg.min} / {asg.desired} / {asg.max}"),
            ("Launch template", asg.launch_template)]
            + [(f"Policy `{p.name}`", p.rule) for p in asg.policies]),
        "## S3 buckets",
        table(["Bucket", "Purpose", "Versioning", "Encryption", "Lifecycle", "Replicated to"],
              [(f"`{b.name}`", b.purpose, b.versioning, b.encryption, b.lifecycle, b.replicated_to)
               for b in infra.buckets]),
        "## CloudFront",
        table(["Distribution", "Aliases", "Origin", "Purpose", "WAF"],
              [(f"`{d.id}`", d.aliases, d.origin, d.purpose, d.waf) for d in infra.distributions]),
        "## Route 53",
        f"Hosted zone `{infra.dns.zone}` (`{infra.dns.zone_id}`).",
        table(["Record", "Type", "Target"], [(f"`{r.name}`", r.type, r.target) for r in infra.dns.records]),
        "## Secrets Manager",
        "Names only: values never leave Secrets Manager.",
        table(["Secret", "What", "Rotation", "Read by"],
              [(f"`{s.name}`", s.description, f"every {s.rotation_days} days" if s.rotation_days else "by hand",
                s.readers) for s in infra.secrets]),
    ]
    return "\n\n".join(parts)


def alarm_link(alarm: Alarm, base: str = "") -> str:
    """Markdown link to the alarm's runbook page (relative to the page that links)."""
    return f"[`{alarm.name}`]({base}alarms/{alarm.name}.md)"


def monitoring_markdown(mon: Monitoring, link_runbooks: bool = False, base: str = "") -> str:
    """Severities, alarms, dashboards, topics, log groups and uptime checks."""
    severities = table(["Severity", "Name", "Meaning", "Pages on-call", "Acknowledge within", "Status page within"],
                       [(s.id, s.name, s.meaning, s.page, f"{s.acknowledge_minutes} min",
                         f"{s.status_page_minutes} min" if s.status_page_minutes else "no public update")
                        for s in mon.severities])
    alarms = table(
        ["Alarm", "Metric", "Namespace", "Statistic", "Threshold", "Period", "Evaluation periods", "Severity",
         "Topic"],
        [(alarm_link(a, base) if link_runbooks else f"`{a.name}`", a.metric, a.namespace, a.statistic,
          f"{'>' if 'Greater' in a.comparison else '<'}{'=' if 'Equal' in a.comparison else ''} "
          f"{a.threshold:g} {a.unit}".strip(), f"{a.period} s",
          f"{a.datapoints_to_alarm} of {a.evaluation_periods}" if a.datapoints_to_alarm else a.evaluation_periods,
          a.severity, a.topic) for a in mon.alarms])
    parts = [
        "## Severities", severities,
        "## CloudWatch alarms", alarms,
        "## Dashboards",
        "\n".join(f"- **{d.name}**: {d.purpose} Widgets: {', '.join(d.widgets)}." for d in mon.dashboards),
        "## Alert topics",
        table(["Topic", "ARN", "Delivers to"], [(t.name, f"`{t.arn}`", t.delivers_to) for t in mon.topics]),
    ]
    if mon.log_groups:
        parts += ["## Log groups", table(["Log group", "Retention", "Holds"],
                                         [(f"`{g.name}`", f"{g.retention_days} days", g.holds)
                                          for g in mon.log_groups])]
    if mon.uptime_checks:
        parts += ["## Uptime checks", table(["URL", "Every", "Expects"],
                                            [(c.url, f"{c.interval_minutes} min", c.expect)
                                             for c in mon.uptime_checks])]
    return "\n\n".join(parts)
