"""`data/glossary.yml`: the words of the service, defined once. The Glossary page of each site
lists them, and every page explains a term where it is used (an abbreviation tooltip)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from busdocs.data.models.base import Model, Slug, Visibility


class Term(Model):
    """One term: what it means, where it is explained in full."""

    audience_field: ClassVar[str | None] = "visibility"

    id: Slug
    term: str
    """The word as pages write it (`consumer number`, `SEV1`); matched whole-word, case as written."""
    definition: str
    """One or two sentences, plain text (it is also the tooltip)."""
    also: list[str] = Field(default_factory=list)
    """Other spellings that get the same tooltip (`consumer numbers`)."""
    see: str | None = Field(default=None, pattern=r"^(docs|guides|runbooks)/[^\s#]+\.md(#[a-z0-9_-]+)?$")
    """The page that explains it in full (`guides/students/buy-a-pass.md#pay-the-consumer-number`)."""
    tooltip: bool = True
    """Explain the term on hover wherever a page writes it. Off for everyday words (`trip`, `stop`)
    whose every use would be underlined; the Glossary page lists them all the same."""
    visibility: Visibility = "public"
    """`internal`: only the ops site lists it and explains it (on-call words, severities)."""


class Glossary(Model):
    """Contents of `data/glossary.yml`."""

    terms: list[Term] = Field(min_length=1)
    """Every term; the Glossary page sorts them alphabetically."""
