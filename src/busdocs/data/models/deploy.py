"""`data/deploy.yml`: deploy targets, header rules by glob, content types and safety limits."""

from __future__ import annotations

from typing import ClassVar, Literal

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


class HeaderRule(Model):
    """Headers for the objects whose key matches `glob` (first matching rule wins)."""

    glob: str
    """Gitignore-style, anchored at the site root (`busdocs.globs`): `*` matches within a folder,
    `**` across folders: `assets/**`, `**/*.html`."""
    fingerprinted: bool = False
    """Also require a content hash in the file name (`main.57a0d79d.min.css`)."""
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
