"""`data/monitoring.yml`: severities, alert topics, CloudWatch alarms, dashboards and checks.

The alarm list is what runbooks are checked against: every alarm has a runbook, every runbook
names existing alarms.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from busdocs.data.models.base import Model, Slug

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


class Topic(Model):
    """An SNS topic alarms notify."""

    name: Slug
    arn: str = Field(pattern=r"^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$")
    delivers_to: list[str] = Field(min_length=1)


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
    comparison: Comparison
    threshold: int | float
    unit: str = ""
    period: int = Field(gt=0)
    """Seconds per data point."""
    evaluation_periods: int = Field(gt=0)
    datapoints_to_alarm: int | None = None
    treat_missing_data: Literal["missing", "breaching", "notBreaching", "ignore"] = "missing"
    severity: str = Field(pattern=r"^SEV[1-3]$")
    topic: Slug
    dashboard: str
    """The dashboard to open first."""

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
    name: str
    purpose: str
    widgets: list[str] = Field(min_length=1)


class LogGroup(Model):
    name: str
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
