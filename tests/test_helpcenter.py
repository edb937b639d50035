"""The help center content: real pages, data-driven listings, news by date, last-updated dates."""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from busdocs.sites import EDITIONS

from busdocs.mkdocs.build import build_site
from busdocs.data.loader import load_data
from busdocs.mkdocs.gitdates import last_updated
from tests.pages import article, article_of, heading_text

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\b(lorem|ipsum|TODO|TBD|FIXME|XXX)\b", re.I)
LISTING_PAGES = {"faq.md", "known-issues.md", "releases.md", "contact.md", "news/index.md"}
read_article = functools.cache(article_of)
"""`article_of`, each page parsed once for the tests of this module that read every page's article
(read only: none of them changes a tree)."""


def public_sources() -> list[tuple[str, Path]]:
    """(site src_uri, file) of every public Markdown page."""
    out = [(p.relative_to(ROOT / "docs").as_posix(), p) for p in (ROOT / "docs").rglob("*.md")]
    out += [(p.relative_to(ROOT / "guides").as_posix(), p) for p in (ROOT / "guides").rglob("*.md")]
    return sorted(out)


def built_path(site: Path, src_uri: str) -> Path:
    stem = src_uri.removesuffix(".md")
    return site / (stem.removesuffix("index") if stem.endswith("index") else stem + "/") / "index.html"


def test_no_placeholder_text_in_any_public_page(built_sites: dict[str, Path]) -> None:
    for html in built_sites["public"].rglob("*.html"):
        body = read_article(html)
        if body is None:
            continue
        found = PLACEHOLDER.search(body.get_text(" "))
        assert not found, f"{html.relative_to(built_sites['public'])}: {found.group(0)!r}"


def test_prose_pages_have_substance(built_sites: dict[str, Path]) -> None:
    short = []
    for src_uri, _ in public_sources():
        if src_uri.endswith("index.md") or src_uri in LISTING_PAGES:
            continue
        html = built_path(built_sites["public"], src_uri)
        if not html.exists():  # a scheduled news piece, not published at this date
            assert src_uri.startswith("news/"), src_uri
            continue
        body = read_article(html)
        assert body is not None, f"{src_uri}: no article"
        words = len(body.get_text(" ").split())
        if words < 150:
            short.append((src_uri, words))
    assert not short, short


@pytest.mark.parametrize(
    ("folder", "pages"),
    [
        ("students", ["get-the-app", "sign-up", "buy-a-pass", "pass-types", "live-tracking", "arrival-times",
                      "notifications", "trip-history", "account", "privacy", "accessibility", "getting-help"]),
        ("drivers", ["sign-in", "shift-checklist", "trips", "location-and-battery", "no-signal", "incidents",
                     "passengers", "getting-help"]),
        ("admins", ["dashboard-tour", "routes-stops-schedules", "buses", "drivers", "pass-types-and-pricing",
                    "payments-and-refunds", "notifications", "reports-and-metrics", "users-and-roles",
                    "audit-log", "data-export"]),
    ],
)
def test_guides_cover_their_topics(built_sites: dict[str, Path], folder: str, pages: list[str]) -> None:
    for name in pages:
        assert (built_sites["public"] / folder / name / "index.html").is_file(), f"{folder}/{name}"


def test_prices_come_from_data(built_sites: dict[str, Path]) -> None:
    data = load_data(ROOT)
    text = article(built_sites["public"], "students/pass-types/").get_text(" ")
    for t in data.passes.types:
        assert f"PKR {t.price:,}" in text, t.id


def test_faq_renders_every_question_with_a_working_link(built_sites: dict[str, Path]) -> None:
    data = load_data(ROOT)
    body = article(built_sites["public"], "faq/")
    questions = body.select("h3")
    assert [heading_text(h) for h in questions] == [q.q for s in data.faq.sections for q in s.questions]
    assert [heading_text(h) for h in body.select("h2")][:4] == [s.title for s in data.faq.sections][:4]
    for h3 in questions:
        answer = h3.find_next_sibling("p")
        links = [a["href"] for a in answer.select("a[href]")]
        assert links, answer.get_text()
        target = (built_sites["public"] / "faq" / links[-1].split("#")[0]).resolve()
        assert (target / "index.html").is_file() or target.is_file(), links[-1]


