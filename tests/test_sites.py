"""Both real configurations, built strictly, asserted on their HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.pages import article, heading_text, page

EXTERNAL = re.compile(r"""(?:src|href)=["'](?:https?:)?//(?!help\.university-bus-tracker\.com)[^"']+""")


def test_public_site_has_the_sections_and_no_runbooks(built_sites: dict[str, Path]) -> None:
    public = built_sites["public"]
    for section in ("students", "drivers", "admins", "faq", "troubleshooting", "known-issues", "releases",
                    "api", "training", "news", "contact"):
        assert (public / section / "index.html").is_file(), section
    assert not (public / "runbooks").exists()
    nav = [a.get_text(strip=True) for a in page(public, "").select(".md-tabs__link")]
    assert nav[:4] == ["Home", "Students", "Drivers", "Admins"]


def test_internal_site_adds_runbooks_and_its_own_home(built_sites: dict[str, Path]) -> None:
    internal = built_sites["internal"]
    assert (internal / "runbooks" / "index.html").is_file()
    assert (internal / "students" / "index.html").is_file()
    assert heading_text(article(internal, "").h1) == "Bus Tracker operations"
    tabs = [a.get_text(strip=True) for a in page(internal, "").select(".md-tabs__link")]
    assert tabs[:3] == ["Ops home", "Runbooks", "Procedures"]
    assert "Students" in tabs


def test_environments_page_renders_both_environments_from_data(built_sites: dict[str, Path]) -> None:
    body = article(built_sites["internal"], "runbooks/environments/")
    headings = [heading_text(h) for h in body.select("h2")]
    assert headings[:2] == ["Production", "Staging"]
    tables = body.select("table")
    assert len(tables) == 2
    assert "https://api.university-bus-tracker.com" in tables[0].get_text()
    assert "https://api.staging.university-bus-tracker.com" in tables[1].get_text()
    assert "prod/jwt/secret" in tables[0].get_text()


def test_edit_links_point_at_the_real_files(built_sites: dict[str, Path]) -> None:
    base = "https://github.com/university-bus-tracker/busdocs/edit/main/"
    cases = {("public", "students/"): "guides/students/index.md", ("public", "faq/"): "docs/faq.md",
             ("internal", ""): "runbooks/home.md", ("internal", "runbooks/"): "runbooks/index.md"}
    for (site, url), source in cases.items():
        edit = page(built_sites[site], url).select_one("a[rel=edit]")
        assert edit is not None and edit["href"] == base + source, (site, url)


def test_macros_render_values_from_data(built_sites: dict[str, Path]) -> None:
    text = article(built_sites["public"], "api/").get_text()
    assert "https://api.university-bus-tracker.com/api/v1" in text
    assert "{{" not in text and "}}" not in text


def test_pages_load_nothing_from_outside_the_site(built_sites: dict[str, Path]) -> None:
    for site in built_sites.values():
        for html in site.rglob("*.html"):
            text = html.read_text(encoding="utf-8")
            for match in EXTERNAL.finditer(text):
                tag_start = text.rfind("<", 0, match.start())
                tag = text[tag_start:match.end()]
                # Links people click may go out (app stores, status page); nothing may be loaded.
                assert tag.startswith(("<a ", '<link rel="canonical"')), f"{html}: {tag}"
            assert "fonts.googleapis" not in text and "fonts.gstatic" not in text


def test_builds_record_audience_and_completion(built_sites: dict[str, Path]) -> None:
    for name, site in built_sites.items():
        record = json.loads((site / ".busdocs-build.json").read_text())
        assert record["audience"] == {"offline": "internal"}.get(name, name)
        assert record["state"] == "complete"
        assert record["environment"] == "production"


def test_ops_site_is_not_for_crawlers_and_the_help_center_is(built_sites: dict[str, Path]) -> None:
    robots = (built_sites["internal"] / "robots.txt").read_text(encoding="utf-8")
    rules = [line.strip() for line in robots.splitlines() if line.strip() and not line.startswith("#")]
    assert rules == ["User-agent: *", "Disallow: /"]  # and no Sitemap: line to submit
    assert not (built_sites["public"] / "robots.txt").exists()


def test_how_this_site_is_protected_comes_from_the_data(built_sites: dict[str, Path]) -> None:
    from busdocs.data.loader import load_data

    data = load_data(Path(__file__).resolve().parent.parent)
    access = data.deploy.access
    body = article(built_sites["internal"], "runbooks/reference/access/")
    assert heading_text(body.h1) == "How this site is protected"
    rows = {tr.select("td")[0].get_text(strip=True): tr.get_text(" ", strip=True)
            for tr in body.select("table")[0].select("tbody tr")}
    assert set(rows) == {r.cidr for r in access.staff_ranges}
    for r in access.staff_ranges:
        assert ("unverified" in rows[r.cidr]) == (not r.verified)
    text = body.get_text(" ", strip=True)
    assert f"{access.rate_limit.requests:,} requests per" in text
    assert "busdocs-ops-prod-staff-only" in text and "private, no-store" in text
    approver = next(p for p in data.oncall.people if p.id == access.request_access.approver)
    assert approver.name in text
    nav = [a.get_text(strip=True) for a in page(built_sites["internal"], "runbooks/reference/access/")
           .select("nav.md-nav a")]
    assert "How this site is protected" in nav
    assert not (built_sites["public"] / "runbooks").exists()
