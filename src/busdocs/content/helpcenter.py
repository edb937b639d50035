"""Help center listings rendered from data: FAQ, known issues, release notes and feed, training."""

from __future__ import annotations

import posixpath
import re
from datetime import UTC, date, datetime, time
from xml.sax.saxutils import escape as xml_escape

from busdocs.data.models.helpcenter import Faq, KnownIssues, Release, Releases, Training, TrainingPlan
from busdocs.content.ops_reference import table
from busdocs.content.service import fact_answer
from busdocs.data.models.service import Service

MOUNTS = (("docs/", ""), ("guides/", ""), ("runbooks/", "runbooks/"))
"""Where each source folder appears in the site (guides/ is mounted at the root)."""

CHANGE_LABELS = {"new": "New", "improved": "Improved", "fixed": "Fixed", "security": "Security",
                 "removed": "Removed"}


def site_path(repo_path: str) -> str:
    """`guides/students/x.md#a` → `students/x.md#a`: the page's path inside the site's sources."""
    for folder, mount in MOUNTS:
        if repo_path.startswith(folder):
            return mount + repo_path[len(folder):]
    return repo_path


def relative_link(repo_path: str, from_src_uri: str) -> str:
    """A Markdown link target to `repo_path` from the page `from_src_uri` (MkDocs validates it)."""
    target, _, anchor = site_path(repo_path).partition("#")
    rel = posixpath.relpath(target, posixpath.dirname(from_src_uri) or ".")
    return rel + (f"#{anchor}" if anchor else "")


def faq_anchor(question: str, max_length: int = 60) -> str:
    """A question's anchor on the FAQ page: its words, lowercase, joined by `-` (at most
    `max_length` characters, cut at a word)."""
    words = re.findall(r"[a-z0-9]+", question.lower())
    anchor = ""
    for word in words:
        longer = f"{anchor}-{word}" if anchor else word
        if len(longer) > max_length and anchor:
            break
        anchor = longer
    return anchor or "question"


def faq_anchors(faq: Faq) -> list[list[str]]:
    """Every question's anchor, per section (`id:` or made from the question; repeats get `-2`, `-3`)."""
    seen: dict[str, int] = {}
    out = []
    for section in faq.sections:
        anchors = []
        for q in section.questions:
            anchor = q.id or faq_anchor(q.q)
            seen[anchor] = seen.get(anchor, 0) + 1
            anchors.append(anchor if seen[anchor] == 1 else f"{anchor}-{seen[anchor]}")
        out.append(anchors)
    return out


def faq_markdown(faq: Faq, from_src_uri: str, audience: str | None = None, service: Service | None = None) -> str:
    """FAQ sections; each question is a heading with a stable anchor (`faq/#who-can-use-the-app`),
    so it has a permalink and its own search entry, and its answer ends with a link to the full page."""
    out = []
    for section, anchors in zip(faq.sections, faq_anchors(faq), strict=True):
        if audience and section.audience != audience:
            continue
        out.append(f"## {section.title}\n")
        for q, anchor in zip(section.questions, anchors, strict=True):
            link = relative_link(q.see, from_src_uri)
            # `{ #id }` with spaces: `{#` would open a Jinja comment in mkdocs-macros.
            answer = q.a.strip()
            if q.fact == "trip-start-refusals" and service is not None:  # a list after the answer and its link
                out.append(f"### {q.q} {{ #{anchor} }}\n\n{answer} [Read more]({link})\n"
                           f"{fact_answer(service, q.fact)}")
                continue
            if q.fact and service is not None:
                answer = f"{answer} {fact_answer(service, q.fact)}".strip()
            out.append(f"### {q.q} {{ #{anchor} }}\n\n{answer} [Read more]({link})\n")
    return "\n".join(out)


def known_issues_markdown(known: KnownIssues, releases: Releases, fixed: bool = False) -> str:
    """Open known issues (or, with `fixed=True`, the fixed ones) as a table."""
    chosen = [k for k in known.issues if (k.status == "fixed") == fixed]
    if not chosen:
        return "No fixed issues yet." if fixed else "No known issues in the current releases."
    status = {"investigating": "Investigating", "fix-in-progress": "Fix in progress", "fixed": "Fixed"}
    rows = []
    for k in chosen:
        fixed_in = f"{releases.products[k.product]} {k.fixed_in}" if k.fixed_in else "—"
        rows.append((f"**{k.id}**", f"**{k.title}** — {k.affects}", k.symptom, k.workaround, status[k.status],
                     fixed_in))
    return table(["ID", "Affects", "What happens", "Workaround", "Status", "Fixed in"], rows)


