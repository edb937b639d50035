"""Issue 22: facts stated once (data/service.yml), the glossary, the launch and help desk pages.

Read-only assertions on the shared `built_sites`; renderers are tested without a build."""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from busdocs.content import glossary as glossary_content
from busdocs.content import service as service_content
from busdocs.content.helpcenter import faq_anchors, faq_markdown
from busdocs.data.loader import DataSet, load_data
from tests.pages import article, article_of, heading_text

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data() -> DataSet:
    return load_data(ROOT)


# ---------------------------------------------------------------- one truth per number


def text_of(tag) -> str:
    """A tag's text as a reader sees it: inline tags (abbreviations, links) joined without gaps."""
    return re.sub(r"\s+", " ", tag.get_text())


def plain(markdown: str) -> str:
    """Data text without its Markdown emphasis and code marks, as it reads on a page."""
    return re.sub(r"\s+", " ", markdown.replace("**", "").replace("*", "").replace("`", "")).strip()


@functools.cache
def page_texts(site: Path) -> dict[str, str]:
    """Every page's article text, by its path in the site (abbreviation titles are attributes, not
    text). The sites are read-only, so each is read once per test process."""
    out = {}
    for path in sorted(site.rglob("*.html")):
        body = article_of(path)
        if body is not None:
            out[path.relative_to(site).as_posix()] = text_of(body)
    return out


def stated_numbers(data: DataSet) -> list[tuple[str, re.Pattern[str], float | str]]:
    """(what, pattern, expected) for every number the data states once: the rules of
    `data/service.yml`, and the price of every pass type in `data/passes.yml`."""
    checks = [(f"data/service.yml: {r.id}", re.compile(p, re.IGNORECASE | re.MULTILINE),
               r.value if isinstance(r.value, str) else float(r.value))
              for r in data.service.rules for p in r.patterns]
    for t in data.passes.types:
        # "Monthly pass PKR 4,500", "Monthly pass | 30 days | PKR 4,500": a price within a few words of the name
        checks.append((f"data/passes.yml: {t.id}.price",
                       re.compile(re.escape(t.name) + r"[^.;:|]{0,12}?PKR ([\d,]+)"), float(t.price)))
        if t.renewable_days_before:
            checks.append((f"data/passes.yml: {t.id}.renewable_days_before",
                           re.compile(re.escape(t.name) + r" from (\d+) days before", re.IGNORECASE),
                           float(t.renewable_days_before)))
    return checks


def contradictions(texts: dict[str, str], checks: list[tuple[str, re.Pattern[str], float | str]]) -> list[str]:
    """Every place a page states a number that is not the data's."""
    found = []
    for page, text in texts.items():
        for what, pattern, expected in checks:
            for m in pattern.finditer(text):
                said: float | str = m.group(1) if isinstance(expected, str) else float(m.group(1).replace(",", ""))
                if said != expected:
                    found.append(f"{page}: “{m.group(0)}” says {said}, {what} says {expected}")
    return found


def test_contradiction_finder_names_a_wrong_number(data: DataSet) -> None:
    texts = {"students/x/index.html": "After 5 wrong passwords the account is locked for 20 minutes. "
                                      "Monthly pass PKR 4,000 for 30 days. Call the hotline "
                                      "(every day 07:00–22:00 while buses run)."}
    found = contradictions(texts, stated_numbers(data))
    assert any("locked for 20 minutes" in f and "sign-in-lockout-minutes" in f for f in found), found
    assert any("PKR 4,000" in f and "monthly.price" in f for f in found), found
    assert any("07:00" in f and "bus-hours-start" in f for f in found), found
    assert not any("wrong passwords" in f or "bus-hours-end" in f for f in found)  # 5 and 22:00 are right


@pytest.mark.parametrize("site", ["public", "internal"])
def test_no_page_states_a_number_that_contradicts_the_data(built_sites, data: DataSet, site: str) -> None:
    assert contradictions(page_texts(built_sites[site]), stated_numbers(data)) == []


def test_every_rule_pattern_finds_its_rule_somewhere(built_sites, data: DataSet) -> None:
    """A pattern that finds nothing guards nothing: each rule is stated on some page."""
    text = " ".join(page_texts(built_sites["public"]).values())
    dead = [r.id for r in data.service.rules
            if r.patterns and not any(re.search(p, text, re.IGNORECASE | re.MULTILINE) for p in r.patterns)]
    assert dead == []


