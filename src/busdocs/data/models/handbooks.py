"""`data/handbooks.yml`: the PDF handbooks built from the sites for training sessions."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from busdocs.data.models.base import Model, Slug


class Handbook(Model):
    """One PDF handbook: a cover, a table of contents and its pages, in navigation order."""

    audience_field: ClassVar[str | None] = "site"

    id: Slug
    """File name of the PDF: `<id>.pdf` in the site's `downloads/`."""
    title: str
    subtitle: str
    audience: str
    """Who it is for, printed on the cover (`Drivers of the university bus fleet`)."""
    site: Literal["public", "internal"]
    """Which built site the pages come from; internal handbooks go only to the internal site."""
    language: Literal["en", "ur"] = "en"
    """The language of its pages: `ur` takes them from the Urdu edition of the site
    (`site/public/ur/`) and lays the book out right to left in Noto Nastaliq Urdu."""
    version: str
    date: date
    pages: list[str] = Field(min_length=1)
    """Pages by their path in the site's sources, in order; `*` matches within a folder and `**`
    across folders, both in navigation order (`students/**`, `faq.md`)."""


class Handbooks(Model):
    """Contents of `data/handbooks.yml`."""

    handbooks: list[Handbook] = Field(min_length=1)
    """Every handbook `busdocs pdf` renders."""
