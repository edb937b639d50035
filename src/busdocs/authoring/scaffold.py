"""`busdocs new KIND …`: a new source file (or data entry) that passes `busdocs check` as created.

Every kind writes where the sites read it from and never overwrites: a file that exists, a FAQ
question already asked or a release already listed is refused. Data files are edited as text
(the new entry is inserted after the last one of its group, indented like it), so comments, blank
lines and order stay as the author left them; the result is read back and validated before it is
written. Parts only a person can write are marked `<!-- write: … -->`; `busdocs lint` lists the
ones left (rule `scaffold`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from busdocs.data.yamlio import parse_yaml
from busdocs.errors import BusdocsError

WRITE = "<!-- write: {} -->"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
AUDIENCES = ("students", "drivers", "admins")
FAQ_AUDIENCES = ("students", "drivers", "admins", "integrators")
NEWS_KINDS = ("announcement", "press-release", "email", "social")
CHANGE_KINDS = ("new", "improved", "fixed", "security", "removed")


class ScaffoldError(BusdocsError):
    """Bad arguments or a target that exists: nothing was written."""


@dataclass(frozen=True, slots=True)
class Written:
    """What `busdocs new` changed: files created and files edited."""

    created: tuple[Path, ...] = ()
    edited: tuple[Path, ...] = ()


def _slug(value: str, what: str) -> str:
    if not SLUG.match(value):
        raise ScaffoldError(f"{what} {value!r} is not a slug: lowercase letters, digits and single hyphens "
                            "(e.g. 'lost-property')")
    return value


def _create(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    if path.exists():
        raise ScaffoldError(f"{relative} exists; busdocs new never overwrites (edit it, or choose another name)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _front_matter(fields: dict[str, object]) -> str:
    return "---\n" + yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=1000,
                                     default_flow_style=None) + "---\n"


def _one_line(text: str, what: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ScaffoldError(f"{what} is empty")
    return text


# ---------------------------------------------------------------------- runbook


def new_runbook(root: Path, alarm_name: str, today: date) -> Written:
    """`runbooks/alarms/<alarm>.md` for an alarm of `data/monitoring.yml`, its shape filled from data."""
    from busdocs.content.runbooks import ALARMS_DIR, load_runbooks
    from busdocs.data.loader import load_data

    data = load_data(root)
    mon, oc = data.monitoring, data.oncall
    alarm = mon.alarm(alarm_name)
    if alarm is None:
        names = ", ".join(a.name for a in mon.alarms)
        raise ScaffoldError(f"no alarm {alarm_name!r} in data/monitoring.yml (add it there first; known: {names})")
    books, _ = load_runbooks(root)
    same_service = [b.meta for b in books if b.meta.service == alarm.service]
    same_severity = [b.meta for b in books if b.meta.severity == alarm.severity]
    teams = [t.id for t in oc.teams]
    policies = [p.id for p in oc.escalation_policies]
    owner = _most_common([m.owner for m in same_service if m.owner in teams]) or teams[0]
    escalation = (_most_common([m.escalation for m in same_service if m.severity == alarm.severity
                                and m.escalation in policies])
                  or _most_common([m.escalation for m in same_severity if m.escalation in policies]) or policies[0])
    severity = next(s for s in mon.severities if s.id == alarm.severity)
    related = sorted(b.name for b in books if b.meta.service == alarm.service and b.name != alarm.name)
    name = alarm.name
    fm = _front_matter({"title": name, "description": alarm.summary, "alarms": [name], "service": alarm.service,
                        "severity": alarm.severity, "owner": owner, "escalation": escalation,
                        "dashboards": [alarm.dashboard], "last_reviewed": today, "review_interval_days": 90})
    a = f'alarm("{name}")'
    related_links = ", ".join(f"[{r}]({r}.md)" for r in related)
    text = f"""{fm}
# {name}

{{{{ first_five_minutes() }}}}

{{{{ alarm_facts() }}}}

## Summary

