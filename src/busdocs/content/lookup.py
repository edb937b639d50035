"""`busdocs runbook QUERY`: find and print a runbook from the sources, offline, without MkDocs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2

from busdocs.content import environment_values
from busdocs.data.loader import DataSet
from busdocs.content.macros import Macros, PageInfo, SiteInfo, strict_template
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


_ENCODED = re.compile(r"[%$]([0-9A-Fa-f]{2})")


def decode(text: str) -> str:
    """What people paste, decoded: URL escapes (`%2F`), the AWS console's `$`-escapes (`$252F`,
    `$2F`) and `+` for a space, undone until nothing changes (console links are often encoded twice)."""
    from urllib.parse import unquote

    for _ in range(4):
        decoded = unquote(_ENCODED.sub(lambda m: "%" + m.group(1), text)).replace("+", " ")
        if decoded == text:
            break
        text = decoded
    return text


def _unique(books: Iterable[Runbook]) -> list[Runbook]:
    """Runbooks in order, each once."""
    return list({rb.name: rb for rb in books}.values())


@dataclass(frozen=True, slots=True)
class Found:
    """What `find` made of a query: one runbook to open (and why), or candidates to choose from."""

    runbook: Runbook | None
    reason: str
    candidates: tuple[Runbook, ...] = ()


def find(runbooks: list[Runbook], data: DataSet, query: str) -> Found:
    """The runbook for what someone pasted or typed, offline and fast.

    1. An exact alarm name anywhere in the text opens that runbook: the alarm name itself, the SNS
       subject `ALARM: "name" in US East (N. Virginia)`, the SMS, the CloudWatch e-mail body, a
       console URL (decoded first). Two different alarm names are a real ambiguity.
    2. A single clear match by name opens it: every word of the query is a word of one alarm's name
       (`rds cpu`), or the query is a typo of exactly one name (`hgh-cpu-usag`).
    3. Anything else lists the ranked candidates (`database`); nothing at all is an empty result.
    """
    by_alarm = {name: rb for rb in runbooks for name in rb.meta.alarms}
    text = decode(query).lower()
    named = [name for name in sorted(by_alarm, key=len, reverse=True)
             if re.search(rf"(?<![a-z0-9-]){re.escape(name)}(?![a-z0-9-])", text)]
    books = _unique(by_alarm[n] for n in named)
    if len(books) == 1:
        return Found(books[0], f"the alarm name {named[0]!r} is in the query")
    if len(books) > 1:
        return Found(None, "the query names several alarms", tuple(books))
    words = WORD.findall(text)
    if words:
        names = {name: set(WORD.findall(name)) for name in by_alarm}
        vocabulary = sorted({w for ws in names.values() for w in ws})

        def fix(word: str) -> str:  # a typo of a word of some alarm name
            if word in vocabulary:
                return word
            close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.75)
            return close[0] if close else word

        fixed = [fix(w) for w in words]
        exact = _unique(by_alarm[n] for n, ws in names.items() if set(words) <= ws)
        services = [rb for rb in runbooks if set(words) <= set(WORD.findall(rb.meta.service))]
        if len(services) > 1:  # `database`: a service several alarms watch is a real choice
            matches = rank(runbooks, data, " ".join(words))
            return Found(None, "several alarms watch this service", tuple(m.runbook for m in matches))
        if len(exact) == 1:
            return Found(exact[0], "every word of the query is in its alarm name")
        typo = _unique(by_alarm[n] for n, ws in names.items() if set(fixed) <= ws)
        whole = difflib.get_close_matches("-".join(words), list(by_alarm), n=2, cutoff=0.8)
        if len(typo) == 1 and not exact:
            return Found(typo[0], f"closest alarm name to {query.strip()!r}")
        if len(whole) == 1 and not exact:
            return Found(by_alarm[whole[0]], f"closest alarm name to {query.strip()!r}")
    matches = rank(runbooks, data, " ".join(WORD.findall(text)))
    return Found(None, "several runbooks match", tuple(m.runbook for m in matches))


def closest(runbooks: list[Runbook], query: str, n: int = 3) -> list[str]:
    """Runbook names that look most like `query` (for a query that matched nothing)."""
    names = [rb.name for rb in runbooks]
    close = difflib.get_close_matches(query.lower().replace(" ", "-"), names, n=n, cutoff=0.3)
    return close or names[:n]


ENVIRONMENT_PAGES = ("runbooks/alarms/*.md", "runbooks/procedures/*.md", "runbooks/incident-response.md",
                     "runbooks/oncall.md", "runbooks/disaster-recovery.md", "runbooks/security-incident.md")
"""Pages that show one environment's values: rendered for every environment by `busdocs check`
and the tests, and never allowed to show another environment's identifiers."""


