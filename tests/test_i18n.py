"""The Urdu edition (issue 23): built pages (language, direction, switcher, alternates, notices,
font), the translation bookkeeping (`busdocs i18n`), Urdu values and the app strings macro."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urljoin
from pathlib import Path
from types import SimpleNamespace

import pytest

from busdocs.cli import main
from busdocs.content.macros import Macros, PageInfo, SiteInfo
from busdocs.data.loader import load_data
from busdocs.errors import BusdocsError
from busdocs.i18n import fonts, translations, urdu
from tests.browsing import Requests, settle
from tests.pages import page as parsed, start_tags

ROOT = Path(__file__).resolve().parent.parent
DRIVER_PAGES = ["index.md", "sign-in.md", "shift-checklist.md", "trips.md", "location-and-battery.md",
                "no-signal.md", "incidents.md", "passengers.md", "getting-help.md"]


def _url(src_uri: str) -> str:
    """`drivers/sign-in.md` → `drivers/sign-in/`, `index.md` → ``."""
    stem = src_uri.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def _html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix().removesuffix("index.html") for p in site.rglob("index.html")
                  if not p.relative_to(site).as_posix().startswith("ur/"))


# --- the built sites ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ur(built_sites) -> Path:
    return built_sites["public"] / "ur"


def test_the_urdu_edition_is_urdu_and_right_to_left(ur: Path) -> None:
    for url in ["", "drivers/", "drivers/sign-in/", "admins/"]:  # translated and fallback pages alike
        soup = parsed(ur, url)
        assert soup.html["lang"] == "ur", url
        assert soup.body["dir"] == "rtl", url
        # Material's Urdu interface strings: the search box and the "skip to content" link.
        assert soup.select_one("input.md-search__input")["placeholder"] == "تلاش کریں", url


def test_every_page_has_its_twin_in_the_other_language_and_the_switcher_goes_there(built_sites, ur: Path) -> None:
    english = built_sites["public"]
    pages = _html_pages(english)
    assert len(pages) > 40
    for url in pages:
        assert (ur / url / "index.html").is_file(), f"/{url} has no Urdu twin"
        for site, here in ((english, english / url), (ur, ur / url)):
            html = (here / "index.html").read_text(encoding="utf-8")
            links = {a["hreflang"]: a["href"] for a in start_tags(html, ("a",))
                     if "busdocs-language" in (a.get("class") or "").split()}
            assert set(links) == {"en", "ur"}, (site, url)
            assert (here / links["en"]).resolve() == (english / url).resolve(), (site, url, links)
            assert (here / links["ur"]).resolve() == (ur / url).resolve(), (site, url, links)


def test_hreflang_alternates_in_head_and_sitemap(built_sites, ur: Path) -> None:
    english = built_sites["public"]
    head = {link["hreflang"]: link["href"] for link in parsed(english, "drivers/trips/").select("link[rel=alternate][hreflang]")
            if "://" not in link["href"]}  # Material's own, to each edition's root (the per-page ones: below)
    assert (english / "drivers/trips" / head["ur"] / "sitemap.xml").resolve() == (ur / "sitemap.xml").resolve()
    for site, base in ((english, "https://help.university-bus-tracker.com/"),
                       (ur, "https://help.university-bus-tracker.com/ur/")):
        xml = (site / "sitemap.xml").read_text(encoding="utf-8")
        urls = re.findall(r"<url>(.*?)</url>", xml, re.S)
        assert len(urls) > 40
        for entry in urls:
            loc = re.search(r"<loc>(.*?)</loc>", entry)[1]
            path = loc.removeprefix(base)
            alternates = dict(re.findall(r'hreflang="([^"]+)" href="([^"]+)"', entry))
            assert alternates == {"en": "https://help.university-bus-tracker.com/" + path,
                                  "ur": "https://help.university-bus-tracker.com/ur/" + path,
                                  "x-default": "https://help.university-bus-tracker.com/" + path}, entry


def test_every_page_names_its_alternates_in_head_with_full_urls_that_materials_script_does_not_fetch(built_sites, ur: Path) -> None:
    """Each page of both editions: <link rel="alternate " hreflang> for English, Urdu and x-default
    with full URLs. Material's script fetches a sitemap.xml next to every link its selector
    link[rel=alternate] (the whole attribute, case-insensitive) matches: those must stay relative."""
    english = built_sites["public"]
    base = "https://help.university-bus-tracker.com/"
    link = re.compile(r"<link\b[^>]*>")
    checked = 0
    for url in _html_pages(english):
        for site in (english, ur):
            html = (site / url / "index.html").read_text(encoding="utf-8")
            tags = [parsed_tag for parsed_tag in link.findall(html) if "hreflang=" in parsed_tag]
            per_page = {}
            for tag in tags:
                rel = re.search(r'rel="([^"]*)"', tag)[1]
                href = re.search(r'href="([^"]*)"', tag)[1]
                assert rel.split() == ["alternate"], (site, url, tag)  # one link type, as HTML reads rel
                if rel.strip().lower() == rel.lower():  # what Material's selector matches
                    assert "://" not in href and not href.startswith("//"), (site, url, tag)
                else:
                    per_page[re.search(r'hreflang="([^"]*)"', tag)[1]] = href
            assert per_page == {"en": base + url, "ur": base + "ur/" + url, "x-default": base + url}, (site, url)
            checked += 1
    assert checked > 80


def test_the_internal_site_has_no_language_switcher(built_sites) -> None:
    assert not parsed(built_sites["internal"], "").select("a.busdocs-language")
    assert "hreflang=" not in (built_sites["internal"] / "index.html").read_text(encoding="utf-8")


def test_an_untranslated_page_is_english_under_an_urdu_notice(ur: Path) -> None:
    soup = parsed(ur, "admins/buses/")
    notice = soup.select_one("article .admonition.busdocs-fallback")
    assert notice is not None and "اردو" in notice.get_text()
    english = soup.select_one('article div.busdocs-english[lang="en"][dir="ltr"]')
    assert english is not None and english.find("h1") is not None
    href = notice.select_one('a[hreflang="en"]')["href"]
    assert (ur / "admins/buses" / href / "index.html").resolve() == (ur.parent / "admins/buses/index.html").resolve()


def test_translated_pages_carry_no_fallback_notice_and_stale_ones_carry_theirs(built_sites, ur: Path) -> None:
    project = built_sites.project
    done = translations.translations(project, "ur")
    assert {f"drivers/{p}" for p in DRIVER_PAGES} <= set(done)
    for src_uri, t in done.items():
        soup = parsed(ur, _url(src_uri))
        assert soup.select_one(".busdocs-fallback") is None, src_uri
        stale = soup.select_one(".admonition.busdocs-stale")
        # A page whose English changed after it was translated must say so; a current one must not.
        assert (stale is not None) == t.stale, f"{src_uri}: stale={t.stale}, notice={stale is not None}"


def test_nastaliq_is_shipped_subset_and_covers_every_urdu_character(ur: Path) -> None:
    from fontTools.ttLib import TTFont

    font_path = ur / fonts.SITE_FOLDER / "NotoNastaliqUrdu-Regular.subset.woff"
    full = fonts.find_font("NotoNastaliqUrdu-Regular.ttf")
    assert font_path.stat().st_size < full.stat().st_size / 3  # subset, not the whole 570 KB font
    font = TTFont(str(font_path))
    assert font["name"].getDebugName(1) == "Noto Nastaliq Urdu"
    cmap = font.getBestCmap()
    urdu_letters = set(fonts._ARABIC.findall(fonts.characters(ur)))
    assert len(urdu_letters) > 40
    missing = sorted(c for c in urdu_letters if ord(c) not in cmap)
    assert not missing, missing
    css = (ur / "assets/stylesheets/urdu.css").read_text(encoding="utf-8")
    assert 'url("../fonts/NotoNastaliqUrdu-Regular.subset.woff")' in css
    assert "line-height: 2.3" in css
    assert (ur / fonts.SITE_FOLDER / "NotoNastaliqUrdu-LICENSE.txt").is_file()
    assert not (ur.parent / "assets/stylesheets/urdu.css").exists()  # the edition's own, not the English site's


def test_app_labels_and_values_come_from_data(ur: Path) -> None:
    text = parsed(ur, "drivers/trips/").select_one("article").get_text()
    assert "ٹرپ شروع کریں" in text and "Start trip" not in text
    contact = parsed(ur, "drivers/getting-help/").select_one("article")
    assert "+92 51 9085 4400" in [b.get_text() for b in contact.select('bdi[dir="ltr"]')]
    assert "پیر تا جمعہ" in contact.get_text()


# --- stale translations, without a build -----------------------------------------------------------

def _plugin_for(project: Path) -> object:
    from busdocs.mkdocs.plugin import BusdocsPlugin

    plugin = BusdocsPlugin()
    plugin.load_config({"language": "ur"})
    plugin.root = project
    plugin.translations = translations.translations(project, "ur")
    plugin.english = {uri: t.english.relative_to(project).as_posix() for uri, t in plugin.translations.items()}
    plugin._dates = {}
    return plugin


def _page(src_uri: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), url=_url(src_uri))


def test_an_english_edit_makes_the_translation_stale_and_the_page_says_so(project: Path) -> None:
    markdown = (project / "i18n/ur/drivers/trips.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    assert "busdocs-stale" not in _plugin_for(project)._language_notice(markdown, _page("drivers/trips.md"))
    english = project / "guides/drivers/trips.md"
    english.write_text(english.read_text(encoding="utf-8") + "\nA new English paragraph.\n", encoding="utf-8")
    out = _plugin_for(project)._language_notice(markdown, _page("drivers/trips.md"))
    assert "busdocs-stale" in out and 'href="../../../drivers/trips/"' in out
    assert out.index("# ٹرپ شروع اور ختم کرنا") < out.index("busdocs-stale")  # under the title


def test_i18n_status_lists_missing_and_stale_with_the_english_diff_and_mark_clears_it(project: Path, capsys) -> None:
    english = project / "guides/drivers/no-signal.md"
    english.write_text(english.read_text(encoding="utf-8").replace("up to **2 hours**", "up to **3 hours**"),
                       encoding="utf-8")
    assert main(["--root", str(project), "i18n", "status", "--strict"]) == 1
    out = capsys.readouterr().out
    assert "stale: i18n/ur/drivers/no-signal.md translates guides/drivers/no-signal.md" in out
    assert "after updating a translation: busdocs i18n mark PAGE" in out  # the command as it is run
    assert "-2. The app keeps up to **2 hours**" in out and "+2. The app keeps up to **3 hours**" in out
    assert "missing (shown in English with a notice):" in out and "  admins/buses.md" in out
    assert main(["--root", str(project), "i18n", "mark", "drivers/no-signal.md"]) == 0
    main(["--root", str(project), "i18n", "status"])
    assert "stale: i18n/ur/drivers/no-signal.md" not in capsys.readouterr().out


def test_a_translation_of_no_english_page_is_an_error(project: Path) -> None:
    (project / "i18n/ur/drivers/nonsense.md").write_text("# x\n", encoding="utf-8")
    with pytest.raises(BusdocsError, match="i18n/ur/drivers/nonsense.md: translates drivers/nonsense.md"):
        translations.translations(project, "ur")


# --- values and labels -----------------------------------------------------------------------------

def test_urdu_numbers_dates_and_money() -> None:
    assert urdu.number(18000) == "۱۸٬۰۰۰"
    assert urdu.money(250) == "۲۵۰ روپے"
    assert urdu.long_date(date(2027, 1, 25)) == "۲۵ جنوری ۲۰۲۷"


@pytest.fixture(scope="module")
def data():
    return load_data(ROOT)


def _macros(data, language: str) -> Macros:
    return Macros(data, "production", date(2027, 1, 1), lambda: PageInfo("drivers/trips.md", "public"),
                  site=SiteInfo(language=language))


def test_the_app_macro_prints_the_label_of_each_language(data) -> None:
    assert _macros(data, "en").app("Account → Sign out") == "**Account → Sign out**"
    assert _macros(data, "ur").app("Account → Sign out") == "**اکاؤنٹ ← سائن آؤٹ**"
    assert _macros(data, "ur").term("Semester pass") == "سمسٹر پاس"
    with pytest.raises(BusdocsError, match="no ur string for 'Fly away'"):
        _macros(data, "ur").app("Fly away")


def test_every_pass_name_and_support_value_has_an_urdu_term(data) -> None:
    macros = _macros(data, "ur")
    for t in data.passes.types:
        macros.term(t.name), macros.term(t.validity)
    for ch in data.site.support.channels:
        if "students" in ch.audiences or "drivers" in ch.audiences:
            macros.term(ch.label), macros.term(ch.hours), macros.term(ch.response_time)


# --- in a browser, on a phone ----------------------------------------------------------------------

@pytest.mark.browser
def test_urdu_on_a_phone_reads_right_to_left_in_nastaliq_and_search_finds_urdu_words(built_sites, chromium,
                                                                                   serve_site) -> None:
    from busdocs.bench import searcheval

    shots = ROOT / "test-artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []
    fonts_loaded: list[str] = []
    base = serve_site(built_sites["public"])
    page = searcheval._guarded_page(chromium, base, blocked, viewport={"width": 390, "height": 844},
                                    is_mobile=True, has_touch=True)
    in_flight = Requests(page)
    try:
        page.on("response", lambda r: fonts_loaded.append(r.url) if r.url.endswith(".woff") and r.ok else None)
        # The language switcher keeps the reader on the same page.
        page.goto(base + "drivers/trips/", wait_until="load")
        href = page.locator('a.busdocs-language[hreflang="ur"]').get_attribute("href")
        page.goto(urljoin(base + "drivers/trips/", href), wait_until="load")
        assert page.url == base + "ur/drivers/trips/"
        assert page.evaluate("document.documentElement.lang") == "ur"
        for url in ("ur/drivers/trips/", "ur/drivers/location-and-battery/", "ur/admins/buses/"):
            if page.url != base + url:  # (the first is the page the switcher opened, freshly loaded)
                page.goto(base + url, wait_until="load")
            page.evaluate("document.fonts.ready")
            assert page.evaluate("getComputedStyle(document.body).direction") == "rtl", url
            try:
                page.wait_for_function("document.documentElement.scrollWidth <= 390", timeout=10_000)
            except Exception:  # noqa: BLE001 - report the width it stayed at
                pytest.fail(f"{url} scrolls sideways: {page.evaluate('document.documentElement.scrollWidth')} > 390")
            page.screenshot(path=str(shots / f"urdu-phone-{url.strip('/').replace('/', '-')}.png"), full_page=False)
        # The per-page alternates are link elements of type alternate, as a browser reads them; after
        # an instant navigation too (Material parses the next page and swaps the head), and Material
        # fetches nothing for them (no request leaves the site: checked at the end).
        alternates = "[...document.querySelectorAll('link[hreflang]')].filter(l => l.relList.contains('alternate') && l.href.startsWith('https://')).map(l => l.hreflang + ' ' + l.href)"
        assert sorted(page.evaluate(alternates)) == [
            "en https://help.university-bus-tracker.com/admins/buses/",
            "ur https://help.university-bus-tracker.com/ur/admins/buses/",
            "x-default https://help.university-bus-tracker.com/admins/buses/"]
        page.goto(base + "ur/drivers/", wait_until="load")
        page.evaluate("""document.querySelector('a[href$="/ur/drivers/trips/"]').click()""")  # Material's instant navigation
        page.wait_for_url(base + "ur/drivers/trips/")
        page.wait_for_function("document.querySelector('link[hreflang=ur][href$=\"/ur/drivers/trips/\"]') !== null")
        settle(page, in_flight)  # what Material fetched for the new page had its chance to leave the site
        assert page.evaluate("document.querySelectorAll('link[hreflang]').length") == 5  # Material's 2 + 3
        assert page.evaluate("""() => document.fonts.check('16px "Noto Nastaliq Urdu"', 'ٹرپ')""")
        assert fonts_loaded and all(u.startswith(base + "ur/assets/fonts/NotoNastaliqUrdu-") for u in fonts_loaded), fonts_loaded
        # Search in Urdu: words of the translated pages find them (from the page the instant navigation
        # opened: every page of the edition searches the edition's one index, so none is loaded for it).
        box = searcheval._open_search(page)
        found = [searcheval.page_of(h, base + "ur/") for h in searcheval.search(page, box, "پاس اسکین")]
        assert found and found[0] == "drivers/passengers/", found[:5]
        found = [searcheval.page_of(h, base + "ur/") for h in searcheval.search(page, box, "سگنل")]
        assert "drivers/no-signal/" in found[:3], found[:5]
        page.screenshot(path=str(shots / "urdu-phone-search.png"))
    finally:
        page.context.close()
    assert not blocked, blocked


def test_the_training_page_lists_the_urdu_handbook_next_to_the_english_one(built_sites) -> None:
    links = [(a["href"], a.get("hreflang")) for a in parsed(built_sites["public"], "training/").select("ul.busdocs-handbooks a")]
    hrefs = [h for h, _ in links]
    english = hrefs.index("../downloads/driver-handbook.pdf")
    assert links[english + 1] == ("../downloads/driver-handbook-ur.pdf", "ur")
    # The Urdu edition links the handbooks where they live, in the English site's downloads/.
    ur_links = [a["href"] for a in parsed(built_sites["public"] / "ur", "training/").select("ul.busdocs-handbooks a")]
    assert "https://help.university-bus-tracker.com/downloads/driver-handbook-ur.pdf" in ur_links


@pytest.mark.browser
@pytest.mark.slow
def test_urdu_search_figures_do_not_fall(built_sites, chromium) -> None:
    """The Urdu questions of tests/search_eval.yml (site: ur) on the Urdu edition's own index.
    Measured 2026-12-02: 22 queries, top-1 81.8 %, top-3 90.9 %."""
    import json

    from busdocs.bench import searcheval

    cases = searcheval.load_cases(ROOT / searcheval.CASES)
    assert sum(1 for c in cases if c.site == "ur") >= 20
    assert not searcheval.missing_pages(cases, built_sites["public"] / "ur", "ur")
    report = searcheval.run_eval(built_sites["public"] / "ur", "ur", cases, browser=chromium)
    out = ROOT / "test-artifacts" / "search-eval-ur.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report.as_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    summary = searcheval.format_report(report)
    assert report.rate(3) >= 0.85, summary
    assert report.rate(1) >= 0.7, summary