def test_every_faq_answer_has_a_stable_anchor_a_permalink_and_its_own_search_entry(
        built_sites: dict[str, Path]) -> None:
    import json

    from busdocs.content.helpcenter import faq_anchors

    data = load_data(ROOT)
    anchors = [a for section in faq_anchors(data.faq) for a in section]
    assert len(set(anchors)) == len(anchors)
    assert anchors[0] == "who-can-use-the-app"  # made from the question: the same in every build
    body = article(built_sites["public"], "faq/")
    for anchor in anchors:
        heading = body.select_one(f"h3#{anchor}")
        assert heading is not None, anchor
        assert heading.select_one(f'a.headerlink[href="#{anchor}"]') is not None, anchor
    index = json.loads((built_sites["public"] / "search" / "search_index.json").read_text(encoding="utf-8"))
    entries = {doc["location"]: doc for doc in index["docs"]}
    for section in data.faq.sections:
        for q, anchor in zip(section.questions, faq_anchors(data.faq)[data.faq.sections.index(section)]):
            entry = entries.get(f"faq/#{anchor}")
            assert entry is not None, anchor
            first = q.a.split()[0] if q.a.strip() else "Charged?"  # an answer from data/service.yml
            assert entry["title"] == q.q and first in entry["text"]


def test_faq_pointing_nowhere_fails_the_check(project: Path, capsys) -> None:
    from busdocs.cli import main

    path = project / "data" / "faq.yml"
    text = path.read_text()
    first = re.search(r"see: (\S+)", text).group(1)
    path.write_text(text.replace(f"see: {first}", "see: guides/students/no-such-page.md", 1))
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert "data/faq.yml:" in err and "sections[0].questions[0].see" in err and "does not exist" in err


def test_known_issues_and_releases_from_data(built_sites: dict[str, Path]) -> None:
    data = load_data(ROOT)
    issues = article(built_sites["public"], "known-issues/").get_text(" ")
    for issue in data.known_issues.issues:
        assert issue.id in issues
    notes = article(built_sites["public"], "releases/")
    headings = [heading_text(h) for h in notes.select("h2")]
    for release in data.releases.releases:
        assert f"{data.releases.products[release.product]} {release.version}" in headings


