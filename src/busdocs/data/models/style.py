"""`data/style.yml`: the house style `busdocs lint` checks (busdocs.authoring.lint reads it)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from busdocs.data.models.base import Model


class Term(Model):
    """A preferred term and the forms we do not write."""

    use: str
    not_: list[str] = Field(alias="not", min_length=1)
    """Wrong forms, matched as whole words, case-insensitively."""
    why: str | None = None


class Banned(Model):
    """Words that add nothing or talk down to the reader."""

    pattern: str
    """A regular expression, matched as whole words, case-insensitively."""
    message: str
    fix: str | None = None
    """The replacement `--fix` writes ("" cuts the words); no fix when left out."""


class Ignore(Model):
    """Markdown rules a whole page is exempt from, and why."""

    file: str
    """A page path or glob (`docs/news/*.md`)."""
    rules: list[Annotated[str, Field(pattern=r"^md\d{3}$")]] = Field(min_length=1)
    why: str


class MarkdownRules(Model):
    """pymarkdownlnt's settings: every change from its defaults says why (in comments)."""

    properties: dict[str, str | int | bool] = Field(default_factory=dict)
    disabled: list[Annotated[str, Field(pattern=r"^md\d{3}$")]] = Field(default_factory=list)
    ignore: list[Ignore] = Field(default_factory=list)


class StyleGuide(Model):
    """The house style: terms, names, screens, banned words, dates, times, units, headings."""

    terms: list[Term] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)
    """Product, company and place names with their exact spelling; also allowed capitals in headings."""
    screens: list[str] = Field(default_factory=list)
    """Screens, tabs and buttons as the apps show them (checked in **bold**)."""
    banned: list[Banned] = Field(default_factory=list)
    dates: bool = True
    times: bool = True
    units: list[str] = Field(default_factory=list)
    heading_case: int = Field(default=2, ge=0)
    """Capitalised non-name words after the first that make a heading a finding (0: off)."""
    markdown: MarkdownRules = Field(default_factory=MarkdownRules)
