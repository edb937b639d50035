"""The "first five minutes" box at the top of every alarm runbook, and its deep links.

Generated from data, so it says the same everywhere: acknowledge (within the severity's time, in
the environment's paging service), look at recent deploys, declare or not by the severity matrix,
which communication templates to use, one click to the evidence (console links built for the
environment's account and region), and who owns the runbook and when it was last reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from busdocs.content import console_links as links
from busdocs.data.models.infrastructure import EnvironmentInfrastructure
from busdocs.data.models.monitoring import Alarm, Monitoring, resolve
from busdocs.data.models.oncall import OnCall

REPOSITORY = "university-bus-tracker/bus-tracker"
"""The application repository whose deploy workflow runs (GitHub)."""

ERRORS_QUERY = ("fields @timestamp, @logStream, level, err.message, req.route\n"
                "| filter level = 'error'\n| stats count(*) as errors by err.message, req.route\n"
                "| sort errors desc\n| limit 20")
"""The Logs Insights query the box links: the backend's errors of the last hour, grouped."""

TEMPLATE_TITLES = {"status-page": "Status page", "in-app-banner": "In-app banner",
                   "e-mail-to-the-transport-office": "E-mail to the Transport Office", "slack-update": "Slack update"}


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


def evidence_links(alarm: Alarm, mon: Monitoring, infra: EnvironmentInfrastructure) -> list[Link]:
    """Console links for an alarm: the alarm, its dashboard, the backend's errors in Logs Insights,
    and the console page of the resource it watches."""
    region = infra.region
    groups = [resolve(g.name, infra) for g in mon.log_groups if g.name == "/aws/ec2/backend"]
    found = [Link(f"alarm {alarm.name}", links.cloudwatch_alarm(region, alarm.name)),
             Link(f"dashboard {infra.cloudwatch.dashboards[alarm.dashboard]}",
                  links.cloudwatch_dashboard(region, infra.cloudwatch.dashboards[alarm.dashboard])),
             Link("backend errors, last hour (Logs Insights)", links.logs_insights(region, groups, ERRORS_QUERY))]
    if alarm.service in ("database", "backups"):
        found.append(Link(f"RDS {infra.database.identifier}", links.rds_instance(region, infra.database.identifier)))
    if alarm.service == "cache":
        found.append(Link(f"ElastiCache {infra.cache.replication_group}",
                          links.elasticache_redis(region, infra.cache.replication_group)))
    if alarm.service in ("api", "realtime", "edge"):
        found.append(Link(f"load balancer {infra.load_balancer.name}",
                          links.load_balancer(region, infra.load_balancer.name)))
    if alarm.service in ("backend", "api", "realtime"):
        found.append(Link(f"Auto Scaling group {infra.auto_scaling.name}",
                          links.auto_scaling_group(region, infra.auto_scaling.name)))
    account = infra.account
    return [Link(link.label, links.signed_in(link.url, account.sso_start_url, account.id, account.sso_role))
            for link in found]


def box_markdown(*, alarm: Alarm, environment: str, mon: Monitoring, oc: OnCall, infra: EnvironmentInfrastructure,
                 owner: str, last_reviewed: date, review_interval_days: int, today: date, deploy_workflow: str,
                 status_page: str, docs: str, terminal: bool) -> str:
    """The box for `alarm` rendered for `environment`.

    Args:
        docs: How links to other ops pages start: `../` on the site, the ops site's URL in the terminal.
        terminal: Plain lines with URLs printed (a terminal cannot click a Markdown link).
    """
    severity = next(s for s in mon.severities if s.id == alarm.severity)
    team = next((t for t in oc.teams if t.id == owner), None)
    pager = infra.cloudwatch.pagerduty_service
    ir = f"{docs}incident-response{'/' if terminal else '.md'}"

    def link(label: str, url: str) -> str:
        return f"{label} <{url}>" if terminal else f"[{label}]({url})"

    pager_url = infra.cloudwatch.pagerduty_url
    pager_link = (link(f"PagerDuty, service “{pager}”", pager_url) if pager and pager_url
                  else f"PagerDuty (service “{pager}”)")
    status = link("status page", status_page)
    why = ("users are not affected yet" if alarm.impact == "none-yet"
           else "a minor degradation with a workaround, by the severity matrix")
    if pager and severity.page:
        ack = (f"**Acknowledge** the page in {pager_link} within "
               f"{severity.acknowledge_minutes} min: it pages at any hour, and the next person is paged if you do not.")
    elif pager:
        ack = (f"**Acknowledge** in `#bus-tracker-alerts` within {severity.acknowledge_minutes // 60} h on a working "
               f"day: {severity.id} does not page at night ({why}), so nothing waits in "
               f"{pager_link}.")
    else:
        ack = (f"**{environment.capitalize()} pages nobody**: look when you can; nothing here reaches users, so "
               f"there is no incident, no page and no banner. The {status} is production's: never post "
               f"{environment} problems there.")
    steps = [ack,
             f"**Recent deploys**: `gh run list --repo {REPOSITORY} --workflow {deploy_workflow}.yml --limit 3`. "
             "A deploy in the last hour is the first suspect: see Rollback below."]
    if pager:
        if severity.declare:
            steps.append(f"**Declare** a {severity.id} ({severity.name}) incident now in `{oc.incident_channel}` and "
                         f"take incident commander until you hand over ({link('severity matrix', ir + '#severity')}, "
                         f"{link('the first 15 minutes', ir + '#the-first-15-minutes')}).")
        else:
            steps.append(f"**Do not declare** an incident for a {severity.id} ({severity.name}) on its own; declare "
                         f"when users are affected ({link('severity matrix', ir + '#severity')}).")
        templates = ", then ".join(link(TEMPLATE_TITLES.get(t, t), f"{ir}#{t}") for t in severity.templates)
        when = (f"status page within {severity.status_page_minutes} min, updates every "
                f"{severity.update_every_minutes} min" if severity.status_page_minutes else "no public update")
        steps.append(f"**Communicate** ({when}): {templates}; the {status}.")
    evidence = evidence_links(alarm, mon, infra)
    if terminal:
        steps.append("**Evidence**:\n" + "\n".join(f"   - {e.label}: {e.url}" for e in evidence))
    else:
        # <…>: console fragments hold nested parentheses (Logs Insights), which end a bare link early
        steps.append("**Evidence**: " + " · ".join(f"[{e.label}](<{e.url}>)" for e in evidence))
    due = last_reviewed + timedelta(days=review_interval_days)
    review = (f"last reviewed {last_reviewed.isoformat()}, **review overdue since {due.isoformat()}**"
              if today > due else f"last reviewed {last_reviewed.isoformat()}, next review {due.isoformat()}")
    owner_text = f"{team.name} ({team.slack})" if team else owner
    footer = f"{alarm.severity} · {environment} · owner {owner_text} · {review}"
    title = f"First five minutes — {alarm.severity} {severity.name}, {environment}"
    if terminal:
        body = "\n".join(f"> {i}. {s}".replace("\n", "\n> ") for i, s in enumerate(steps, 1))
        return f"> **{title}**\n>\n{body}\n>\n> {footer}\n"
    body = "\n".join(f"    {i}. {s}".replace("\n", "\n    ") for i, s in enumerate(steps, 1))
    return f'!!! danger "{title}"\n\n{body}\n\n    {footer}\n'