def test_release_feed_is_atom_with_released_versions(built_sites: dict[str, Path]) -> None:
    data = load_data(ROOT)
    feed = ET.parse(built_sites["public"] / "releases" / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == sum(1 for r in data.releases.releases if r.released <= date.today())
    from urllib.parse import urljoin

    links = [a["href"] for a in article(built_sites["public"], "releases/").select("a[href]")]
    assert "https://x/releases/feed.xml" in [urljoin("https://x/releases/", h) for h in links]


def test_training_page_has_plans_and_a_video_index_without_players(built_sites: dict[str, Path]) -> None:
    data = load_data(ROOT)
    body = article(built_sites["public"], "training/")
    text = " ".join(body.get_text(" ").split())  # glossary tooltips (<abbr>) split text nodes
    for plan in data.training.plans:
        for session in plan.sessions:
            assert session.title in text
    rows = {row.td.get_text(" ", strip=True): row for row in body.select("tr") if row.td is not None}
    for video in data.training.videos:
        if video.status == "published":
            assert body.select_one(f'a[href="{video.link}"]') is not None
        else:  # planned: listed with who records it and by when, and no link to a file that does not exist
            row = rows[video.title]
            assert row.a is None and "Planned" in row.get_text() and video.owner in row.get_text()
    for html in built_sites["public"].rglob("*.html"):
        assert "<iframe" not in html.read_text(encoding="utf-8"), html


def test_home_page_is_search_first_with_audiences_status_and_contact(built_sites: dict[str, Path]) -> None:
    body = article(built_sites["public"], "")
    first = body.find(["label", "p", "h2", "div"])
    assert body.select_one('label[for="__search"]') is not None
    assert first.select_one('label[for="__search"]') is not None or first.name == "label"
    assert len(body.select(".grid.cards > ul > li")) == 4
    hrefs = [a["href"] for a in body.select("a[href]")]
    assert any("status.university-bus-tracker.com" in h for h in hrefs)
    assert any(h.startswith("contact/") for h in hrefs)


def test_every_page_shows_when_it_was_last_updated(built_sites: dict[str, Path]) -> None:
    for html in built_sites["public"].rglob("index.html"):
        soup = read_article(html)
        if soup is None:
            continue
        fact = soup.select_one(".md-source-file__fact")
        assert fact is not None and re.search(r"\d{1,2} \w+ 20\d\d", fact.get_text()), html


def test_last_updated_falls_back_without_git(tmp_path: Path) -> None:
    page_file = tmp_path / "x.md"
    page_file.write_text("# x\n")
    assert last_updated("x.md", tmp_path, {}).date() == date.today()


@pytest.mark.slow  # builds a site of its own
def test_unpublished_news_stays_out_of_the_build_and_shows_in_serve(project: Path, tmp_path: Path,
                                                                    monkeypatch) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    news = project / "docs" / "news"
    (news / "zz-draft.md").write_text("---\ntitle: Draft piece\ndate: 2026-01-01\nkind: announcement\n"
                                      "summary: Not ready.\ndraft: true\n---\n\n# Draft piece\n\nDRAFT-CANARY\n")
    (news / "zz-future.md").write_text("---\ntitle: Future piece\ndate: 2099-01-01\nkind: email\n"
                                       "summary: Later.\n---\n\n# Future piece\n\nFUTURE-CANARY\n")
    site = build_site(project, "public", tmp_path / "public").out_dir
    everything = "".join(p.read_text(errors="ignore") for p in site.rglob("*") if p.is_file())
    assert "DRAFT-CANARY" not in everything and "FUTURE-CANARY" not in everything
    assert "Draft piece" not in everything and "Future piece" not in everything

    # The builds below only look at the news pages, and the date (like serving) is in every
    # page's cache key: the site cut to its news, its home page and FAQ (`few_pages`) builds them.
    from tests.test_serve_errors import few_pages

    few_pages(project, ("index.md", "faq.md", "news/"))
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - FAQ: faq.md\n", "  - FAQ: faq.md\n  - News: news/index.md\n", 1))
    monkeypatch.setenv("BUSDOCS_TODAY", "2099-01-02")
    later = build_site(project, "public", tmp_path / "later").out_dir
    assert (later / "news" / "zz-future" / "index.html").is_file()
    assert not (later / "news" / "zz-draft").exists()
    monkeypatch.delenv("BUSDOCS_TODAY")

    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(tmp_path / "serve"))
    plugin = config.plugins["busdocs"]  # MkDocs keeps this instance for later builds of the process
    plugin.serving = True
    try:
        build(config, serve_url="http://127.0.0.1/")  # as mkdocs serve builds; nothing listens here
    finally:
        plugin.serving = False
    assert "DRAFT-CANARY" in (tmp_path / "serve" / "news" / "zz-draft" / "index.html").read_text()
    assert "draft, not in the public build" in (tmp_path / "serve" / "news" / "index.html").read_text()


def test_bad_news_front_matter_is_reported(project: Path, tmp_path: Path) -> None:
    from busdocs.mkdocs.build import BuildFailed

    (project / "docs" / "news" / "bad.md").write_text("---\ntitle: Bad\ndate: soon\nkind: tweet\n---\n\n# Bad\n")
    with pytest.raises(BuildFailed) as info:
        build_site(project, "public", tmp_path / "public")
    message = str(info.value)
    assert "docs/news/bad.md" in message and "date" in message and "kind" in message


@pytest.mark.slow  # builds a site of its own
def test_two_builds_of_the_same_sources_are_byte_identical(built_sites: dict[str, Path], project: Path,
                                                          tmp_path: Path) -> None:
    # The shared build and a build of another copy, each cold, in processes and at times of their own.
    first = built_sites["public"]
    second = build_site(project, "public", tmp_path / "two").out_dir
    for language in EDITIONS:  # as `busdocs build` does: the language editions inside, public/ur/
        build_site(project, language, second / language)
    differ = [p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file()
              and not p.name.startswith(".") and p.read_bytes() != (second / p.relative_to(first)).read_bytes()]
    assert differ == []  # otherwise every redeploy would upload and invalidate something
