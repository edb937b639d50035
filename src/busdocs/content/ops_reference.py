"""Internal reference pages rendered from `data/infrastructure.yml`, `data/monitoring.yml`,
`data/oncall.yml` and the `access` of `data/deploy.yml`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from busdocs.content.values import LookupFailed
from busdocs.data.models.deploy import Deploy
from busdocs.data.models.infrastructure import EnvironmentInfrastructure, Resource
from busdocs.data.models.monitoring import Alarm, Monitoring, resolve
from busdocs.data.models.oncall import OnCall
from busdocs.data.models.verification import CHECK_COMMANDS, Verification


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


UNVERIFIED = "⚠ unverified"


def mark(resource: Resource) -> str:
    """The marker of a resource nobody checked against the account ("" when verified)."""
    return f" **{UNVERIFIED}**" if resource.status == "unverified" else ""


def checks_markdown(checks: Verification | None, environment: str, check: str) -> str:
    """When each environment was last checked against its account (`check`: `alarms_check` or
    `infra_verify`), and what did not verify in this page's environment (other environments' names
    stay off the page)."""
    command = CHECK_COMMANDS[check]
    if checks is None:
        return ""
    rows = []
    for env in sorted(set(checks.environments) | {environment}):
        run = checks.run(env, check)  # type: ignore[arg-type]
        if run is None:
            rows.append((env, "never", "—", "—"))
            continue
        verdict = "passed" if run.passed else "**did not pass**"
        if not run.against_aws:
            verdict += " (against a test endpoint, not AWS)"
        rows.append((env, f"{run.date:%Y-%m-%d %H:%M} UTC", verdict,
                     ", ".join(f"{n} {k}" for k, n in run.counts.items() if n) or "—"))
    parts = ["## Checked against the account", f"Last `{command} --env NAME` of each environment "
             "(recorded in `data/verification.yml` by the command):",
             table(["Environment", "Last run", "Result", "Counts"], rows)]
    run = checks.run(environment, check)  # type: ignore[arg-type]
    if run is None:
        parts.append(f'!!! warning "{environment} has never been checked against its account"\n\n'
                     f"    Nothing on this page has been compared with the AWS account yet: run `{command} "
                     f"--env {environment}` with the account's credentials.")
    elif run.problems:
        items = "\n".join(f"    - {p}" for p in run.problems)
        parts.append(f'!!! failure "What did not verify in {environment} on {run.date:%Y-%m-%d}"\n\n{items}')
    return "\n\n".join(parts)


def infrastructure_markdown(infra: EnvironmentInfrastructure, environment: str,
                            checks: Verification | None = None) -> str:
    """Every resource of one environment, section by section; unverified ones marked."""
    vpc, db, cache, lb, asg = infra.vpc, infra.database, infra.cache, infra.load_balancer, infra.auto_scaling
    account = infra.account
    unverified = sum(1 for _, r in infra.resources() if r.status == "unverified")
    total = sum(1 for _ in infra.resources())
    parts = [
        f"Environment **{environment}**: account `{account.alias}`"
        f"{f' (`{account.id}`)' if account.id else ' (id not recorded yet)'}{mark(account)}, region "
        f"`{infra.region}`, disaster-recovery region `{infra.dr_region}`. Bastion "
        f"`{infra.bastion.user}@{infra.bastion.host}`{mark(infra.bastion)}.",
        f"{unverified} of {total} resources are **{UNVERIFIED}**: written from the launch plan, not yet "
        "checked against the account. Check one before you act on it." if unverified else
        "Every resource was verified against the account.",
        f"## VPC and subnets{mark(vpc)}",
        f"VPC `{vpc.id}` ({vpc.cidr}), internet gateway `{vpc.internet_gateway}`, "
        f"NAT gateways: {', '.join(vpc.nat_gateways)}.",
        table(["Subnet", "ID", "CIDR", "AZ", "Tier", "Default route"],
              [(s.name, f"`{s.id}`", s.cidr, s.availability_zone, s.tier, s.routes_to) for s in vpc.subnets]),
        "## Security groups",
        table(["Group", "ID", "Port", "Protocol", "From", "Why"],
              [(g.name, f"`{g.id}`{mark(g)}", r.port, r.protocol, r.source, r.why)
               for g in infra.security_groups for r in g.ingress]),
        f"## RDS PostgreSQL{mark(db)}",
        table(["Setting", "Value"], [
            ("Identifier", f"`{db.identifier}`"), ("Engine", f"{db.engine} {db.version}"),
            ("Instance class", db.instance_class), ("Storage", f"{db.storage_gb} GB {db.storage_type}"),
            ("Multi-AZ", db.multi_az), ("Backups", f"{db.backup_retention_days} days, window {db.backup_window}"),
            ("Encrypted at rest", db.encrypted), ("Extensions", ", ".join(db.extensions)),
            ("max_connections", db.max_connections), ("Endpoint", f"`{db.endpoint}`"),
            ("Read replica", f"`{db.read_replica}` (reports and exports)" if db.read_replica else "none"),
            ("Security group", db.security_group)]),
        f"## ElastiCache Redis{mark(cache)}",
        table(["Setting", "Value"], [
            ("Replication group", f"`{cache.replication_group}`"), ("Engine", f"{cache.engine} {cache.version}"),
            ("Nodes", f"{cache.nodes} × {cache.node_type} ({cache.memory_gb:g} GB each)"),
            ("Multi-AZ", cache.multi_az), ("Automatic failover", cache.automatic_failover),
            ("Endpoint", f"`{cache.endpoint}`"), ("Security group", cache.security_group)]),
        f"## Application Load Balancer{mark(lb)}",
        f"`{lb.name}` (`{lb.arn_suffix}`, {lb.scheme}), DNS `{lb.dns_name}`, certificate: {lb.certificate}, "
        f"idle timeout {lb.idle_timeout_seconds} s.",
        table(["Listener", "Action"], [(f"{li.protocol} {li.port}", li.action) for li in lb.listeners]),
        table(["Target group", "Port", "Health check"], [(t.name, t.port, t.health_check) for t in lb.target_groups]),
        f"## Auto Scaling{mark(asg)}",
        table(["Setting", "Value"], [
            ("Group", f"`{asg.name}`"), ("AMI", asg.ami), ("Instance type", asg.instance_type),
            ("Min / desired / max", f"{asg.min} / {asg.desired} / {asg.max}"),
            ("Launch template", asg.launch_template)]
            + [(f"Policy `{p.name}`", p.rule) for p in asg.policies]),
        "## S3 buckets",
        table(["Bucket", "Role", "Purpose", "Versioning", "Encryption", "Lifecycle", "Replicated to"],
              [(f"`{b.name}`{mark(b)}", b.role, b.purpose, b.versioning, b.encryption, b.lifecycle, b.replicated_to)
               for b in infra.buckets]),
        "## CloudFront",
        table(["Distribution", "Aliases", "Origin", "Purpose", "WAF"],
              [(f"`{d.id}`{mark(d)}", d.aliases, d.origin, d.purpose, d.waf) for d in infra.distributions]),
        f"## Route 53{mark(infra.dns)}",
        f"Hosted zone `{infra.dns.zone}` (`{infra.dns.zone_id}`).",
        table(["Record", "Type", "Target"], [(f"`{r.name}`", r.type, r.target) for r in infra.dns.records]),
        "## Secrets Manager",
        "Names only: values never leave Secrets Manager.",
        table(["Secret", "What", "Rotation", "Read by"],
              [(f"`{s.name}`{mark(s)}", s.description, f"every {s.rotation_days} days" if s.rotation_days else "by hand",
                s.readers) for s in infra.secrets]),
        f"## CloudWatch{mark(infra.cloudwatch)}",
        table(["Dashboard id", "Name"], [(k, f"`{v}`") for k, v in infra.cloudwatch.dashboards.items()]),
        f"AWS Backup vault `{infra.cloudwatch.backup_vault}`; paging: "
        + (f"PagerDuty service “{infra.cloudwatch.pagerduty_service}”." if infra.cloudwatch.pagerduty_service
           else "none (alarms of this environment page nobody)."),
    ]
    checked = checks_markdown(checks, environment, "infra_verify")
    return "\n\n".join(parts[:2] + ([checked] if checked else []) + parts[2:])


def alarm_link(alarm: Alarm, base: str = "") -> str:
    """Markdown link to the alarm's runbook page (relative to the page that links)."""
    return f"[`{alarm.name}`]({base}alarms/{alarm.name}.md)"


