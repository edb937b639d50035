"""`data/monitoring.yml`: severities, alert topics, CloudWatch alarms, dashboards and checks.

The alarm list is what runbooks are checked against: every alarm has a runbook, every runbook
names existing alarms.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

from busdocs.data.models.base import Model, Slug

REFERENCE = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)*)\}")
"""`{database.identifier}` in a value: the field of the environment's `data/infrastructure.yml`."""


class UnresolvedReference(LookupError):
    """A `{path}` reference that names no value of an environment's infrastructure."""


def resolve(template: str, infra: Any) -> str:
    """`template` with every `{path}` replaced by that value of `infra` (one environment's resources).

    Raises:
        UnresolvedReference: naming the path, when a field does not exist or has no value.
    """

    def value(match: re.Match[str]) -> str:
        current = infra
        for part in match.group(1).split("."):
            current = getattr(current, part, None)
            if current is None:
                raise UnresolvedReference(match.group(1))
        return str(current)

    return REFERENCE.sub(value, template)


def references(template: str) -> list[str]:
    """The `{path}` references of a value."""
    return REFERENCE.findall(template)

Comparison = Literal["GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold",
                     "LessThanOrEqualToThreshold"]
COMPARISON_SIGNS = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": "≥",
                    "LessThanThreshold": "<", "LessThanOrEqualToThreshold": "≤"}


class Severity(Model):
    """A severity level, defined once and used by alarms, runbooks and the incident plan."""

    id: str = Field(pattern=r"^SEV[1-3]$")
    name: str
    meaning: str
    examples: str
    page: bool
    """Whether the on-call engineer is paged (PagerDuty) at any hour."""
    acknowledge_minutes: int = Field(gt=0)
    status_page_minutes: int | None = None
    """Minutes within which the status page is updated; None for no public update."""
    update_every_minutes: int | None = None
    declare: bool = True
    """Whether an alarm of this severity is declared an incident at once (an incident channel, an IC)."""
    templates: list[Slug] = Field(default_factory=list)
    """Communication templates to use, by their heading's anchor on the incident response page
    (`status-page`, `in-app-banner`), in order."""


class Topic(Model):
    """An SNS topic alarms notify."""

    name: Slug
    """The topic's name, the same in every environment's account."""
    delivers_to: list[str] = Field(min_length=1)

    def arn(self, region: str, account_id: str | None) -> str:
        """The topic's ARN in an account (`ACCOUNT_ID` while the id is not recorded)."""
        return f"arn:aws:sns:{region}:{account_id or 'ACCOUNT_ID'}:{self.name}"


class Alarm(Model):
    """One CloudWatch alarm (or an external check routed through CloudWatch)."""

    name: Slug
    """The CloudWatch alarm name; also the runbook's URL: `/runbooks/alarms/<name>/`."""
    summary: str
    """One line: what fired, in words."""
    service: str
    """The part of the system it watches (`api`, `database`, `payments`, …)."""
    metric: str
    namespace: str
    statistic: str
    """`Average`, `Sum`, `Maximum`, `Minimum` or a percentile (`p95`)."""
    dimensions: dict[str, str] = Field(default_factory=dict)
    """Values that differ per environment are references: `{database.identifier}`."""
    comparison: Comparison
    threshold: int | float
    unit: str = ""
    period: int = Field(gt=0)
    """Seconds per data point."""
    evaluation_periods: int = Field(gt=0)
    datapoints_to_alarm: int | None = None
    treat_missing_data: Literal["missing", "breaching", "notBreaching", "ignore"] = "missing"
    severity: str = Field(pattern=r"^SEV[1-3]$")
    impact: Literal["users", "none-yet"]
    """Whether users notice when it fires (`users`) or it warns before they do (`none-yet`). Only an
    alarm users notice may page at night: `busdocs check` fails a paging severity with `none-yet`, and
    a runbook whose Impact section says users are not affected yet while its alarm pages."""
    threshold_reason: str | None = None
    """Why the threshold is where it is (shown in every runbook's facts; `busdocs check` requires it)."""
    baseline: str | None = None
    """The normal value of the metric, expected before launch until measured after the soft launch."""
    topic: Slug
    dashboard: Slug
    """Id of the dashboard to open first (its name per environment is in `data/infrastructure.yml`)."""

    def for_environment(self, infra: Any) -> Alarm:
        """This alarm with its dimensions resolved for one environment's resources."""
        return self.model_copy(update={"dimensions": {k: resolve(v, infra) for k, v in self.dimensions.items()}})

    @property
    def condition(self) -> str:
        """`ErrorRate > 5 % for 2 × 300 s`."""
        threshold = f"{self.threshold:g}"
        unit = f" {self.unit}" if self.unit else ""
        points = (f"{self.datapoints_to_alarm} of {self.evaluation_periods}" if self.datapoints_to_alarm
                  else f"{self.evaluation_periods}")
        return (f"{self.statistic} {self.metric} {COMPARISON_SIGNS[self.comparison]} {threshold}{unit} "
                f"for {points} × {self.period} s")


class Dashboard(Model):
    id: Slug
    """What runbooks and alarms call it; its name per environment is in `data/infrastructure.yml`."""
    purpose: str
    widgets: list[str] = Field(min_length=1)


class LogGroup(Model):
    name: str
    """May hold references: `/aws/rds/instance/{database.identifier}/postgresql`."""
    retention_days: int = Field(gt=0)
    holds: str


class UptimeCheck(Model):
    url: str = Field(pattern=r"^https://")
    interval_minutes: int = Field(gt=0)
    expect: str


class Monitoring(Model):
    """Contents of `data/monitoring.yml`."""

    severities: list[Severity] = Field(min_length=1)
    """SEV1–SEV3, defined once for alarms, runbooks and the incident plan."""
    topics: list[Topic] = Field(min_length=1)
    """SNS topics alarms notify."""
    alarms: list[Alarm] = Field(min_length=1)
    """Every CloudWatch alarm; each has a runbook."""
    dashboards: list[Dashboard] = Field(min_length=1)
    """CloudWatch dashboards runbooks point to."""
    log_groups: list[LogGroup] = Field(default_factory=list)
    uptime_checks: list[UptimeCheck] = Field(default_factory=list)

    def alarm(self, name: str) -> Alarm | None:
        return next((a for a in self.alarms if a.name == name), None)
