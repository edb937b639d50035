"""`data/helpdesk.yml`: the help desk playbook: priorities with response targets, triage
categories with their canned replies (linking FAQ answers), and when to escalate to ops. INTERNAL."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from busdocs.data.models.base import Model, Slug


class Priority(Model):
    # Targets in everyday words ("within 2 working days"), which public pages also write.
    common_fields: ClassVar[frozenset[str]] = frozenset({"first_response", "resolve"})

    id: Slug
    """`p1` … `p4`."""
    name: str
    meaning: str
    first_response: str
    """The target for the first answer (`5 minutes on the hotline and chat`)."""
    resolve: str
    """The target for solving it or handing it over."""


class Category(Model):
    """One triage category: how to recognise it, its priority, the reply, when it leaves the desk."""

    # What people say and the apps show: the help center writes the same words.
    common_fields: ClassVar[frozenset[str]] = frozenset({"recognise", "name", "audience", "faq", "payment_failures",
                                                       "ask_for"})

    id: Slug
    name: str
    audience: str
    """Who asks: students, drivers, admins."""
    recognise: list[str] = Field(min_length=1)
    """What people say or show (`paid but no pass`, `Consumer number not found`)."""
    priority: Slug
    ask_for: list[str] = Field(default_factory=list)
    """What the agent asks for before anything else."""
    reply: str
    """The canned reply (plain text the agent pastes, in the user's words)."""
    faq: list[str] = Field(default_factory=list)
    """FAQ anchors the reply links (checked against the FAQ page)."""
    payment_failures: list[Slug] = Field(default_factory=list)
    """Cases of `data/service.yml` whose steps the reply includes."""
    escalate_when: list[str] = Field(default_factory=list)
    """When it goes to ops (an incident) or to the Transport Office."""
    hand_to: str
    """Who takes it when the desk cannot solve it."""


class Helpdesk(Model):
    """Contents of `data/helpdesk.yml`."""

    owner: Slug
    """The help-desk lead (a person of `data/oncall.yml`)."""
    ticket_tool: str
    """Where tickets live."""
    priorities: list[Priority] = Field(min_length=1)
    """P1 to P4, with their response targets."""
    categories: list[Category] = Field(min_length=1)
    """Triage categories, in the order agents check them."""
    escalate_to_ops: list[str] = Field(min_length=1)
    """Any one of these makes it an incident: the desk posts in the incident channel."""
    escalation_message: str
    """What the desk posts in the incident channel (a template)."""
