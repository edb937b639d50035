"""Both sites and the offline bundle in a real browser (Debian's Chromium headless shell through Playwright).

Every page runs in a browser context whose router aborts, and records, any request that would
leave the site under test, so nothing reaches the network even when a page tries to.
Screenshots and axe reports go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from busdocs.mkdocs.build import OFFLINE_ZIP
from tests.browsing import Requests, settle
from tests.pages import article, heading_text, page as parsed_page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TIMEOUT_MS = 8_000

# Pages every visitor may land on: home, a guide page, the FAQ, the API reference, the release notes.
PUBLIC_PAGES = ["", "students/buy-a-pass/", "faq/", "api/", "api/passes/", "releases/"]
INTERNAL_PAGES = ["", "runbooks/alarms/rds-high-connections/"]
A11Y_PAGES = ["", "students/buy-a-pass/", "faq/", "api/", "api/passes/"]


# --- serving and the browser -------------------------------------------------------------------

@dataclass
class Served:
    base: str  # http://127.0.0.1:port/

    @property
    def origin(self) -> str:
        return self.base.rstrip("/")

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")


@pytest.fixture(scope="module")
def servers(built_sites: dict[str, Path], serve_site) -> dict[str, Served]:
    """The public and internal sites, each on its own port of 127.0.0.1 (the process's servers)."""
    return {site: Served(serve_site(built_sites[site])) for site in ("public", "internal")}


@pytest.fixture(scope="module")
def browser(chromium) -> Browser:
    return chromium  # the process's one Chromium; each test opens contexts of its own


@dataclass
class Watch:
    """What happened in one browser context."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    in_flight: Requests | None = None  # the context's requests still going on (`settle` waits for none)
    pages: dict[Page, Watch] | None = None
    """The pages of the context that have a Watch of their own (`watched_page`), which the context's
    guard tells what it blocked for them."""


def watched_page(context: BrowserContext, shared: Watch) -> tuple[Page, Watch]:
    """A new page of a guarded context and a Watch of its own: its requests (those of its workers
    included), console errors, uncaught exceptions and what the context's guard blocked for it, so
    pages that share a context are checked one by one. A blocked request the guard cannot tie to a
    page is counted against every watched page of the context (never against none)."""
    page = context.new_page()
    watch = Watch(in_flight=Requests(page))

    def on_console(message) -> None:
        if message.type == "error":
            location = message.location.get("url", "") if message.location else ""
            watch.console_errors.append(f"{message.text} [{location}]")

    page.on("request", lambda request: watch.requests.append(request.url))
    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    if shared.pages is None:
        shared.pages = {}
    shared.pages[page] = watch
    return page, watch


def _blocked_for(request: object, pages: dict[Page, Watch]) -> list[Watch]:
    """The watches of `pages` a blocked request counts against: its page's, or all when unknown."""
    try:
        owner = request.frame.page  # a worker's request may have no frame
    except Exception:  # noqa: BLE001 - Playwright raises when it cannot tell
        owner = None
    return [pages[owner]] if owner in pages else list(pages.values())


def guarded_context(browser: Browser, allowed: str, **options: object) -> tuple[BrowserContext, Watch]:
    """A new context in which only URLs under `allowed` (plus data: and blob:) get through."""
    watch = Watch()
    context = browser.new_context(service_workers="block", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)

    def guard(route: Route) -> None:
        url = route.request.url
        if url.startswith((allowed, "data:", "blob:")):
            route.continue_()
        else:
            watch.blocked.append(url)
            for page_watch in _blocked_for(route.request, watch.pages or {}):
                page_watch.blocked.append(url)
            route.abort("blockedbyclient")

    def on_console(message) -> None:
        if message.type == "error":
            location = message.location.get("url", "") if message.location else ""
            watch.console_errors.append(f"{message.text} [{location}]")

    def on_page(page: Page) -> None:
        page.on("console", on_console)
        page.on("pageerror", lambda error: watch.page_errors.append(str(error)))

    context.route("**/*", guard)
    context.on("request", lambda request: watch.requests.append(request.url))
    context.on("page", on_page)
    watch.in_flight = Requests(context)
    return context, watch


DEVICES = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def tabs(browser: Browser) -> Iterator[Callable[..., tuple[Page, Watch]]]:
    """`tabs(allowed, device)` → a new tab and its own Watch (`watched_page`) in the module's one
    guarded context for `allowed` on `device` ("desktop" or "phone"), closed with the module. A
    context per test cost its own profile and renderers each time (about half a second of
    Chromium's CPU); a tab watches only itself, so tests sharing a context are still checked one by
    one. Material keeps nothing of a visit in the profile that changes another page (its
    localStorage holds the palette, linked content tabs and a dismissed announcement, which no test
    here changes; what it keeps per visit is in the tab's sessionStorage), and with the router on
    Chromium's cache is off, so every tab fetches everything itself as a first visitor does."""
    contexts: dict[tuple[str, str], tuple[BrowserContext, Watch]] = {}

    def new_tab(allowed: str, device: str = "desktop") -> tuple[Page, Watch]:
        if (allowed, device) not in contexts:
            contexts[allowed, device] = guarded_context(browser, allowed, **DEVICES[device])
        page, watch = watched_page(*contexts[allowed, device])
        page.bring_to_front()  # (see `loaded`)
        return page, watch

    yield new_tab
    for context, _ in contexts.values():
        context.close()


@pytest.fixture
def open_tab(tabs) -> Iterator[Callable[..., tuple[Page, Watch]]]:
    """`open_tab(allowed, device="desktop")` → a tab of the module's guarded context for `allowed`
    on `device` (`tabs`) and what happened in it, closed after the test."""
    opened: list[Page] = []

    def make(allowed: str, device: str = "desktop") -> tuple[Page, Watch]:
        page, watch = tabs(allowed, device)
        opened.append(page)
        return page, watch

    yield make
    for page in opened:
        page.close()


@pytest.fixture(scope="module")
def loaded(tabs, servers: dict[str, Served]) -> Iterator[Callable[[str, str], tuple[Page, Watch]]]:
    """`loaded(site, path)` → a desktop page of the site, opened once, and what happened in it (its
    own requests, console, exceptions and blocked requests: `watched_page`). The tests that only
    look at a loaded page (requests, console, axe, the desktop screenshot) share that one visit
    instead of loading the page again each; the pages of SITE_PAGES load side by side (`visit_all`)
    the first time one is asked for, as tabs of the module's desktop context of each site (`tabs`:
    a context per page cost its own profile and renderers each time)."""
    opened: dict[tuple[str, str], tuple[Page, Watch]] = {}

    def load(site: str, path: str) -> tuple[Page, Watch]:
        if (site, path) not in opened:
            wanted = [(site, path)] + [key for key in SITE_PAGES if key not in opened and key != (site, path)]
            visits = []
            for key in wanted:
                served = servers[key[0]]
                opened[key] = tabs(served.origin + "/")
                visits.append((*opened[key], served.url(key[1])))
            visit_all([(page, url, watch) for page, watch, url in visits])
        page, watch = opened[site, path]
        # The tab in front of its context's window, as a page alone in its context is: Chromium
        # draws a tab behind others lazily (a full-page screenshot of one waited seconds for frames).
        page.bring_to_front()
        return page, watch

    yield load  # (the tabs close with their contexts)


def visit(page: Page, url: str, watch: Watch) -> None:
    """Open a page and wait until it and the requests Material starts after load have finished
    (`settle`: its search index in, then no request for `browsing.QUIET_MS`)."""
    page.goto(url, wait_until="load")
    settle(page, watch.in_flight)


def visit_all(visits: list[tuple[Page, str, Watch]]) -> None:
    """`visit` each page at its URL (in guarded contexts), the pages side by side:
    every navigation starts first, then each is waited for, so the waits of one page overlap the others'."""
    for page, url, _ in visits:
        # from a timer, so the evaluation returns before the navigation replaces its document
        page.evaluate("url => { setTimeout(() => { window.location.href = url; }, 0); }", url)
    for page, url, watch in visits:
        page.wait_for_url(url, wait_until="load")
        settle(page, watch.in_flight)


def open_search(page: Page) -> None:
    """Open Material's search the way a visitor does on this viewport."""
    button = page.locator('label.md-header__button[for="__search"]')
    if button.is_visible():
        button.click()
    else:
        page.locator("input.md-search__input").click()
    expect(page.locator("input.md-search__input")).to_be_focused()


def h1_pattern(title: str) -> re.Pattern[str]:
    """A page's h1 text, with or without its permalink sign."""
    return re.compile(r"^\s*" + re.escape(title) + r"\s*¶?\s*$")


def slug(path: str) -> str:
    return path.strip("/").replace("/", "-").removesuffix(".html") or "home"


# --- the public help center ---------------------------------------------------------------------

def test_public_home_loads(loaded) -> None:
    page, _ = loaded("public", "")  # the desktop visit the request, console and axe tests read
    expect(page).to_have_title(re.compile("University Bus Tracker"))
    expect(page.locator('.md-content label[for="__search"]')).to_be_visible()
    cards = page.locator(".md-content .grid.cards > ul > li")
    expect(cards).to_have_count(4)
    expect(cards.first).to_be_visible()


def test_search_finds_a_guide_page_and_opens_it(open_tab, servers: dict[str, Served]) -> None:
    page, _ = open_tab(servers["public"].origin + "/")
    page.goto(servers["public"].url(""))
    page.locator('.md-content label[for="__search"]').click()
    expect(page.locator(".md-search__input")).to_be_visible()
    page.keyboard.type("KuickPay consumer number")  # what a visitor types once search is open
    expect(page.locator(".md-search__input")).to_have_value("KuickPay consumer number")
    expect(page.locator(".md-search-result__item").first).to_be_visible()  # the search worker answered

    links = page.locator(".md-search-result__item > a.md-search-result__link")
    hrefs = links.evaluate_all("links => links.map(a => a.href)")
    students = [i for i, href in enumerate(hrefs) if urlparse(href).path.startswith("/students/")]
    assert students, f"no result under students/: {hrefs}"
    result = links.nth(students[0])
    title = result.locator("article h1").inner_text().strip()
    target = urlparse(hrefs[students[0]]).path

    result.click()
    page.wait_for_url(lambda url: urlparse(url).path == target)
    expect(page.locator("article.md-content__inner h1")).to_have_text(h1_pattern(title))
    assert "KuickPay" in title, title


@pytest.fixture(scope="module")
def module_phone_tab(tabs, servers: dict[str, Served]) -> tuple[Page, Watch]:
    """One guarded phone tab of the public site for the phone tests that each start with a fresh
    load of the home page (`page.goto`: a new document, the drawer and search closed again). A new
    context per test cost its own renderer and an empty cache each time; nothing the tests check
    depends on either. Its `Watch` gathers what every test of it tried (nothing may leave the site)."""
    return tabs(servers["public"].origin + "/", "phone")


@pytest.fixture
def phone_tab(module_phone_tab: tuple[Page, Watch]) -> tuple[Page, Watch]:
    """`module_phone_tab`, in front of the other tabs of its context (see `loaded`)."""
    module_phone_tab[0].bring_to_front()
    return module_phone_tab


def test_search_first_button_puts_the_cursor_in_the_search_box_on_a_phone(phone_tab,
                                                                          servers: dict[str, Served]) -> None:
    """Without focus in the search box, a phone shows no keyboard: the visitor has to tap twice."""
    page, watch = phone_tab
    page.goto(servers["public"].url(""))
    page.locator('.md-content label[for="__search"]').tap()
    expect(page.locator(".md-search__input")).to_be_visible()
    expect(page.locator(".md-search__input")).to_be_focused()
    assert not watch.blocked, watch.blocked


@pytest.mark.parametrize(("name", "path"), [("Students", "students/"), ("Drivers", "drivers/"), ("Admins", "admins/")])
def test_audience_navigation_on_a_phone(phone_tab, servers: dict[str, Served], built_sites: dict[str, Path],
                                        name: str, path: str) -> None:
    page, watch = phone_tab
    page.goto(servers["public"].url(""))
    expect(page.locator(".md-tabs")).to_be_hidden()  # the phone layout: navigation lives in the drawer
    page.locator('label.md-header__button[for="__drawer"]').tap()
    drawer = page.locator("nav.md-nav--primary")
    link = drawer.locator(":scope > ul > li > a.md-nav__link", has_text=re.compile(rf"^\s*{name}\s*$"))
    expect(link).to_be_visible()
    link.tap()
    page.wait_for_url(lambda url: urlparse(url).path == "/" + path)
    expected = heading_text(article(built_sites["public"], path).h1)
    expect(page.locator("article.md-content__inner h1")).to_have_text(h1_pattern(expected))
    assert not watch.blocked, watch.blocked


SITE_PAGES = [("public", p) for p in PUBLIC_PAGES] + [("internal", p) for p in INTERNAL_PAGES]
SITE_PAGE_IDS = [f"{site}:{path or 'home'}" for site, path in SITE_PAGES]


@pytest.mark.parametrize(("site", "path"), SITE_PAGES, ids=SITE_PAGE_IDS)
def test_no_request_leaves_the_site(loaded, servers: dict[str, Served], site: str, path: str) -> None:
    served = servers[site]
    _, watch = loaded(site, path)
    assert watch.requests, "no request recorded"
    outside = [u for u in watch.requests if not u.startswith((served.origin + "/", "data:", "blob:"))]
    blocked = watch.blocked
    assert not outside, f"{site} {path or 'home'} requested from outside the site: {outside}"
    assert not blocked, f"{site} {path or 'home'} tried to leave the site: {blocked}"


@pytest.mark.parametrize(("site", "path"), SITE_PAGES, ids=SITE_PAGE_IDS)
def test_no_console_errors(loaded, site: str, path: str) -> None:
    _, watch = loaded(site, path)
    exceptions, errors = watch.page_errors, watch.console_errors
    assert not exceptions, f"{site} {path or 'home'}: uncaught exceptions: {exceptions}"
    assert not errors, f"{site} {path or 'home'}: console errors: {errors}"


# --- accessibility -------------------------------------------------------------------------------

def axe_script() -> Path:
    import axe_playwright_python

    return Path(axe_playwright_python.__file__).parent / "axe.min.js"


@pytest.mark.parametrize("path", A11Y_PAGES, ids=[p or "home" for p in A11Y_PAGES])
def test_no_serious_accessibility_violations(loaded, path: str) -> None:
    page, _ = loaded("public", path)
    page.add_script_tag(path=str(axe_script()))  # axe-core from the wheel: nothing fetched
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    report = ARTIFACTS / "axe" / f"{slug(path)}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(results["violations"], indent=2), encoding="utf-8")

    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    lines = [f"{v['impact']} {v['id']} ({v['help']}): " + ", ".join(" ".join(n["target"]) for n in v["nodes"])
             for v in bad]
    assert not bad, f"axe {results['testEngine']['version']} on /{path}:\n" + "\n".join(lines) + f"\n(see {report})"


# --- the internal ops site -----------------------------------------------------------------------

def test_internal_search_finds_a_runbook_by_its_alarm_name(open_tab, servers: dict[str, Served]) -> None:
    served = servers["internal"]
    page, _ = open_tab(served.origin + "/")
    page.goto(served.url(""))
    open_search(page)
    page.locator("input.md-search__input").press_sequentially("rds-high-connections")
    first = page.locator(".md-search-result__item > a.md-search-result__link").first
    expect(first).to_be_visible()
    expect(first).to_have_attribute("href", re.compile(r"/runbooks/alarms/rds-high-connections/(?:[?#].*)?$"))


# --- the offline bundle, from file:// ----------------------------------------------------------------

@pytest.fixture(scope="module")
def offline_bundle(built_sites: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline bundle as on-call laptops get it: the zip of the session's build, unzipped."""
    work = tmp_path_factory.mktemp("offline")
    with zipfile.ZipFile(built_sites["internal"] / OFFLINE_ZIP) as bundle:
        bundle.extractall(work / "unzipped")
    return work / "unzipped" / "bus-tracker-ops"


def test_a_closed_browser_leaves_no_thread_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """`busdocs.bench.browser.launch` waits for the thread asyncio keeps for Playwright's driver:
    a test process forks a build's page workers only with no other thread (`parallel.can_fork`).
    That thread ends a moment after the driver; here every thread ends 0.3 s after its work is
    done, so a `launch` that did not wait would leave it running, every time."""
    import threading
    import time

    from busdocs.bench.browser import launch

    run = threading.Thread.run

    def run_then_linger(thread: threading.Thread) -> None:
        run(thread)
        time.sleep(0.3)

    monkeypatch.setattr(threading.Thread, "run", run_then_linger)
    before = set(threading.enumerate())
    with launch() as browser:
        assert browser.version  # type: ignore[attr-defined]
        assert set(threading.enumerate()) - before, "Playwright started no thread: nothing is tested"
    assert set(threading.enumerate()) - before == set()


def test_offline_bundle_navigates_from_file_urls(open_tab, offline_bundle: Path) -> None:
    page, _ = open_tab(offline_bundle.as_uri() + "/")
    page.goto((offline_bundle / "index.html").as_uri())
    expect(page).to_have_title(re.compile("Bus Tracker Ops"))

    page.locator("nav.md-tabs a.md-tabs__link", has_text="Runbooks").click()
    page.wait_for_url(re.compile(r"/runbooks/index\.html$"))
    page.locator('nav.md-nav--primary a.md-nav__link[href="alarms/index.html"]').click()
    page.wait_for_url(re.compile(r"/runbooks/alarms/index\.html$"))
    page.locator('article a[href="high-api-error-rate.html"]').first.click()
    page.wait_for_url(re.compile(r"/runbooks/alarms/high-api-error-rate\.html$"))

    expected = heading_text(parsed_page(offline_bundle, "runbooks/alarms/high-api-error-rate.html").select_one("h1"))
    expect(page.locator("article.md-content__inner h1")).to_have_text(h1_pattern(expected))


def test_offline_search_works_from_file_urls(open_tab, offline_bundle: Path) -> None:
    page, watch = open_tab(offline_bundle.as_uri() + "/")
    page.goto((offline_bundle / "runbooks" / "index.html").as_uri(), wait_until="load")
    try:
        expect(page.locator(".md-search")).to_be_visible()  # Material hides it when its worker cannot start
        search_shown = True
    except AssertionError:
        search_shown = False
    blocked = watch.blocked
    assert search_shown, ("search is hidden in the offline bundle: Material could not start its search worker "
                          f"from file://; requests that tried to leave the bundle: {blocked}")
    open_search(page)
    # The alarm name at once and the keyup Material reads the box on (a phone keyboard's way): typed
    # key by key, the worker searches each of its 20 prefixes first (4-5 s here); typing key by key into
    # the same search code is test_internal_search_finds_a_runbook_by_its_alarm_name's.
    box = page.locator("input.md-search__input")
    box.fill("rds-high-connections")
    box.dispatch_event("keyup")
    first = page.locator(".md-search-result__item > a.md-search-result__link").first
    expect(first).to_be_visible()
    expect(first).to_have_attribute("href", re.compile(r"rds-high-connections\.html(?:[?#].*)?$"))
    assert not watch.blocked, f"the offline bundle reached for the network: {watch.blocked}"


# --- screenshots ----------------------------------------------------------------------------------

SHOTS = [("public", "", "home"), ("public", "students/buy-a-pass/", "student-guide"), ("public", "faq/", "faq"),
         ("public", "api/passes/", "api-passes"), ("internal", "", "ops-home"),
         ("internal", "runbooks/alarms/rds-high-connections/", "runbook-rds-high-connections")]


PHONE_HEIGHT = PHONE["viewport"]["height"]
PHONE_SHOT_SCREENS = 3
"""A phone screenshot shows the page's first three screens (header, drawer button, title, the start of
the text; the whole page where it is shorter); the desktop ones show whole pages. Whole pages on a
phone are 7,000-17,000 px tall (0.3-0.5 s each to capture and encode) and show the same layout
further down; what a phone must never do anywhere on the page, scroll sideways, is checked on the
whole document's width below, not read from the image."""


@pytest.mark.parametrize(("device", "options"), [("desktop", DESKTOP), ("phone", PHONE)], ids=["desktop", "phone"])
def test_screenshots_of_key_pages(open_tab, loaded, servers: dict[str, Served], device: str,
                                  options: dict) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = options["viewport"]["width"]
    phones: dict[str, tuple[Page, Watch]] = {}

    def on_phone(site: str, path: str) -> tuple[Page, Watch]:
        """The page loaded in the site's phone tab (`open_tab`), its pages one after another (a new
        context per page cost a third more CPU: its own renderer, no cache)."""
        if site not in phones:
            phones[site] = open_tab(servers[site].origin + "/", device)
        page, watch = phones[site]
        requests = Requests(page)  # this page's own requests: `settle` waits for its search index
        page.goto(servers[site].url(path), wait_until="load")
        settle(page, requests)
        return page, watch

    if device == "desktop":  # the pages the other desktop tests loaded
        shown = (loaded(site, path) for site, path, _ in SHOTS)
    else:
        shown = (on_phone(site, path) for site, path, _ in SHOTS)
    for (site, path, name), (page, watch) in zip(SHOTS, shown):
        expect(page.locator("article.md-content__inner h1")).to_be_visible()
        target = SCREENSHOTS / f"{name}-{device}.png"
        if device == "desktop":
            page.screenshot(path=str(target), full_page=True)
        else:  # the first screens of it (see PHONE_SHOT_SCREENS), its tab in front (see `loaded`)
            page.bring_to_front()
            height = min(page.evaluate("document.documentElement.scrollHeight"), PHONE_SHOT_SCREENS * PHONE_HEIGHT)
            page.screenshot(path=str(target), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        # Nothing wider than the screen: a phone visitor never scrolls sideways.
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{site} {path or 'home'} is {scroll_width}px wide on a {width}px {device}"
        assert not watch.blocked, watch.blocked


# --- a runbook per environment: the first-five-minutes box, its links, the unverified marker ------

@pytest.fixture(scope="module")
def ops_by_environment(built_sites: dict[str, Path], staging_ops_site: Path, serve_site) -> dict[str, Served]:
    """The ops site of each environment on its own free port: production is the shared build,
    staging the shared `BUSDOCS_ENV=staging` build."""
    return {"production": Served(serve_site(built_sites["internal"])), "staging": Served(serve_site(staging_ops_site))}


@pytest.mark.parametrize("environment", ["production", "staging"])
def test_a_runbook_opens_with_its_environments_box_links_and_marker(open_tab, ops_by_environment,
                                                                    environment: str) -> None:
    from busdocs.data.loader import load_data

    data = load_data(ROOT)
    infra = data.infrastructure.environments[environment]
    other = next(e for e in data.infrastructure.environments if e != environment)
    served = ops_by_environment[environment]
    page, watch = open_tab(served.origin + "/")
    visit(page, served.url("runbooks/alarms/database-connection-errors/"), watch)

    box = page.locator("article .admonition.danger").first
    expect(box).to_be_visible()
    expect(box.locator(".admonition-title")).to_have_text(f"First five minutes — SEV1 Critical, {environment}")
    first_section = page.locator("article h2").first
    assert box.bounding_box()["y"] < first_section.bounding_box()["y"], "the box is above the first section"

    # one click to the evidence, for this environment's region and resources
    status = box.locator(f'a[href="{data.site.support.status_page}"]')
    expect(status).to_have_count(1)
    pager = box.locator('a[href*="pagerduty.com"]')
    if infra.cloudwatch.pagerduty_url:
        expect(pager).to_have_attribute("href", infra.cloudwatch.pagerduty_url)
        expect(box).to_contain_text("Acknowledge")
    else:
        expect(pager).to_have_count(0)
        expect(box).to_contain_text(f"{environment.capitalize()} pages nobody")
    alarm = box.locator('a[href*="alarmsV2:alarm/database-connection-errors"]')
    expect(alarm).to_have_count(1)
    assert f"region={infra.region}" in alarm.get_attribute("href")
    expect(box.locator(f'a[href*="{infra.database.identifier}"]')).to_have_count(1)
    logs = box.locator('a[href*="logs-insights"]')
    assert logs.get_attribute("href").endswith("backend))"), "the Logs Insights link is whole"
    expect(box.locator(f'a:has-text("{infra.cloudwatch.dashboards["database"]}")')).to_have_count(1)

    # the marker of unverified values is on the page, naming this environment's values
    marker = page.locator("article .admonition.warning", has_text="⚠ unverified").first
    expect(marker).to_be_visible()
    expect(marker).to_contain_text(infra.database.identifier)
    expect(marker).to_contain_text(f"against the {environment} account")
    text = page.locator("article").inner_text()
    assert data.infrastructure.environments[other].database.identifier not in text

    if environment == "production":  # a link inside the box goes where it says, in one click
        box.get_by_role("link", name="severity matrix").click()
        page.wait_for_load_state("load")
        assert page.url.endswith("/runbooks/incident-response/#severity"), page.url
        expect(page.locator("h2#severity")).to_be_visible()
    assert not watch.page_errors and not watch.console_errors, (watch.page_errors, watch.console_errors)
