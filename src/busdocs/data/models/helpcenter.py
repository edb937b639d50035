"""Data behind the help center's listing pages: FAQ, known issues, releases, training, videos."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from busdocs.data.models.base import Model, Slug, Url

Audience = Literal["students", "drivers", "admins", "integrators"]
Product = Literal["student-app", "driver-app", "admin-dashboard", "api"]
PagePath = str
"""A public page of the repository, optionally with an anchor: `guides/students/buy-a-pass.md#renew`."""


class Question(Model):
    """One FAQ entry."""

    q: str
    """The question, as people ask it."""
    a: str = ""
    """The short answer (Markdown, one or two sentences). May be left out when `fact` gives it."""
    fact: str | None = Field(default=None, pattern=r"^(payment-failures/[a-z0-9-]+|trip-start-refusals)$")
    """An answer rendered from `data/service.yml`, after `a`: `payment-failures/bank-declined` (what
    to do and when money comes back) or `trip-start-refusals` (every reason, with who fixes it)."""
    see: PagePath = Field(pattern=r"^(docs|guides)/[^\s#]+\.md(#[a-z0-9_-]+)?$")
    """The page that answers it in full (a public page; checked to exist)."""
    id: str | None = Field(default=None, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    """Its anchor on the FAQ page (`faq/#<id>`); by default made from the question. Set it to keep
    old links working when the question is reworded."""

    @model_validator(mode="after")
    def _has_answer(self) -> Question:
        if not self.a.strip() and not self.fact:
            raise ValueError("a question needs an answer: 'a', 'fact' or both")
        return self


class FaqSection(Model):
    audience: Audience
    title: str
    questions: list[Question] = Field(min_length=1)


class Faq(Model):
    """Contents of `data/faq.yml`."""

    sections: list[FaqSection] = Field(min_length=1)
    """One section per audience, in the order the FAQ page shows them."""


class KnownIssue(Model):
    """A problem in a current release, with its workaround."""

    id: str = Field(pattern=r"^KI-\d{3}$")
    title: str
    product: Product
    affects: str
    """Which versions and platforms, in words (`Student app 1.0.x on Android 14`)."""
    symptom: str
    workaround: str
    status: Literal["investigating", "fix-in-progress", "fixed"]
    reported: date
    fixed_in: str | None = None
    """Version that fixes it (must exist in `data/releases.yml` for the same product)."""

    @model_validator(mode="after")
    def _fixed_has_version(self) -> KnownIssue:
        if self.status == "fixed" and not self.fixed_in:
            raise ValueError("a fixed issue needs 'fixed_in' (the version that fixes it)")
        return self


class KnownIssues(Model):
    """Contents of `data/known_issues.yml`."""

    issues: list[KnownIssue] = Field(default_factory=list)
    """Known issues, newest first."""


class Change(Model):
    kind: Literal["new", "improved", "fixed", "security", "removed"]
    text: str


class Release(Model):
    """One version of one product."""

    product: Product
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    released: date
    summary: str
    changes: list[Change] = Field(min_length=1)


class Releases(Model):
    """Contents of `data/releases.yml`."""

    products: dict[Product, str]
    """Display name of each product."""
    releases: list[Release] = Field(min_length=1)
    """Every release, any order; pages show them newest first."""


class Session(Model):
    """One training session of a plan."""

    id: Slug
    title: str
    duration_minutes: int = Field(gt=0)
    format: str
    """Where and how: `Computer lab CL-2, hands-on`."""
    objectives: list[str] = Field(min_length=1)
    exercises: list[str] = Field(min_length=1)


class TrainingPlan(Model):
    """A training plan for one audience."""

    id: Slug
    audience: Literal["admins", "drivers", "help-desk"]
    title: str
    trainer: str
    group_size: int = Field(gt=0)
    sessions: list[Session] = Field(min_length=1)
    sign_off: list[str] = Field(min_length=1)
    """What a trainee must show, unaided, to be signed off."""
    handbook: Slug | None = None
    """The PDF handbook trainees keep (id in `data/handbooks.yml`, when that exists)."""


class Video(Model):
    """A video tutorial, linked, never embedded: no player loads from outside the site."""

    title: str
    audience: Audience
    duration: str = Field(pattern=r"^\d{1,2}:\d{2}$")
    """Length as `m:ss` (planned: the script's length)."""
    status: Literal["planned", "published"] = "planned"
    """`published` only once the recording is online at `link`; until then it is listed as planned."""
    link: Url | None = None
    """Where it plays (required once published; a planned video has none)."""
    owner: str | None = None
    """Who records it (required while planned)."""
    due: date | None = None
    """When it is to be online (required while planned)."""
    summary: str

    @model_validator(mode="after")
    def _status_fields(self) -> Video:
        if self.status == "published" and not self.link:
            raise ValueError("a published video needs its link")
        if self.status == "planned" and (self.link or not self.owner or not self.due):
            raise ValueError("a planned video has an owner and a due date, and no link yet")
        return self


class Training(Model):
    """Contents of `data/training.yml`."""

    plans: list[TrainingPlan] = Field(min_length=1)
    videos: list[Video] = Field(default_factory=list)
    """Video tutorials, in the order of the index."""