# ---------------------------------------------------------------- repeated facts, one source

REFUSAL_PAGES = ["drivers/trips/", "admins/drivers/", "faq/", "troubleshooting/"]


@pytest.mark.parametrize("url", REFUSAL_PAGES)
def test_every_trip_start_refusal_is_on_the_page(built_sites, data: DataSet, url: str) -> None:
    text = text_of(article(built_sites["public"], url))
    missing = [r.message for r in data.service.trip_start_refusals if plain(r.message) not in text]
    assert missing == []


def test_payment_failures_on_troubleshooting_buy_a_pass_and_faq(built_sites, data: DataSet) -> None:
    site = built_sites["public"]
    trouble = article(site, "troubleshooting/")
    buy = text_of(article(site, "students/buy-a-pass/"))
    faq = article(site, "faq/")
    for f in data.service.payment_failures:
        section = trouble.find(id=f.id)
        assert section is not None, f.id
        assert text_of(section).removesuffix("¶") == f.title
        for said in (plain(f.message), plain(f.money_back)):
            assert said in text_of(trouble) and said in buy, said
        if f.faq:
            answer = faq.find(id=f.faq)
            assert answer is not None, f.faq
            assert plain(f.money_back) in text_of(answer.find_next_sibling())


def test_a_changed_fact_changes_every_page_that_states_it(data: DataSet) -> None:
    """The pages render the fact from data: change it once, and the driver, admin, FAQ and
    troubleshooting renderings all change."""
    first = data.service.trip_start_refusals[0]
    changed = first.model_copy(update={"message": "Park before starting."})
    service = data.service.model_copy(update={"trip_start_refusals": [changed, *data.service.trip_start_refusals[1:]]})
    for view in ("driver", "admin", "troubleshooting", "faq", "helpdesk"):
        before = service_content.trip_start_refusals_markdown(data.service, view)
        after = service_content.trip_start_refusals_markdown(service, view)
        assert first.message in before and first.message not in after and "Park before starting." in after
    faq = faq_markdown(data.faq, "faq.md", "drivers", service)
    assert "Park before starting." in faq and first.message not in faq


def test_pages_render_these_facts_by_macro_not_by_hand(root: Path, data: DataSet) -> None:
    """The trip-start messages are written in no page source: only data/service.yml holds them."""
    sources = [*root.joinpath("guides").rglob("*.md"), *root.joinpath("docs").rglob("*.md"),
               root / "data" / "faq.yml"]
    for r in data.service.trip_start_refusals:
        if r.id in ("bus-moving", "not-cleared", "sign-in-locked", "app-update-required"):
            continue  # also quoted where the guide explains that screen (speed lock, sign-in, checklist)
        holders = [p.relative_to(root).as_posix() for p in sources if r.message in p.read_text(encoding="utf-8")]
        assert holders == [], f"{r.id}: written by hand in {holders}"


# ---------------------------------------------------------------- glossary


def test_glossary_page_in_both_sites_internal_terms_only_on_ops(built_sites, data: DataSet) -> None:
    public = text_of(article(built_sites["public"], "glossary/"))
    internal = text_of(article(built_sites["internal"], "glossary/"))
    assert heading_text(article(built_sites["public"], "glossary/").h1) == "Glossary"
    for term in data.glossary.terms:
        assert term.term in internal and plain(term.definition) in internal
        if term.visibility == "internal":
            assert plain(term.definition) not in public, term.id
        else:
            assert plain(term.definition) in public, term.id


def test_terms_are_explained_where_used(built_sites, data: DataSet) -> None:
    soup = article(built_sites["public"], "students/buy-a-pass/")
    abbrs = {a.get_text(): a["title"] for a in soup.find_all("abbr")}
    consumer = next(t for t in data.glossary.terms if t.id == "consumer-number")
    assert abbrs.get("consumer number") == glossary_content._plain(consumer.definition)
    public_titles = " ".join(a["title"] for a in soup.find_all("abbr"))
    ops = article(built_sites["internal"], "runbooks/launch/run-of-show/")
    hypercare = next(t for t in data.glossary.terms if t.id == "hypercare")
    assert any(a.get_text() == "hypercare" and a["title"] == glossary_content._plain(hypercare.definition)
               for a in ops.find_all("abbr"))
    assert "Critical incident" not in public_titles


