"""`data/oncall.yml`: teams, the on-call rotation and escalation policies. INTERNAL."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

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


class SecurityContact(Model):
    """Someone to tell in a security incident: an office of the university, a partner or an authority."""

    id: Slug
    office: str
    who: Slug | None = None
    """A person of `people` (name, phone and e-mail come from there)."""
    name: str | None = None
    email: Email | None = None
    phone: str | None = None
    url: str | None = Field(default=None, pattern=r"^https://")
    when: str
    """When this contact is told."""
    status: Literal["verified", "unverified"]
    """`verified` once the Information security officer confirmed the contact with that office."""


class NotificationDeadline(Model):
    """By when someone must be told, counted from `after`."""

    notify: Slug
    """A contact id, or `affected-users`."""
    within_hours: int = Field(gt=0)
    after: str
    basis: str
    """The policy, contract or law it comes from."""
    status: Literal["verified", "unverified"]


class Security(Model):
    """Contacts and notification deadlines of the security incident runbook."""

    contacts: list[SecurityContact] = Field(min_length=1)
    deadlines: list[NotificationDeadline] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_contacts(self) -> Security:
        ids = {c.id for c in self.contacts} | {"affected-users"}
        for deadline in self.deadlines:
            if deadline.notify not in ids:
                raise ValueError(f"deadline for {deadline.notify!r}: no such contact (known: {', '.join(sorted(ids))})")
        return self

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
    security: Security | None = None
    """Contacts and deadlines of a security incident (`runbooks/security-incident.md`)."""
    hypercare: Hypercare | None = None
    """The roster and watch list of the 48 hours after the official launch."""