{alarm.summary}
The alarm compares the {{{{ {a}.statistic }}}} of `{alarm.namespace}/{alarm.metric}` with
{{{{ {a}.threshold }}}}{' ' + alarm.unit if alarm.unit and alarm.unit != '%' else (' %' if alarm.unit == '%' else '')} over \
{{{{ {a}.evaluation_periods }}}} period(s) of {{{{ {a}.period }}}} s.

{WRITE.format("the usual causes, most likely first")}

## Impact

{severity.id} ({severity.name}): {severity.meaning}

{WRITE.format("what students, drivers and admins notice, and when it becomes worse")}

## Diagnosis

1. Open the **{{{{ dashboard("{alarm.dashboard}") }}}}** dashboard and find when the metric crossed the threshold.
2. Read the state reason, with the data points that crossed it, and the alarm's recent history:

    ```bash
    aws cloudwatch describe-alarms --region {{{{ env_value("AWS_REGION") }}}} --alarm-names {name} \\
      --query 'MetricAlarms[0].[StateValue,StateReason]' --output text
    aws cloudwatch describe-alarm-history --region {{{{ env_value("AWS_REGION") }}}} --alarm-name {name} \\
      --history-item-type StateUpdate --max-items 10 --output table
    ```

3. {WRITE.format("the checks that tell the causes apart, with their commands")}

## Mitigation

- **A deploy shortly before the alarm:** roll it back first: {{{{ rollback_deploy() }}}}

{WRITE.format("one bullet per cause: the fix, its command, what it risks")}

## Escalation

{severity.id} on the `{escalation}` policy; the owner is the `{owner}` team (who is paged and when is in the
table at the top). {WRITE.format("when to page the next level before the policy does")}

## Verification

The alarm returns to OK after {{{{ {a}.evaluation_periods }}}} period(s) below the threshold:

```bash
aws cloudwatch describe-alarms --region {{{{ env_value("AWS_REGION") }}}} --alarm-names {name} \\
  --query 'MetricAlarms[0].StateValue' --output text
```

{WRITE.format("what else proves users are fine again")}

## Rollback

{WRITE.format("how to undo each mitigation step, and which ones cannot be undone")}

## Related

