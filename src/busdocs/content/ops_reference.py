"""Internal reference pages rendered from `data/infrastructure.yml` and `data/monitoring.yml`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from busdocs.data.models.infrastructure import Infrastructure
from busdocs.data.models.monitoring import Alarm, Monitoring
from busdocs.data.models.oncall import OnCall


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


def alarm_facts_markdown(mon: Monitoring, oc: OnCall, names: Sequence[str], escalation: str | None) -> str:
    """The definition of each alarm a runbook covers, and its escalation path."""
    rows = []
    for name in names:
        a = mon.alarm(name)
        if a is None:
            continue
        dims = ", ".join(f"{k}={v}" for k, v in a.dimensions.items()) or "—"
        rows += [("Alarm", f"`{a.name}`: {a.summary}"), ("Fires when", a.condition),
                 ("Metric", f"`{a.namespace}` / `{a.metric}` ({dims})"),
                 ("Missing data", a.treat_missing_data), ("Severity", a.severity),
                 ("Notifies", f"SNS `{a.topic}`"), ("Dashboard", f"CloudWatch → Dashboards → **{a.dashboard}**")]
    policy = next((p for p in oc.escalation_policies if p.id == escalation), None)
    if policy is not None:
        people = {p.id: p for p in oc.people}
        steps = []
        for step in policy.steps:
            who = people[step.who] if step.who in people else None
            label = f"{who.name} ({who.role}, {who.phone})" if who else step.who
            steps.append(f"{label} at +{step.after_minutes} min")
        rows.append(("Escalation", f"{policy.name}: " + "; ".join(steps)))
    return table(["", ""], rows)


def alarm_index_markdown(mon: Monitoring, books: Sequence[object], today: object) -> str:
    """All alarms, most severe first, each linking its runbook, with review state."""
    by_name = {getattr(b, "name"): b for b in books}
    order = {s.id: i for i, s in enumerate(mon.severities)}
    rows = []
    for a in sorted(mon.alarms, key=lambda a: (order.get(a.severity, 9), a.name)):
        book = by_name.get(a.name)
        if book is None:
            review = "**no runbook**"
        elif book.review_overdue(today):  # type: ignore[attr-defined]
            review = f"**overdue** since {book.review_due().isoformat()}"  # type: ignore[attr-defined]
        else:
            review = f"due {book.review_due().isoformat()}"  # type: ignore[attr-defined]
        link = f"[`{a.name}`]({a.name}.md)" if book is not None else f"`{a.name}`"
        rows.append((link, a.severity, a.service, a.summary, a.condition, review))
    return table(["Alarm", "Severity", "Service", "What fired", "Condition", "Review"], rows)


def severity_markdown(mon: Monitoring) -> str:
    """The severity matrix, defined once in `data/monitoring.yml`."""
    return table(["Severity", "Meaning", "Examples", "Pages on-call", "Acknowledge within", "Status page within",
                  "Updates every"],
                 [(f"**{s.id}** {s.name}", s.meaning, s.examples, s.page, f"{s.acknowledge_minutes} min",
                   f"{s.status_page_minutes} min" if s.status_page_minutes else "no public update",
                   f"{s.update_every_minutes} min" if s.update_every_minutes else "—") for s in mon.severities])


def oncall_markdown(oc: OnCall) -> str:
    """Teams, rotations and escalation policies, with names and work phones."""
    people = {p.id: p for p in oc.people}

    def who(ref: str) -> str:
        person = people.get(ref)
        return f"{person.name} ({person.role}, {person.phone})" if person else ref

    parts = [
        f"Incidents are run in `{oc.incident_channel}`; the call is {oc.bridge}.",
        "### Rotations",
        table(["Rotation", "Hands over", "Order"],
              [(r.name, r.handover, " → ".join(people[m].name for m in r.members if m in people))
               for r in oc.rotations]),
        "### Escalation policies",
        table(["Policy", "Steps"],
              [(f"`{p.id}` {p.name}", "; ".join(f"+{s.after_minutes} min: {who(s.who)}" for s in p.steps))
               for p in oc.escalation_policies]),
        "### Teams",
        table(["Team", "Lead", "Slack", "PagerDuty schedule", "Owns"],
              [(t.name, who(t.lead), t.slack, t.pagerduty_schedule, t.services) for t in oc.teams]),
        "### People",
        table(["Name", "Role", "Work phone", "E-mail"], [(p.name, p.role, p.phone, p.email) for p in oc.people]),
    ]
    return "\n\n".join(parts)