def newest_first(releases: Releases, product: str | None = None) -> list[Release]:
    chosen = [r for r in releases.releases if product is None or r.product == product]
    return sorted(chosen, key=lambda r: (r.released, tuple(int(p) for p in r.version.split("."))), reverse=True)


def release_anchor(release: Release) -> str:
    return f"{release.product}-{release.version.replace('.', '-')}"


def releases_markdown(releases: Releases, today: date, product: str | None = None) -> str:
    """Release notes, newest first, one heading per version; future dates read as planned."""
    out = []
    for r in newest_first(releases, product):
        name = releases.products[r.product]
        when = f"{r.released.day} {r.released:%B %Y}"
        state = f"Released {when}" if r.released <= today else f"Planned for {when}"
        out.append(f"## {name} {r.version} {{ #{release_anchor(r)} }}\n")
        out.append(f"*{state}.* {r.summary.strip()}\n")
        out += [f"- **{CHANGE_LABELS[c.kind]}:** {c.text.strip()}" for c in r.changes]
        out.append("")
    return "\n".join(out)


def atom_feed(releases: Releases, today: date, site_url: str, page_path: str, title: str) -> str:
    """An Atom feed of the releases out by `today` (newest first), for feed readers."""
    base = site_url.rstrip("/") + "/"
    page_url = base + page_path
    ordered = [r for r in newest_first(releases) if r.released <= today]
    # Deterministic: the same sources give the same bytes, so a redeploy of a rebuild sends nothing.
    updated = datetime.combine(ordered[0].released if ordered else today, time(9 if ordered else 0), UTC)
    entries = []
    for r in ordered:
        name = releases.products[r.product]
        stamp = datetime.combine(r.released, time(9), UTC).isoformat()
        body = "".join(f"<li><strong>{CHANGE_LABELS[c.kind]}:</strong> {xml_escape(c.text.strip())}</li>"
                       for c in r.changes)
        content = xml_escape(f"<p>{xml_escape(r.summary.strip())}</p><ul>{body}</ul>")
        entries.append(
            f"  <entry>\n    <title>{xml_escape(name)} {r.version}</title>\n"
            f"    <id>{page_url}#{release_anchor(r)}</id>\n"
            f'    <link href="{page_url}#{release_anchor(r)}"/>\n'
            f"    <updated>{stamp}</updated>\n"
            f'    <content type="html">{content}</content>\n  </entry>')
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            '<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"  <title>{xml_escape(title)}</title>\n  <id>{page_url}</id>\n"
            f'  <link href="{page_url}"/>\n  <link rel="self" href="{base}releases/feed.xml"/>\n'
            f"  <updated>{updated.isoformat()}</updated>\n" + "\n".join(entries) + "\n</feed>\n")


def training_plan_markdown(plan: TrainingPlan) -> str:
    """Sessions with duration, objectives and exercises, then the sign-off criteria."""
    total = sum(s.duration_minutes for s in plan.sessions)
    out = [f"Trainer: {plan.trainer}. Groups of up to {plan.group_size}. "
           f"{len(plan.sessions)} sessions, {total // 60} h {total % 60:02d} min in all.\n"]
    for n, s in enumerate(plan.sessions, 1):
        out.append(f"### Session {n}: {s.title} ({s.duration_minutes} min)\n")
        out.append(f"*{s.format}*\n")
        out.append("**Objectives**: by the end, trainees can\n")
        out += [f"- {o}" for o in s.objectives]
        out.append("\n**Exercises**\n")
        out += [f"{i}. {e}" for i, e in enumerate(s.exercises, 1)]
        out.append("")
    out.append("### Sign-off\n")
    out.append("The trainer signs a trainee off when they show each of these once, without help:\n")
    out += [f"- [ ] {c}" for c in plan.sign_off]
    return "\n".join(out)


def videos_markdown(training: Training, audience: str | None = None) -> str:
    """The video tutorials index: plain links, so no third-party player loads with the page."""
    videos = [v for v in training.videos if audience is None or v.audience == audience]
    if not videos:
        return "No video tutorials yet."
    rows = []
    for v in videos:
        if v.status == "published":
            rows.append((f"[{v.title}]({v.link})", v.audience, v.duration, v.summary, "Online"))
        else:
            due = f"{v.due.day} {v.due:%B %Y}" if v.due else ""
            rows.append((v.title, v.audience, v.duration, v.summary, f"Planned: {v.owner}, by {due}"))
    return table(["Video", "For", "Length", "What it shows", "Status"], rows)