def monitoring_markdown(mon: Monitoring, link_runbooks: bool, base: str, infra: EnvironmentInfrastructure,
                        checks: Verification | None = None, environment: str = "") -> str:
    """Severities, alarms, dashboards, topics, log groups and uptime checks of one environment."""
    boards = infra.cloudwatch.dashboards
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
        checks_markdown(checks, environment, "alarms_check") if environment else "",
        "## Dashboards",
        "\n".join(f"- **{boards[d.id]}**: {d.purpose} Widgets: {', '.join(d.widgets)}." for d in mon.dashboards),
        "## Alert topics",
        table(["Topic", "ARN", "Delivers to"], [(t.name, f"`{t.arn(infra.region, infra.account.id)}`", t.delivers_to)
                                                for t in mon.topics]),
    ]
    if mon.log_groups:
        parts += ["## Log groups", table(["Log group", "Retention", "Holds"],
                                         [(f"`{resolve(g.name, infra)}`", f"{g.retention_days} days", g.holds)
                                          for g in mon.log_groups])]
    if mon.uptime_checks:
        parts += ["## Uptime checks", table(["URL", "Every", "Expects"],
                                            [(c.url, f"{c.interval_minutes} min", c.expect)
                                             for c in mon.uptime_checks])]
    return "\n\n".join(p for p in parts if p)


