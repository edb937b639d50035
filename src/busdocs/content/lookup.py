"""`busdocs runbook QUERY`: find and print a runbook from the sources, offline, without MkDocs."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2

from busdocs.data.loader import DataSet
from busdocs.content.macros import Macros, PageInfo
from busdocs.content.runbooks import Runbook

WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Match:
    runbook: Runbook
    score: int


def rank(runbooks: list[Runbook], data: DataSet, query: str) -> list[Match]:
    """Runbooks that match the words of `query`, best first.

    A word in the alarm name counts most, then the title, summary, metric and service, then
    the body (each word at most three times), so `rds cpu` finds `rds-high-cpu` first.
    """
    words = WORD.findall(query.lower())
    matches = []
    for rb in runbooks:
        alarm = data.monitoring.alarm(rb.name)
        name_words = set(WORD.findall(" ".join(rb.meta.alarms).lower()))
        head = " ".join([rb.meta.title, rb.meta.description or "", rb.meta.service, *rb.meta.tags,
                         alarm.summary if alarm else "", alarm.metric if alarm else "",
                         alarm.namespace if alarm else ""]).lower()
        body = rb.body.lower()
        score = 0
        for word in words:
            if word in name_words:
                score += 10
            elif word in head:
                score += 4
            score += min(body.count(word), 3)
        if score and all(w in name_words or w in head or w in body for w in words):
            matches.append(Match(rb, score))
    return sorted(matches, key=lambda m: (-m.score, m.runbook.name))


def closest(runbooks: list[Runbook], query: str, n: int = 3) -> list[str]:
    """Runbook names that look most like `query` (for a query that matched nothing)."""
    names = [rb.name for rb in runbooks]
    close = difflib.get_close_matches(query.lower().replace(" ", "-"), names, n=n, cutoff=0.3)
    return close or names[:n]


def render_runbook(rb: Runbook, data: DataSet, environment: str, today: date) -> str:
    """The runbook's Markdown with every macro resolved for `environment`, as the site shows it."""
    page = PageInfo(f"runbooks/alarms/{rb.name}.md", "internal", rb.meta.model_dump())
    macros = Macros(data, environment, today, lambda: page)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.globals.update(macros.variables())
    env.globals.update(macros.macros())
    text = env.from_string(rb.body).render()
    if rb.review_overdue(today):
        text = (f"> **Review overdue** since {rb.review_due().isoformat()} (last reviewed "
                f"{rb.meta.last_reviewed.isoformat()}): double-check commands and thresholds.\n\n{text}")
    return text


def runbook_url(base_url: str, name: str) -> str:
    """The runbook's address on the ops site: `<base>/runbooks/alarms/<name>/`."""
    return f"{base_url.rstrip('/')}/runbooks/alarms/{name}/"


def ops_base_url(root: Path) -> str:
    """The ops site's address (its configuration's `site_url`, following `INHERIT`)."""
    from busdocs.sites import base_url

    return base_url(root, "internal")
