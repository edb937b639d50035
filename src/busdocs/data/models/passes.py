"""`data/passes.yml`: the bus pass types students can buy, and their prices."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from busdocs.data.models.base import Model, Slug


class PassType(Model):
    """One kind of bus pass sold in the student app."""

    id: Slug
    name: str
    """Name shown in the app, e.g. `Semester pass`."""
    price: int = Field(gt=0)
    """Price in the university's currency (whole units, e.g. rupees)."""
    validity: str
    """How long it is valid, in words (`one semester, until the last exam day`)."""
    validity_days: int = Field(gt=0)
    """Validity in days, used for renewals and reports."""
    rides: Literal["unlimited"] | int = "unlimited"
    """Rides included: `unlimited` or a number."""
    eligible: list[Literal["students", "staff"]] = Field(min_length=1)
    """Who may buy it."""
    renewable_days_before: int = Field(ge=0, default=7)
    """How many days before expiry a renewal can be bought."""
    refundable: bool = True
    """Whether an unused pass can be refunded."""
    description: str


class Passes(Model):
    """Contents of `data/passes.yml`."""

    payment_window_minutes: int = Field(gt=0)
    """How long a KuickPay consumer number stays payable after checkout."""
    refund_window_days: int = Field(ge=0)
    """Days after purchase within which an unused pass is refunded in full."""
    types: list[PassType] = Field(min_length=1)