def paging_policy(alarm: Alarm, mon: Monitoring, infra: EnvironmentInfrastructure) -> str:
    """When an alarm reaches a person, and why, from the severity matrix and the alarm's impact."""
    severity = next(s for s in mon.severities if s.id == alarm.severity)
    why = ("users notice when it fires" if alarm.impact == "users"
           else "an early warning: users are not affected yet")
    if not infra.cloudwatch.pagerduty_service:
        when = "at any hour" if severity.page else "the next working day"
        return f"pages nobody in this environment (no paging service); where paging is set up: {when}, {why}"
    if severity.page:
        return f"pages on-call at any hour, night included ({severity.id}): {why}"
    return f"next working day, no page at night ({severity.id}): {why}"


def alarm_facts_markdown(mon: Monitoring, oc: OnCall, names: Sequence[str], escalation: str | None,
                         infra: EnvironmentInfrastructure) -> str:
    """The definition of each alarm a runbook covers (for one environment), and its escalation path."""
    rows = []
    for name in names:
        found = mon.alarm(name)
        if found is None:
            continue
        a = found.for_environment(infra)
        dims = ", ".join(f"{k}={v}" for k, v in a.dimensions.items()) or "—"
        rows += [("Alarm", f"`{a.name}`: {a.summary}"), ("Fires when", a.condition),
                 ("Why this threshold", a.threshold_reason),
                 ("Normal", f"{a.baseline} (expected before launch, not yet measured)" if a.baseline else None),
                 ("Metric", f"`{a.namespace}` / `{a.metric}` ({dims})"),
                 ("Missing data", a.treat_missing_data), ("Severity", a.severity),
                 ("Paging", paging_policy(a, mon, infra)),
                 ("Notifies", f"SNS `{a.topic}`"), ("Dashboard", f"CloudWatch → Dashboards → **{infra.cloudwatch.dashboards[a.dashboard]}**")]
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
        "### Rotations: who is on call { #rotations }",
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