def environment_pages(root: Path) -> list[Path]:
    """The pages of `ENVIRONMENT_PAGES` under `root`, repository-relative."""
    found: list[Path] = []
    for pattern in ENVIRONMENT_PAGES:
        found += sorted(p.relative_to(root) for p in root.glob(pattern))
    return found


def render_body(src_uri: str, body: str | jinja2.Template, meta: dict[str, object], data: DataSet,
                environment: str, today: date, terminal: bool = False) -> str:
    """A page's Markdown (front matter removed) with every macro resolved for `environment`, exactly
    as the ops site built with `BUSDOCS_ENV=<environment>` renders it (same macros, strict)."""
    page = PageInfo(src_uri, "internal", meta)
    macros = Macros(data, environment, today, lambda: page, site=SiteInfo(terminal=terminal))
    template = strict_template(body) if isinstance(body, str) else body
    return template.render({**macros.variables(), **macros.macros(), "page": {"meta": meta}})


def rendered_lines(src_uri: str, template: jinja2.Template, meta: dict[str, object], data: DataSet,
                   environment: str, today: date) -> list[tuple[str, int]]:
    """`render_body` in pieces: each piece of output with the template line that wrote it (Jinja maps
    the line its generated code is suspended at back to the template)."""
    page = PageInfo(src_uri, "internal", meta)
    macros = Macros(data, environment, today, lambda: page, site=SiteInfo())
    context = template.new_context({**macros.variables(), **macros.macros(), "page": {"meta": meta}})
    pieces = template.root_render_func(context)
    out = []
    for piece in pieces:
        frame = pieces.gi_frame
        out.append((piece, template.get_corresponding_lineno(frame.f_lineno) if frame else 1))
    return out


VERIFIED_ENVIRONMENT = "production"
"""The environment a page's `verified: true` speaks for: its commands were checked against production."""


def verified_page_problems(relative: Path, template: jinja2.Template, meta: dict[str, object], body_line: int,
                           data: DataSet, today: date) -> list[Problem]:
    """A page whose front matter says `verified: true` may show no unverified production value: each
    one is a problem naming the file, the template line that shows it and the value's origin."""
    if meta.get("verified") is not True:
        return []
    values = environment_values.unverified_values(data, VERIFIED_ENVIRONMENT)
    problems: list[Problem] = []
    seen: set[str] = set()
    for piece, line in rendered_lines(relative.as_posix(), template, meta, data, VERIFIED_ENVIRONMENT, today):
        for value, _ in environment_values._occurrences(piece, values):
            if value in seen or any(value in other for other in seen):
                continue
            seen.add(value)
            problems.append(Problem(relative, body_line + line - 1, f"verified: {values[value]}",
                                    f"the page says 'verified: true' but shows {value!r}, which is unverified in "
                                    f"{VERIFIED_ENVIRONMENT} (status: unverified in data/infrastructure.yml or "
                                    "data/environments.yml): check it against the account, or remove 'verified'"))
    return problems


def render_page(root: Path, relative: Path, data: DataSet, environment: str, today: date,
                terminal: bool = False) -> str:
    """Any page of `ENVIRONMENT_PAGES` rendered for `environment`, unverified values marked."""
    from busdocs.data.yamlio import parse_yaml

    text = (root / relative).read_text(encoding="utf-8")
    front, body, _ = split_front_matter(text)
    meta = (parse_yaml(front, relative).data if front else None) or {}
    rendered = render_body(relative.as_posix(), body, dict(meta), data, environment, today, terminal)
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
            template = strict_template(body)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(relative, body_line + (exc.lineno or 1) - 1, "template", exc.message or str(exc)))
            continue
        try:
            problems += verified_page_problems(relative, template, meta, body_line, data, today)
        except (jinja2.TemplateError, BusdocsError, LookupError, TypeError, AttributeError, ValueError):
            pass  # the same error is reported below, for the environment it belongs to
        for environment in data.infrastructure.environments:
            field = f"environment {environment}"
            if environment not in foreign:
                foreign[environment] = environment_values.foreign_identifiers(data, environment)
            try:
                rendered = render_body(relative.as_posix(), template, meta, data, environment, today)
            except (jinja2.TemplateError, BusdocsError, LookupError, TypeError, AttributeError, ValueError) as exc:
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
    text = render_body(f"runbooks/alarms/{rb.name}.md", rb.body, rb.meta.model_dump(), data, environment, today,
                       terminal=True)
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