- [Alarm index](index.md){', ' + related_links if related_links else ''}
- [Incident response](../incident-response.md)
"""
    return Written(created=(_create(root, f"{ALARMS_DIR.as_posix()}/{name}.md", text),))


def _most_common(values: list[str]) -> str | None:
    return Counter(values).most_common(1)[0][0] if values else None


# ---------------------------------------------------------------------- procedure

PROCEDURE_SECTIONS = {
    "When to use": "the situations this procedure is for, and the ones it is not for",
    "Who may run it": "roles, two-person rules and approvals",
    "Before you start": "prerequisites, and the checks that stop a change at a bad time",
    "Steps": "numbered steps, each one action, with the real commands",
    "Check it worked": "what proves success, with commands",
    "Undo / roll back": "how to go back, and the point after which you cannot",
    "Time it takes": "your time and the elapsed time",
}


def new_procedure(root: Path, slug: str, title: str, description: str, cadence: str = "As needed") -> Written:
    """`runbooks/procedures/<slug>.md` with the fixed procedure sections, and its row in the index table."""
    slug, title = _slug(slug, "procedure name"), _one_line(title, "--title")
    description = _one_line(description, "--description")
    body = "\n".join(f"## {section}\n\n{WRITE.format(hint)}\n" for section, hint in PROCEDURE_SECTIONS.items())
    created = _create(root, f"runbooks/procedures/{slug}.md",
                      f"{_front_matter({'title': title, 'description': description})}\n# {title}\n\n"
                      f"{WRITE.format('one paragraph: what this changes and why it is planned work')}\n\n{body}")
    index = root / "runbooks/procedures/index.md"
    edited = ()
    if index.is_file() and _add_table_row(index, "## The procedures",
                                          f"| [{title}]({slug}.md) | {description} | {cadence} |"):
        edited = (index,)
    return Written(created=(created,), edited=edited)


def _add_table_row(path: Path, heading: str, row: str) -> bool:
    """Append `row` to the first table under `heading`; False when there is no such table."""
    lines = path.read_text(encoding="utf-8").split("\n")
    try:
        start = lines.index(heading)
    except ValueError:
        return False
    last = None
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("|"):
            last = i
        elif last is not None or lines[i].startswith("#"):
            break
    if last is None:
        return False
    lines.insert(last + 1, row)
    path.write_text("\n".join(lines), encoding="utf-8")
    return True


# ---------------------------------------------------------------------- guide page


def new_guide(root: Path, audience: str, slug: str, title: str, description: str) -> Written:
    """`guides/<audience>/<slug>.md` and its entry at the end of the folder's `.nav.yml`."""
    if audience not in AUDIENCES:
        raise ScaffoldError(f"audience {audience!r}: choose one of {', '.join(AUDIENCES)}")
    slug, title = _slug(slug, "page name"), _one_line(title, "--title")
    description = _one_line(description, "--description")
    nav = root / "guides" / audience / ".nav.yml"
    text = f"""{_front_matter({'title': title, 'description': description})}
# {title}

{WRITE.format("who this page is for and what they can do after reading it, in one or two sentences")}

## Steps

{WRITE.format("rename this heading after the task, as the reader would say it (sentence case)")}

1. {WRITE.format("one action per step, with screen and button names in bold as the app shows them")}
"""
    created = _create(root, f"guides/{audience}/{slug}.md", text)
    edited: tuple[Path, ...] = ()
    if nav.is_file():
        entries = yaml.safe_load(nav.read_text(encoding="utf-8")) or []
        if "*" not in entries:  # a folder listed by "*" picks the page up by itself
            current = nav.read_text(encoding="utf-8")
            quoted = yaml.safe_dump([{title: f"{slug}.md"}], allow_unicode=True, width=1000)
            nav.write_text(current + ("" if current.endswith("\n") else "\n") + quoted, encoding="utf-8")
            edited = (nav,)
    return Written(created=(created,), edited=edited)


# ---------------------------------------------------------------------- data entries


def _insert_after(path: Path, after_line: int, block: str) -> None:
    """Insert `block` after the entry that ends before line `after_line` (1-based, or end of file),
    skipping back over the blank lines and comments that belong to what follows."""
    lines = path.read_text(encoding="utf-8").split("\n")
    at = min(after_line - 1, len(lines))
    while at > 0 and (not lines[at - 1].strip() or lines[at - 1].lstrip().startswith("#")):
        at -= 1
    lines[at:at] = block.rstrip("\n").split("\n")
    text = "\n".join(lines)
    loaded = parse_yaml(text, path)
    if loaded.data is None:  # never leave a data file broken
        raise ScaffoldError(f"{path.name}: the new entry would not parse: {loaded.problems[0]}")
    path.write_text(text, encoding="utf-8")


class _Dumper(yaml.SafeDumper):
    """Indents lists inside mappings, as the data files do (`changes:` then `  - kind: …`)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _block(item: dict[str, object], indent: str) -> str:
    dumped = yaml.dump([item], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=96,
                       default_flow_style=False)
    return "\n".join((indent + line) if line else line for line in dumped.rstrip("\n").split("\n"))


def new_faq(root: Path, audience: str, question: str, answer: str, see: str) -> Written:
    """A question at the end of its audience's section of `data/faq.yml`."""
    path = root / "data" / "faq.yml"
    if audience not in FAQ_AUDIENCES:
        raise ScaffoldError(f"audience {audience!r}: choose one of {', '.join(FAQ_AUDIENCES)}")
    question, answer = _one_line(question, "--question"), _one_line(answer, "--answer")
    page, _, anchor = see.partition("#")
    if not re.match(r"^(docs|guides)/[^\s#]+\.md$", page) or not (root / page).is_file():
        raise ScaffoldError(f"--see {see!r}: name the page that answers it in full, as guides/…/page.md#anchor "
                            "or docs/page.md (the file must exist)")
    loaded = parse_yaml(path.read_text(encoding="utf-8"), path)
    sections = (loaded.data or {}).get("sections") or []
    index = next((i for i, s in enumerate(sections) if s.get("audience") == audience), None)
    if index is None:
        raise ScaffoldError(f"data/faq.yml has no section for {audience!r}")
    questions = sections[index].get("questions") or []
    if any(" ".join(str(q.get("q", "")).split()).lower() == question.lower() for q in questions):
        raise ScaffoldError(f"data/faq.yml already asks {question!r} for {audience}")
    first = loaded.lines.line_of(("sections", index, "questions", 0)) or 1
    indent = re.match(r"\s*", path.read_text(encoding="utf-8").split("\n")[first - 1])[0]
    after = (loaded.lines.line_of(("sections", index + 1)) if index + 1 < len(sections) else None) or 10**9
    _insert_after(path, after, _block({"q": question, "a": answer, "see": see}, indent))
    return Written(edited=(path,))


