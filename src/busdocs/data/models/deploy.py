"""`data/deploy.yml`: deploy targets, header rules by glob, content types, safety limits, and who may
reach the internal ops site."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from busdocs.data.models.base import Model, Slug


class Target(Model):
    """One S3 bucket + CloudFront distribution a built site is deployed to."""

    name: Slug
    site: Literal["public", "internal"]
    """Which build may go there; deploy refuses the other audience."""
    bucket: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    region: str = Field(pattern=r"^[a-z]{2}-[a-z]+-\d$")
    distribution_id: str = Field(pattern=r"^E[0-9A-Z]{8,16}$")
    base_url: str = Field(pattern=r"^https://.+/$")
    previews: bool = False
    """Previews of changes may go under `previews/pr-<n>/` of this target (staging targets only):
    `busdocs deploy --target NAME --preview N`; deploys of the site itself leave that prefix alone."""


class HeaderRule(Model):
    """Headers for the objects whose key matches `glob` (first matching rule wins)."""

    glob: str
    """Gitignore-style, anchored at the site root (`busdocs.globs`): `*` matches within a folder,
    `**` across folders: `assets/**`, `**/*.html`."""
    fingerprinted: bool = False
    """Also require a content hash in the file name (`main.57a0d79d.min.css`)."""
    site: Literal["public", "internal"] | None = None
    """Apply the rule only to builds of this audience (the ops site's `downloads/` hold the on-call
    handbook and the offline bundle); without it, to both."""
    cache_control: str


class Limits(Model):
    max_deletes: int = Field(ge=0)
    """Refuse a run that would delete more objects than this."""
    max_delete_share: float = Field(gt=0, le=1)
    """Refuse a run that would delete more than this share of the bucket."""
    asset_grace_days: int = Field(ge=0)
    """Keep fingerprinted assets of earlier releases this many days (pages cached elsewhere use them)."""
    invalidation_budget: int = Field(ge=1, le=3000)
    """At most this many CloudFront invalidation paths per run; more are collapsed to wildcards."""


Cidr = Annotated[str, Field(pattern=r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
                                     r"(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}/([8-9]|[12][0-9]|3[0-2])$")]
"""An IPv4 range in CIDR notation, /8 to /32 (`203.0.113.0/24`)."""


class StaffRange(Model):
    """One source range the ops site answers to."""

    cidr: Cidr
    name: str = Field(min_length=3)
    """What the range is, in words (`University VPN egress`)."""
    verified: bool
    """True only once someone checked the range against the university network (say who and when in
    `source`); the ops site shows an unverified range as unverified."""
    source: str = Field(min_length=10)
    """Where the range comes from: who confirmed it, or why it is still a stand-in."""


class RateLimit(Model):
    """The per-address rate limit of the staff-only web ACL (a WAF rate-based rule)."""

    requests: int = Field(ge=10, le=2_000_000_000)
    """Requests one source address may make within the window before WAF blocks it."""
    window_seconds: Literal[60, 120, 300, 600]
    """The evaluation window (WAF accepts 60, 120, 300 or 600 seconds)."""


class RequestAccess(Model):
    """Who a member of staff asks to reach the ops site."""

    team: Slug
    """The team (id in `data/oncall.yml`) that adds people to the VPN group and answers questions."""
    approver: Slug
    """The person (id in `data/oncall.yml`) who approves VPN access to the ops site."""
    how: str = Field(min_length=20)
    """What to send them, in one or two sentences."""


class Access(Model):
    """Who may reach the internal ops site: `infra/hosting.yaml` turns this into a WAF web ACL
    (`<bucket>-staff-only`) on every internal stack, and `busdocs deploy` refuses an internal
    target whose distribution does not have it."""

    staff_ranges: list[StaffRange] = Field(min_length=1)
    """IPv4 ranges allowed to the ops site; everything else gets 403 from CloudFront."""
    rate_limit: RateLimit
    request_access: RequestAccess


class Deploy(Model):
    """Contents of `data/deploy.yml`."""

    common_fields: ClassVar[frozenset[str]] = frozenset({"headers", "content_types"})  # site paths, media types

    targets: list[Target] = Field(min_length=1)
    """Deploy targets, by name."""
    headers: list[HeaderRule] = Field(min_length=1)
    """Header rules; the last one should match everything (`**`)."""
    content_types: dict[str, str]
    """File extension → Content-Type; text types carry `charset=utf-8`."""
    limits: Limits
    """Safety limits of a run."""
    access: Access
    """Who may reach the internal ops site, and how it is checked."""
