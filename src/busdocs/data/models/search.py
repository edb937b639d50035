"""`data/search.yml`: how the sites' search reads visitors' words and ranks whole sections."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from busdocs.data.models.base import Model

Word = Annotated[str, Field(pattern=r"^[a-z0-9]+$")]
"""One lowercase word as the search index splits text (no spaces, hyphens or punctuation)."""


class SectionBoost(Model):
    """A search weight for every page of a part of the site."""

    pages: str = Field(min_length=1)
    """Pages by their path in the site's sources (`api/**`, `runbooks/alarms/*.md`)."""
    boost: float = Field(gt=0, le=100)
    """Material's `search.boost`: above 1 ranks these pages higher, below 1 lower. A page's own
    front matter `search: {boost: …}` wins."""
    why: str = Field(min_length=1)
    """What the weight is for, in a sentence."""


class Synonym(Model):
    """Visitors' words for what the pages call otherwise."""

    words: list[str] = Field(min_length=1)
    """What visitors type (`helpline`, `money cut`); indexed as keywords of each section that
    uses one of `means`, never shown."""
    means: list[Word] = Field(min_length=1)
    """Words the pages use (`contact`, `phone`); each must occur in the site (`busdocs check`).
    Plain forms: a section with `charged` or `charges` matches `charge`."""
    anywhere: bool = False
    """False: only sections whose heading (or page title) uses one of `means`; true: any section
    whose text does, for words specific enough not to spread the keywords over the site."""


class SearchSettings(Model):
    """Contents of `data/search.yml`."""

    boosts: list[SectionBoost] = []
    """Weights by part of the site, first match wins."""
    synonyms: list[Synonym] = []
    """Visitors' words, applied when the search index is built."""