def new_release(root: Path, product: str, version: str, summary: str, changes: list[str],
                released: date) -> Written:
    """A release after the last one of its product in `data/releases.yml`."""
    path = root / "data" / "releases.yml"
    loaded = parse_yaml(path.read_text(encoding="utf-8"), path)
    products = (loaded.data or {}).get("products") or {}
    releases = (loaded.data or {}).get("releases") or []
    if product not in products:
        raise ScaffoldError(f"product {product!r}: choose one of {', '.join(products)}")
    if not re.match(r"^\d+\.\d+\.\d+$", version):
        raise ScaffoldError(f"version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.2)")
    mine = [(i, r) for i, r in enumerate(releases) if r.get("product") == product]
    if any(str(r.get("version")) == version for _, r in mine):
        raise ScaffoldError(f"data/releases.yml already has {product} {version}")
    newest = max((tuple(int(p) for p in str(r.get("version")).split(".")) for _, r in mine), default=None)
    if newest is not None and tuple(int(p) for p in version.split(".")) < newest:
        raise ScaffoldError(f"{product} {version} is older than its newest release "
                            f"{'.'.join(map(str, newest))}")
    if not changes:
        raise ScaffoldError("a release needs at least one --change KIND:TEXT (KIND: " + ", ".join(CHANGE_KINDS) + ")")
    parsed = []
    for change in changes:
        kind, _, text = change.partition(":")
        if kind.strip() not in CHANGE_KINDS or not text.strip():
            raise ScaffoldError(f"--change {change!r}: write KIND:TEXT with KIND one of {', '.join(CHANGE_KINDS)}")
        parsed.append({"kind": kind.strip(), "text": _one_line(text, "change text")})
    entry = {"product": product, "version": version, "released": released,
             "summary": _one_line(summary, "--summary"), "changes": parsed}
    if mine:
        last = mine[-1][0]
        after = (loaded.lines.line_of(("releases", last + 1)) if last + 1 < len(releases) else None) or 10**9
    else:
        after = 10**9
    first = loaded.lines.line_of(("releases", 0)) or 1
    indent = re.match(r"\s*", path.read_text(encoding="utf-8").split("\n")[first - 1])[0]
    _insert_after(path, after, "\n" + _block(entry, indent))
    return Written(edited=(path,))


# ---------------------------------------------------------------------- news


def new_news(root: Path, slug: str, title: str, kind: str, summary: str, when: date) -> Written:
    """`docs/news/<slug>.md` as a draft (shown by `mkdocs serve`, left out of real builds)."""
    slug, title = _slug(slug, "news piece name"), _one_line(title, "--title")
    if kind not in NEWS_KINDS:
        raise ScaffoldError(f"kind {kind!r}: choose one of {', '.join(NEWS_KINDS)}")
    fm = _front_matter({"title": title, "date": when, "kind": kind, "summary": _one_line(summary, "--summary"),
                        "draft": True})
    text = f"""{fm}
# {title}

{WRITE.format("the news in the first sentence: what changes, for whom, from when")}

## What you need to do

{WRITE.format("what readers need to do, if anything")}

{WRITE.format("then set draft: false, or delete the line, to publish on the date above")}
"""
    return Written(created=(_create(root, f"docs/news/{slug}.md", text),))