def access_markdown(deploy: Deploy, oc: OnCall) -> str:
    """Who can reach the ops site, from `data/deploy.yml` `access`: the staff ranges (unverified ones
    marked), the rate limit, the internal targets and their web ACL, what `busdocs deploy` checks
    before it publishes, and whom to ask for access."""
    from busdocs.deploy.plan import PUBLIC_ACCESS_BLOCK, STAFF_ACL_SUFFIX

    access = deploy.access
    ask = access.request_access
    team = next((t for t in oc.teams if t.id == ask.team), None)
    approver = next((p for p in oc.people if p.id == ask.approver), None)
    if team is None or approver is None:
        raise LookupFailed(f"data/deploy.yml access.request_access names {ask.team!r} / {ask.approver!r}, "
                          "which data/oncall.yml does not have")
    lead = next((p for p in oc.people if p.id == team.lead), None)
    unverified = [r for r in access.staff_ranges if not r.verified]
    window = access.rate_limit.window_seconds
    window_words = f"{window // 60} minutes" if window % 60 == 0 and window > 60 else f"{window} seconds"
    parts = ["## Allowed ranges",
             "CloudFront answers the ops site only to requests from these IPv4 ranges; every other address, "
             "IPv6 included, gets *403 Forbidden* from the web ACL before CloudFront reads the bucket."]
    if unverified:
        parts.append('!!! warning "Not verified against the university network"\n\n'
                     f"    {len(unverified)} of {len(access.staff_ranges)} ranges are stand-ins nobody has "
                     "confirmed with IT Services yet: "
                     + ", ".join(f"`{r.cidr}`" for r in unverified)
                     + ". Until they are replaced, staff on the real VPN may be refused.")
    parts.append(table(["Range", "What it is", "Verified", "Source"],
                       [(f"`{r.cidr}`", r.name, "yes" if r.verified else "**no — unverified**", r.source)
                        for r in access.staff_ranges]))
    parts += ["## Rate limit",
              f"At most **{access.rate_limit.requests:,} requests per {window_words}** from one source address "
              "(a WAF rate-based rule, evaluated before the ranges, so it also applies on the VPN). Everyone on "
              "the VPN shares its egress address, so the limit is sized for the whole rota during an incident; "
              "when it trips, every VPN user gets *403* until the count falls below it again. Meanwhile "
              "`busdocs runbook ALARM` in a checkout prints any runbook without the site."]
    internal = [t for t in deploy.targets if t.site == "internal"]
    parts += ["## Where it is enforced",
              table(["Target", "Address", "Bucket", "Distribution", "Web ACL"],
                    [(t.name, t.base_url, f"`{t.bucket}`", f"`{t.distribution_id}`",
                      f"`{t.bucket}{STAFF_ACL_SUFFIX}`") for t in internal]),
              "The web ACL, its IP set and the rate rule are created by `infra/hosting.yaml` for every stack with "
              "`SiteAudience=internal`; the template refuses such a stack without staff ranges, and "
              f"`busdocs deploy --target {internal[0].name if internal else 'NAME'} --stack-parameters` prints its "
              "parameters from `data/deploy.yml`. CloudFront adds `X-Robots-Tag: noindex` to every answer and "
              "`robots.txt` disallows everything."]
    blocks = ", ".join(f"`{b}`" for b in PUBLIC_ACCESS_BLOCK)
    parts += ["## What deploy checks before publishing",
              "`busdocs deploy` reads the target's distribution and bucket first and uploads nothing, takes no "
              "lock and exits 1 with every reason when one of these fails:",
              f"1. **Ops site:** the distribution's web ACL is a staff-only ACL of the template (a WAFv2 ACL whose "
              f"name ends in `{STAFF_ACL_SUFFIX}`). No ACL, or any other ACL, is refused.\n"
              f"2. **Help center:** the distribution has *no* staff-only ACL (it would lock students and drivers "
              "out).\n"
              "3. The distribution serves the target's bucket from its S3 REST endpoint (not the website "
              "endpoint, which origin access control cannot protect).\n"
              f"4. The bucket blocks public access: {blocks} all on.\n"
              "5. The bucket policy lets nobody else read it: no `Allow` to `Principal: \"*\"` and no CloudFront "
              "grant without an `AWS:SourceArn` condition naming this distribution, so neither the S3 URL nor "
              "another distribution can get round the web ACL.",
              "Objects only the ops site carries get their own `Cache-Control` (header rules with `site: internal` "
              "in `data/deploy.yml`), so no browser or proxy keeps a copy:",
              "\n".join(f"- `{rule.glob}`: `{rule.cache_control}`" for rule in deploy.headers
                        if rule.site == "internal") or "- none"]
    parts += ["## Getting access",
              f"{ask.how}",
              f"Team: **{team.name}** ({team.slack}, lead {lead.name if lead else team.lead}). "
              f"Approver: **{approver.name}**, {approver.role} ({approver.email})."]
    return "\n\n".join(parts)


UNVERIFIED = "⚠ unverified"
"""The marker of a contact or deadline nobody confirmed (the same words as unverified infrastructure)."""


def security_contacts_markdown(oc: OnCall) -> str:
    """Whom to tell in a security incident, each contact marked when nobody confirmed it."""
    if oc.security is None:
        raise LookupFailed("data/oncall.yml has no 'security' section (contacts and deadlines)")
    people = {p.id: p for p in oc.people}
    rows = []
    for c in oc.security.contacts:
        person = people.get(c.who) if c.who else None
        if c.who and person is None:
            raise LookupFailed(f"security contact {c.id!r}: no person {c.who!r} in data/oncall.yml")
        name = person.name if person else c.name
        reach = [x for x in ((person.phone if person else c.phone), (person.email if person else c.email), c.url) if x]
        office = f"**{c.office}**" + (f": {name}" if name else "")
        rows.append((office, ", ".join(reach) or "—", c.when,
                     "checked" if c.status == "verified" else f"**{UNVERIFIED}**"))
    return table(["Who", "How to reach", "When", "Contact"], rows)


def notification_deadlines_markdown(oc: OnCall) -> str:
    """By when each one is told, soonest first, each deadline marked when nobody confirmed it."""
    if oc.security is None:
        raise LookupFailed("data/oncall.yml has no 'security' section (contacts and deadlines)")
    offices = {c.id: c.office for c in oc.security.contacts}
    rows = []
    for d in sorted(oc.security.deadlines, key=lambda d: d.within_hours):
        who = offices.get(d.notify, "Affected students and staff" if d.notify == "affected-users" else d.notify)
        rows.append((who, f"**{d.within_hours} h**", d.after, d.basis,
                     "checked" if d.status == "verified" else f"**{UNVERIFIED}**"))
    return table(["Notify", "Within", "Counted from", "Basis", "Deadline"], rows)
