"""`data/site.yml`: the product, its domains, apps, launch dates and support contacts."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from busdocs.data.models.base import Email, Host, Model, Slug, Url


class MediaContact(Model):
    """Who answers the press: named in press releases, so public."""

    name: str
    role: str
    email: Email


class University(Model):
    """The university that runs the buses."""

    name: str
    """Full name, as printed on student cards."""
    short_name: str
    """The name people say (used in short texts and push notifications)."""
    transport_office: str
    """The office that runs the bus service and owns this documentation."""
    city: str
    timezone: str = Field(pattern=r"^[A-Za-z]+/[A-Za-z_]+$")
    """IANA time zone of the campus, e.g. `Asia/Karachi`."""
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    """ISO 4217 code of the currency passes are sold in."""
    email_domains: list[Host] = Field(min_length=1)
    """Domains of university e-mail addresses that may sign up (students and staff)."""
    media_contact: MediaContact
    """The university's contact for journalists (press releases end with it)."""


class Domains(Model):
    """Public host names. Internal hosts are listed in `internal_hosts`."""

    help: Host
    """The public help center (this site)."""
    api: Host
    """REST API host."""
    ws: Host
    """WebSocket host for live bus locations."""
    admin: Host
    """Admin dashboard."""
    status: Host
    """Public status page."""


class StoreLinks(Model):
    """Where to get one mobile app."""

    name: str
    """The app's name in the stores."""
    app_store: Url
    """Apple App Store link."""
    google_play: Url
    """Google Play link."""
    min_ios: str
    """Oldest supported iOS version."""
    min_android: str
    """Oldest supported Android version."""
    listing: Literal["live", "unverified"] = "unverified"
    """`live` once someone opened both store links and saw the published listing; until then the
    store ids are the ones planned in the submission and pages say the listing is not open yet."""


class Apps(Model):
    """The two mobile apps."""

    student: StoreLinks
    driver: StoreLinks


class Launch(Model):
    """Launch milestones, used by pages and communications."""

    soft_launch: date
    """Soft launch to the limited user group (beta testers)."""
    official_launch: date
    """Public launch: apps public, registration open, announcement sent."""
    soft_launch_group: str
    """Who is in the soft launch, in words."""


class SupportChannel(Model):
    """One way to reach support."""

    id: Slug
    kind: Literal["email", "phone", "chat", "desk", "web"]
    label: str
    """What the reader sees, e.g. `Transport help desk`."""
    address: str
    """The e-mail address, phone number, URL or room."""
    hours: str
    """When it is staffed, in local time."""
    response_time: str
    """What the reader can expect, e.g. `within 4 working hours`."""
    audiences: list[Literal["students", "drivers", "admins", "integrators"]] = Field(min_length=1)


class Support(Model):
    """How people get help."""

    email: Email
    """The main support address."""
    channels: list[SupportChannel] = Field(min_length=1)
    status_page: Url
    """Public status page with incidents and maintenance."""
    privacy_email: Email
    """Data protection requests."""


class Site(Model):
    """Contents of `data/site.yml`."""

    internal_fields: ClassVar[frozenset[str]] = frozenset({"internal_hosts"})

    product: str
    """Product name as written everywhere."""
    university: University
    domains: Domains
    internal_hosts: list[Host] = Field(default_factory=list)
    """Hosts that must never appear on the public site (the ops site, bastions, internal endpoints)."""
    apps: Apps
    launch: Launch
    support: Support
    repository: Url
    """Where the documentation sources live (edit links point here)."""
