"""`busdocs runbook QUERY`: find and print a runbook from the sources, offline, without MkDocs."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2

from busdocs.content import environment_values
from busdocs.data.loader import DataSet
from busdocs.content.macros import Macros, PageInfo
from busdocs.content.runbooks import Runbook, split_front_matter
from busdocs.errors import BusdocsError, Problem

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


ENVIRONMENT_PAGES = ("runbooks/alarms/*.md", "runbooks/procedures/*.md", "runbooks/incident-response.md",
                     "runbooks/oncall.md", "runbooks/disaster-recovery.md")
"""Pages that show one environment's values: rendered for every environment by `busdocs check`
and the tests, and never allowed to show another environment's identifiers."""


def environment_pages(root: Path) -> list[Path]:
    """The pages of `ENVIRONMENT_PAGES` under `root`, repository-relative."""
    found: list[Path] = []
    for pattern in ENVIRONMENT_PAGES:
        found += sorted(p.relative_to(root) for p in root.glob(pattern))
    return found


_JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)


def render_body(src_uri: str, body: str | jinja2.Template, meta: dict[str, object], data: DataSet,
                environment: str, today: date) -> str:
    """A page's Markdown (front matter removed) with every macro resolved for `environment`, exactly
    as the ops site built with `BUSDOCS_ENV=<environment>` renders it (same macros, strict)."""
    page = PageInfo(src_uri, "internal", meta)
    macros = Macros(data, environment, today, lambda: page)
    template = _JINJA.from_string(body) if isinstance(body, str) else body
    return template.render({**macros.variables(), **macros.macros(), "page": {"meta": meta}})


def render_page(root: Path, relative: Path, data: DataSet, environment: str, today: date,
                terminal: bool = False) -> str:
    """Any page of `ENVIRONMENT_PAGES` rendered for `environment`, unverified values marked."""
    from busdocs.data.yamlio import parse_yaml

    text = (root / relative).read_text(encoding="utf-8")
    front, body, _ = split_front_matter(text)
    meta = (parse_yaml(front, relative).data if front else None) or {}
    rendered = render_body(relative.as_posix(), body, dict(meta), data, environment, today)
    return environment_values.mark_unverified(rendered, data, environment, terminal)


def _template_line(exc: BaseException) -> int | None:
    """The template line an error was raised on (Jinja rewrites its tracebacks to template lines)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.lineno
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def environment_problems(root: Path, data: DataSet, today: date) -> list[Problem]:
    """Render every page of `ENVIRONMENT_PAGES` for every environment. A value the environment does not
    have, a request for another environment's value, or another environment's identifier in the
    output is a problem naming the file, the line and the environment."""
    problems: list[Problem] = []
    foreign: dict[str, dict[str, str]] = {}
    for relative in environment_pages(root):
        text = (root / relative).read_text(encoding="utf-8")
        front, body, body_line = split_front_matter(text)
        from busdocs.data.yamlio import parse_yaml

        meta = (parse_yaml(front, relative).data if front else None) or {}
        if not isinstance(meta, dict) or meta.get("environments") == "all":
            continue
        try:
            template = _JINJA.from_string(body)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(relative, body_line + (exc.lineno or 1) - 1, "template", exc.message or str(exc)))
            continue
        for environment in data.infrastructure.environments:
            field = f"environment {environment}"
            if environment not in foreign:
                foreign[environment] = environment_values.foreign_identifiers(data, environment)
            try:
                rendered = render_body(relative.as_posix(), template, meta, data, environment, today)
            except (jinja2.TemplateError, BusdocsError, LookupError, TypeError, AttributeError) as exc:
                line = _template_line(exc)
                message = str(exc).split(": ", 2)[-1] if isinstance(exc, BusdocsError) else str(exc)
                problems.append(Problem(relative, body_line + line - 1 if line else None, field, message))
                continue
            for value, origin, line in environment_values.find_foreign(rendered, data, environment,
                                                                       foreign[environment]):
                source_line = next((i for i, text_line in enumerate(body.split("\n"), body_line)
                                    if value in text_line), None)
                problems.append(Problem(relative, source_line, field,
                                        f"shows {value!r} of another environment ({origin}); take it from the "
                                        "data through a macro (infra(), secret(), bucket(), dashboard(), env_value())"))
    return problems


def render_runbook(rb: Runbook, data: DataSet, environment: str, today: date) -> str:
    """The runbook's Markdown with every macro resolved for `environment`, as the site shows it, and
    the unverified values it shows marked."""
    text = render_body(f"runbooks/alarms/{rb.name}.md", rb.body, rb.meta.model_dump(), data, environment, today)
    text = environment_values.mark_unverified(text, data, environment, terminal=True)
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