def test_internal_terms_never_reach_public_pages(built_sites, data: DataSet) -> None:
    internal = [t for t in data.glossary.terms if t.visibility == "internal"]
    assert internal
    for path in built_sites["public"].rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for term in internal:
            assert glossary_content._plain(term.definition) not in html, (path, term.id)


# ---------------------------------------------------------------- new pages in the right site

OPS_PAGES = {
    "runbooks/launch/run-of-show/": "Launch day run-of-show",
    "runbooks/launch/hypercare/": "Hypercare",
    "runbooks/launch/retrospective/": "Launch retrospective",
    "runbooks/launch/uat-plan/": "UAT plan",
    "runbooks/launch/data-migration/": "Data migration decision",
    "runbooks/helpdesk/playbook/": "Help desk playbook",
}


@pytest.mark.parametrize("url,title", sorted(OPS_PAGES.items()))
def test_ops_pages_exist_only_on_the_ops_site(built_sites, url: str, title: str) -> None:
    assert heading_text(article(built_sites["internal"], url).h1) == title
    assert not (built_sites["public"] / url).exists()
    nav = BeautifulSoup((built_sites["internal"] / url / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert any(heading_text(a) == title for a in nav.select("nav.md-nav a.md-nav__link")), f"{title} not in nav"


def test_run_of_show_has_dates_owners_and_calls_from_data(built_sites, data: DataSet) -> None:
    text = text_of(article(built_sites["internal"], "runbooks/launch/run-of-show/"))
    for day in data.launch.launch_days:
        when = getattr(data.site.launch, day.date_of)
        assert f"{when:%A} {when.day} {when:%B %Y}" in text
        for step in day.steps:
            owner = next(o for o in data.launch.owners if o.id == step.who)
            assert owner.name in text
        for criterion in day.rollback_criteria:
            assert plain(criterion) in text
    calls = sum(1 for d in data.launch.launch_days for s in d.steps if s.decision)
    assert text.count("GO/NO-GO") >= calls >= 4


def test_hypercare_roster_covers_48_hours_from_the_launch(built_sites, data: DataSet) -> None:
    soup = article(built_sites["internal"], "runbooks/launch/hypercare/")
    care = data.oncall.hypercare
    rows = soup.select("table")[0].select("tbody tr")
    assert len(rows) == len(care.shifts)
    launch = data.site.launch.official_launch
    assert rows[0].td.get_text().startswith(f"{launch:%a %d %b} {care.start_time}")
    assert all(plain(w.what) in text_of(soup) for w in care.watch)


def test_help_desk_replies_link_real_faq_answers(built_sites, data: DataSet) -> None:
    soup = article(built_sites["internal"], "runbooks/helpdesk/playbook/")
    faq = article(built_sites["public"], "faq/")
    links = re.findall(r"https://" + re.escape(data.site.domains.help) + r"/faq/#([a-z0-9-]+)", text_of(soup))
    assert len(set(links)) >= 10
    assert all(faq.find(id=a) is not None for a in links), [a for a in links if faq.find(id=a) is None]
    for cat in data.helpdesk.categories:
        assert soup.find(id=cat.id) is not None
    known = {a for s in faq_anchors(data.faq) for a in s}
    assert all(a in known for c in data.helpdesk.categories for a in c.faq)


def test_help_desk_playbook_is_an_internal_handbook(data: DataSet) -> None:
    book = next(h for h in data.handbooks.handbooks if h.id == "helpdesk-playbook")
    assert book.site == "internal" and book.pages == ["runbooks/helpdesk/**"]


def test_data_migration_is_waived_with_a_reason(data: DataSet) -> None:
    section = next(s for s in data.launch.sections if s.id == "data-migration")
    assert all(i.status == "waived" and i.reason for i in section.items)
    assert all("runbooks/launch/data-migration.md" in i.reason for i in section.items)
    assert (ROOT / "runbooks/launch/data-migration.md").is_file()


def test_public_data_view_has_no_launch_days_or_helpdesk(data: DataSet) -> None:
    from busdocs.data.visibility import public_view

    view = public_view(data)
    with pytest.raises(Exception):
        view.helpdesk.categories  # noqa: B018
    assert dataclasses.is_dataclass(view)


# ---------------------------------------------------------------- diagrams and mock-ups

DIAGRAM_PAGES = {
    ("public", "students/buy-a-pass/"): {"diagram-pass-purchase", "mockup-student-payment"},
    ("public", "drivers/trips/"): {"diagram-trip-life-cycle", "mockup-driver-trip", "mockup-driver-refused"},
    ("internal", "runbooks/helpdesk/playbook/"): {"diagram-escalation"},
    ("internal", "runbooks/launch/hypercare/"): {"diagram-deploy-pipeline"},
}


@pytest.mark.parametrize("site,url", sorted(DIAGRAM_PAGES))
def test_diagrams_are_inline_svg_with_alt_text(built_sites, site: str, url: str) -> None:
    body = article(built_sites[site], url)
    figures = {f["id"]: f for f in body.select("figure.busdocs-diagram")}
    assert set(figures) == DIAGRAM_PAGES[(site, url)]
    for fid, figure in figures.items():
        svg = figure.svg
        assert svg["role"] == "img"
        title, desc = svg.find("title"), svg.find("desc")
        assert title.get_text(strip=True) and len(desc.get_text(strip=True)) > 80, fid
        assert svg["aria-labelledby"] == f"{title['id']} {desc['id']}"
        assert svg.find_all("text"), f"{fid}: words must be text, selectable"
        assert not svg.find_all(["image", "script", "foreignobject"]), fid
        assert not [a for t in svg.find_all(True) for k, a in t.attrs.items()
                    if k in ("href", "xlink:href", "src") and not str(a).startswith("#")], fid


def test_diagrams_follow_the_data(data: DataSet) -> None:
    from busdocs.content import diagrams

    svg = diagrams.pass_purchase(data)
    assert f"Pay it within {data.passes.payment_window_minutes} minutes" in svg
    assert all(f.title.split()[-1] in svg for f in data.service.payment_failures)
    changed = dataclasses.replace(data, service=data.service.model_copy(update={"rules": [
        r.model_copy(update={"value": 45}) if r.id == "payment-window-minutes" else r for r in data.service.rules]}))
    assert "Pay it within 45 minutes" in diagrams.pass_purchase(changed)
    ladder = diagrams.escalation_ladder(data)
    assert all(p.name in ladder for p in data.oncall.escalation_policies)


def _loads(html: str) -> list[str | None]:
    """What a page loads by itself: every script, image and frame, and its stylesheets (read by
    the standard library's tokenizer, which is all this needs of a parser)."""
    from html.parser import HTMLParser

    found: list[str | None] = []

    class Loads(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            if tag in ("script", "img", "iframe"):
                found.append(values.get("src"))
            elif tag == "link" and "stylesheet" in (values.get("rel") or "").split():
                found.append(values.get("href"))

        handle_startendtag = handle_starttag

    parser = Loads(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    return found


def test_the_load_scanner_sees_scripts_images_frames_and_stylesheets() -> None:
    html = ('<link rel="stylesheet" href="//cdn.example/a.css"><link rel="icon" href="https://x/i.png">'
            '<script src="https://cdn.example/m.js"></script><img src="a.png"/><iframe src="//y"></iframe>')
    assert _loads(html) == ["//cdn.example/a.css", "https://cdn.example/m.js", "a.png", "//y"]


def test_no_page_fetches_anything_from_outside(built_sites) -> None:
    """No Mermaid or other CDN: every script, stylesheet and image a page loads is the site's own."""
    for site in ("public", "internal"):
        for path in built_sites[site].rglob("*.html"):
            loads = _loads(path.read_text(encoding="utf-8"))
            outside = [u for u in loads if u and re.match(r"^(https?:)?//", u)]
            assert outside == [], (path, outside)
            assert "mermaid" not in " ".join(str(u) for u in loads), path


def test_internal_diagrams_stay_off_the_public_site(built_sites) -> None:
    for path in built_sites["public"].rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert 'id="diagram-escalation"' not in html and 'id="diagram-deploy-pipeline"' not in html, path
