"""`data/oncall.yml`: teams, the on-call rotation and escalation policies. INTERNAL."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from busdocs.data.models.base import Email, Model, Slug


class Person(Model):
    id: Slug
    name: str
    role: str
    phone: str
    """Work mobile, for escalation calls."""
    email: Email


class Team(Model):
    """A team that owns runbooks and services."""

    id: Slug
    name: str
    lead: Slug
    """Person id of the team lead."""
    slack: str = Field(pattern=r"^#[a-z0-9-]+$")
    pagerduty_schedule: str
    services: list[str] = Field(min_length=1)
    """Services (as alarms name them) this team owns."""


class EscalationStep(Model):
    after_minutes: int = Field(ge=0)
    """Minutes after the page with no acknowledgement before this step is paged."""
    who: str
    """A rotation (`primary on-call`) or a person id."""


class EscalationPolicy(Model):
    id: Slug
    name: str
    steps: list[EscalationStep] = Field(min_length=1)


class Rotation(Model):
    name: str
    handover: str
    """When the rotation hands over, e.g. `Monday 09:00 Asia/Karachi`."""
    members: list[Slug] = Field(min_length=2)
    """Person ids in rotation order."""


class HypercareShift(Model):
    """One shift of the hypercare roster after the official launch."""

    starts_hour: int = Field(ge=0, le=47)
    """Hours after hypercare starts (0, 8, 16, …)."""
    hours: int = Field(gt=0, le=12)
    primary: Slug
    """The engineer watching (a person id)."""
    secondary: Slug
    """The engineer who takes over if the primary is busy with an incident."""
    desk: Slug | None = None
    """The help-desk lead the shift escalates with (a person id); none at night, when the desk and
    the in-app chat are closed."""
    lead: Slug
    """The decision maker that shift (rolls back, declares)."""


class WatchItem(Model):
    """One thing watched during hypercare, with the line that calls for action."""

    common_fields: ClassVar[frozenset[str]] = frozenset({"what"})  # metric names: report vocabulary

    what: str
    where: str
    """Dashboard, report or channel where it is read."""
    act_when: str
    """The threshold: when it is crossed, the watcher acts."""
    action: str
    """What they do."""
    every_minutes: int = Field(gt=0)
    """How often it is read."""


class Hypercare(Model):
    """The 48 hours after the official launch."""

    start_time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    """When it starts on the official launch date (Asia/Karachi)."""
    hours: int = Field(gt=0)
    channel: str = Field(pattern=r"^#[a-z0-9-]+$")
    """Where the hypercare team posts its checks."""
    check_in: str
    """The stand-up: when and where."""
    shifts: list[HypercareShift] = Field(min_length=1)
    watch: list[WatchItem] = Field(min_length=1)


class OnCall(Model):
    """Contents of `data/oncall.yml`."""

    people: list[Person] = Field(min_length=1)
    """Everyone who can be paged or escalated to."""
    teams: list[Team] = Field(min_length=1)
    """Teams that own runbooks."""
    rotations: list[Rotation] = Field(min_length=1)
    """Weekly on-call rotations."""
    escalation_policies: list[EscalationPolicy] = Field(min_length=1)
    """Who is paged next when a page is not acknowledged."""
    incident_channel: str = Field(pattern=r"^#[a-z0-9-]+$")
    """Slack channel where incidents are run."""
    bridge: str
    """The standing incident call (Google Meet or phone bridge)."""
    hypercare: Hypercare | None = None
    """The roster and watch list of the 48 hours after the official launch."""
