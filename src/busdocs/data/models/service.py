"""`data/service.yml`: the service's rules stated once: limits and timings, the reasons a trip
will not start, and the ways a payment fails. Guides, FAQ and troubleshooting render them by macro,
and a test reads every built page for numbers that contradict them."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from busdocs.data.models.base import Model, Slug


class Rule(Model):
    """One number the service is built around (a limit, a timing, a count)."""

    id: Slug
    value: int | float | str
    """The number, in `unit`; a time of day as text (`"06:30"`)."""
    unit: str
    """`minutes`, `hours`, `days`, `working days`, `km/h`, `seconds`, `attempts`, `m` …"""
    text: str
    """What it means, in one sentence (the rules table on the FAQ page)."""
    patterns: list[str] = Field(default_factory=list)
    """Regular expressions, each with one group capturing a number, that find this rule stated in
    a built page's text (`locked for (\\d+) minutes`). A page stating another number fails a test."""

    @field_validator("patterns")
    @classmethod
    def _one_group(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            if re.compile(p).groups != 1:
                raise ValueError(f"pattern {p!r} must capture exactly one number")
        return patterns


Fixer = Literal["driver", "hotline", "transport-office", "workshop", "update"]


class TripStartRefusal(Model):
    """One reason the driver app refuses to start a trip."""

    id: Slug
    message: str
    """What the driver app shows, word for word."""
    cause: str
    """Why, in the driver's words."""
    banner: str
    """What the admin dashboard shows on the driver's page (**Drivers →** the driver)."""
    fixed_by: Fixer
    """Who can clear it: the driver, the hotline controller, the Transport Office, the workshop, an app update."""
    driver_fix: str
    """What the driver does."""
    admin_fix: str
    """What the Transport Office does in the dashboard."""


class PaymentFailure(Model):
    """One way paying for a pass goes wrong, as a student meets it."""

    id: Slug
    """Also the anchor of its section on the troubleshooting page."""
    title: str
    """The heading: the student's words (`The bank declined the payment`)."""
    message: str
    """The message shown, word for word (bank wording varies: say so)."""
    where: str
    """Where the message appears: the bank's app, the Bus Tracker app, an e-mail."""
    charged: str
    """Whether money left the student's account."""
    what_to_do: list[str] = Field(min_length=1)
    """Steps, in order."""
    money_back: str
    """When money comes back, if it left."""
    faq: str | None = None
    """The FAQ question's anchor that sums this case up, if any."""


class Service(Model):
    """Contents of `data/service.yml`."""

    rules: list[Rule] = Field(min_length=1)
    """Limits and timings, each stated once; `{{ rule("id") }}` on pages, checked in built pages."""
    trip_start_refusals: list[TripStartRefusal] = Field(min_length=1)
    """Why the driver app will not start a trip, in the order a driver checks them."""
    payment_failures: list[PaymentFailure] = Field(min_length=1)
    """How paying for a pass fails, in the order students meet the cases."""
