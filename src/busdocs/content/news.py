"""Launch communications: pieces in `docs/news/` published by date, drafts kept out of the public build.

Each piece starts with front matter:

```yaml
---
title: The Bus Tracker launches on 25 January
date: 2027-01-25            # publication date; before it, the piece is a scheduled draft
kind: announcement          # announcement | press-release | email | social
summary: One sentence for the News listing.
draft: false                # true keeps it out of every public build, whatever the date
---
```

Unpublished pieces (drafts, or dated after the build's date) are left out of the build but shown
by `mkdocs serve`, so authors can review them in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError

from busdocs.errors import Problem
from busdocs.data.models.base import Model

KINDS = {"announcement": "Announcement", "press-release": "Press release", "email": "E-mail campaign",
         "social": "Social media"}


class NewsMeta(Model):
    """Front matter of a communications piece."""

    model_config = Model.model_config | {"extra": "allow"}  # pages may carry other keys (description, …)
    title: str
    date: date
    kind: Literal["announcement", "press-release", "email", "social"]
    summary: str
    draft: bool = False


@dataclass(frozen=True, slots=True)
class Piece:
    src_uri: str
    meta: NewsMeta

    def published(self, today: date) -> bool:
        return not self.meta.draft and self.meta.date <= today


def front_matter(text: str) -> dict | None:
    """The YAML between the leading `---` lines, or None when there is none."""
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    if end == -1:
        return None
    loaded = yaml.safe_load(text[3:end])
    return loaded if isinstance(loaded, dict) else None


def read_piece(path: Path, src_uri: str, shown: Path) -> tuple[Piece | None, list[Problem]]:
    """Parse one piece's front matter; problems name the file."""
    try:
        meta = front_matter(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return None, [Problem(shown, None, "front matter", f"invalid YAML: {exc}")]
    if meta is None:
        return None, [Problem(shown, 1, "front matter", "a news piece needs front matter (title, date, kind, summary)")]
    try:
        return Piece(src_uri, NewsMeta.model_validate(meta)), []
    except ValidationError as exc:
        return None, [Problem(shown, None, ".".join(map(str, e["loc"])) or "front matter",
                              e["msg"].removeprefix("Value error, ")) for e in exc.errors()]


def listing_markdown(pieces: list[Piece], today: date, from_src_uri: str, serving: bool) -> str:
    """Published pieces newest first; when serving, drafts too, marked as such."""
    import posixpath

    shown = [p for p in pieces if p.published(today) or serving]
    if not shown:
        return "No news yet."
    out = []
    for p in sorted(shown, key=lambda p: p.meta.date, reverse=True):
        link = posixpath.relpath(p.src_uri, posixpath.dirname(from_src_uri) or ".")
        label = "" if p.published(today) else (" — *draft, not in the public build*" if p.meta.draft
                                               else f" — *scheduled for {p.meta.date.isoformat()}*")
        out.append(f"### [{p.meta.title}]({link})\n\n*{KINDS[p.meta.kind]}, "
                   f"{p.meta.date.day} {p.meta.date:%B %Y}*{label}\n\n{p.meta.summary}\n")
    return "\n".join(out)
