"""`data/oncall.yml`: teams, the on-call rotation and escalation policies. INTERNAL."""

from __future__ import annotations

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
