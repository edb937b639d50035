"""`data/launch.yml`: the launch plan's checklists, gates and success metrics, as data."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from busdocs.data.models.base import Model, Slug

Status = Literal["todo", "in_progress", "done", "blocked", "waived"]
Group = Literal["tasks", "deliverables", "acceptance", "readiness", "post-launch"]


class Owner(Model):
    """Someone accountable for checklist items."""

    id: Slug
    name: str
    role: str


class Item(Model):
    """One checklist item of the launch plan."""

    id: Slug
    """Stable identifier, unique across the file; gates and notes refer to it."""
    title: str
    """The item as the launch plan words it."""
    status: Status = "todo"
    owner: Slug | None = None
    """Owner id; defaults to the section's owner."""
    due: date | None = None
    """Due date; defaults to the section's due date."""
    evidence: str | None = None
    """What shows it is done: a repository page (`guides/students/index.md`) or an https:// URL."""
    notes: str | None = None
    reason: str | None = None
    """Why it is waived (required when `status: waived`)."""
    blocked_by: str | None = None
    """What blocks it (required when `status: blocked`)."""

    @model_validator(mode="after")
    def _status_needs(self) -> Item:
        if self.status == "waived" and not self.reason:
            raise ValueError("a waived item needs a 'reason'")
        if self.status == "blocked" and not self.blocked_by:
            raise ValueError("a blocked item needs 'blocked_by' (what blocks it)")
        if self.status == "done" and not self.evidence:
            raise ValueError("a done item needs 'evidence' (a page or an https:// URL)")
        if self.evidence and not (self.evidence.startswith("https://") or self.evidence.endswith(".md")
                                  or "#" in self.evidence):
            raise ValueError("evidence is a repository page (*.md) or an https:// URL")
        return self


class Section(Model):
    """A section of the plan: one of the 17 task sections, a deliverables or readiness group, …"""

    id: Slug
    title: str
    group: Group
    """Which part of the plan the section belongs to."""
    owner: Slug
    """Default owner of the section's items."""
    due: date
    """Default due date of the section's items."""
    items: list[Item] = Field(min_length=1)


class Gate(Model):
    """A go/no-go decision: ready only when every item it names is done or waived."""

    id: Slug
    title: str
    description: str
    sections: list[Slug] = Field(default_factory=list)
    """Every item of these sections counts."""
    items: list[Slug] = Field(default_factory=list)
    """And these items."""
    verified_infrastructure: list[Slug] = Field(default_factory=list)
    """Environments whose resources in `data/infrastructure.yml` must all be verified against the
    account: the gate stays closed while any is `status: unverified`."""


class Metric(Model):
    """A success metric of the launch."""

    common_fields: ClassVar[frozenset[str]] = frozenset({"name"})  # "API response time (p95)": report vocabulary

    id: Slug
    name: str
    kind: Literal["technical", "business"]
    comparator: Literal["<", ">", "track"]
    """`<` or `>` for a target; `track` for metrics that are reported without a target."""
    target: float | None = None
    unit: str = ""
    """Unit of the target: `%`, `ms`, `s`, `per day`."""
    source: str
    """Where the figure comes from."""
    review: str
    """How often and by whom it is reviewed."""

    @model_validator(mode="after")
    def _target_given(self) -> Metric:
        if (self.comparator == "track") != (self.target is None):
            raise ValueError("a target goes with '<' or '>', and none with 'track'")
        return self

    @property
    def target_text(self) -> str:
        """`< 200 ms`, `> 99.5 %`, or `tracked`."""
        if self.target is None:
            return "tracked"
        value = f"{self.target:g}"
        return f"{self.comparator} {value} {self.unit}".strip()


HourMinute = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
"""A time of day, `07:30` (Asia/Karachi)."""


class ShowStep(Model):
    """One line of a launch day's run-of-show."""

    at: HourMinute
    what: str
    """What happens, in a sentence or two (Markdown)."""
    who: Slug
    """The owner (an id of `owners`) who does it or calls it."""
    decision: str | None = None
    """For a go/no-go call: what must hold to say go. The step is then listed as a decision."""
    day: int = Field(default=0, ge=-1, le=2)
    """Days from the launch date: -1 the day before, 0 the day itself, 1 the day after."""


class LaunchDay(Model):
    """A launch day (soft or official): its run-of-show and what makes it roll back."""

    id: Slug
    title: str
    date_of: Literal["soft_launch", "official_launch"]
    """Which date of `data/site.yml` (`launch.soft_launch` or `launch.official_launch`) it is."""
    gate: Slug
    """The gate (`gates`) that must be GO before the first go/no-go call."""
    audience: str
    """Who is let in that day."""
    steps: list[ShowStep] = Field(min_length=1)
    rollback_criteria: list[str] = Field(min_length=1)
    """Any one of these, seen during the day, and the launch owner rolls back (or pauses sign-ups)."""
    rollback: list[str] = Field(min_length=1)
    """How to roll back, in order."""


class Launch(Model):
    """Contents of `data/launch.yml`."""

    owners: list[Owner] = Field(min_length=1)
    """People accountable for items; sections and items refer to them by id."""
    sections: list[Section] = Field(min_length=1)
    """The plan's checklists, in the plan's order."""
    gates: list[Gate] = Field(default_factory=list)
    """Go/no-go decisions that CI checks with `busdocs status --gate NAME`."""
    metrics: list[Metric] = Field(default_factory=list)
    """Success metrics of the launch."""
    launch_days: list[LaunchDay] = Field(default_factory=list)
    """The run-of-show of the soft and the official launch."""

    def items(self) -> list[tuple[Section, Item]]:
        """Every item with its section, in order."""
        return [(s, i) for s in self.sections for i in s.items]