# ---------------------------------------------------------------------- command line


def add_arguments(parser: object) -> None:
    """The `busdocs new KIND …` arguments (argparse), one sub-command per kind."""
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)  # type: ignore[attr-defined]
    p = kinds.add_parser("runbook", help="runbooks/alarms/ALARM.md for an alarm of data/monitoring.yml")
    p.add_argument("alarm", help="the alarm's name in data/monitoring.yml")
    p = kinds.add_parser("procedure", help="runbooks/procedures/NAME.md and its row in the procedures table")
    p.add_argument("name", help="file name without .md (a slug: lowercase, hyphens)")
    p.add_argument("--title", required=True)
    p.add_argument("--description", required=True, help="one sentence: what it changes and when")
    p.add_argument("--cadence", default="As needed", help="how often it runs (the index table's last column)")
    p = kinds.add_parser("guide", help="guides/AUDIENCE/NAME.md and its .nav.yml entry")
    p.add_argument("audience", choices=AUDIENCES)
    p.add_argument("name", help="file name without .md (a slug)")
    p.add_argument("--title", required=True, help="the page title, also its navigation entry")
    p.add_argument("--description", required=True, help="one sentence for search results and the page head")
    p = kinds.add_parser("faq", help="a question in its audience's section of data/faq.yml")
    p.add_argument("audience", choices=FAQ_AUDIENCES)
    p.add_argument("--question", "-q", required=True)
    p.add_argument("--answer", "-a", required=True, help="plain Markdown, no macros")
    p.add_argument("--see", required=True, help="the page that answers it in full: guides/…/page.md#anchor")
    p = kinds.add_parser("news", help="docs/news/NAME.md as a dated draft")
    p.add_argument("name", help="file name without .md (a slug)")
    p.add_argument("--title", required=True)
    p.add_argument("--kind", dest="news_kind", choices=NEWS_KINDS, default="announcement")
    p.add_argument("--summary", required=True, help="one sentence for the news list")
    p.add_argument("--date", type=_date, help="publication date, YYYY-MM-DD (default: today)")
    p = kinds.add_parser("release", help="a release of one product in data/releases.yml")
    p.add_argument("product", help="student-app, driver-app, admin-dashboard or api (data/releases.yml products)")
    p.add_argument("version", help="MAJOR.MINOR.PATCH")
    p.add_argument("--summary", required=True)
    p.add_argument("--change", action="append", default=[], metavar="KIND:TEXT",
                   help=f"repeatable; KIND is one of {', '.join(CHANGE_KINDS)}")
    p.add_argument("--date", type=_date, help="release date, YYYY-MM-DD (default: today)")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def create(root: Path, args: object) -> Written:
    """Run `busdocs new` for parsed arguments."""
    a = args
    today = date.today()
    match a.kind:  # type: ignore[attr-defined]
        case "runbook":
            return new_runbook(root, a.alarm, today)  # type: ignore[attr-defined]
        case "procedure":
            return new_procedure(root, a.name, a.title, a.description, a.cadence)  # type: ignore[attr-defined]
        case "guide":
            return new_guide(root, a.audience, a.name, a.title, a.description)  # type: ignore[attr-defined]
        case "faq":
            return new_faq(root, a.audience, a.question, a.answer, a.see)  # type: ignore[attr-defined]
        case "news":
            return new_news(root, a.name, a.title, a.news_kind,
                            a.summary, a.date or today)  # type: ignore[attr-defined]
        case "release":
            return new_release(root, a.product, a.version, a.summary, a.change, a.date or today)  # type: ignore[attr-defined]
    raise ScaffoldError(f"unknown kind {a.kind!r}")  # type: ignore[attr-defined]
