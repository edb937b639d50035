"""Reader feedback without third parties (issue 24): the report over CloudFront standard logs, the
deploy plan's beacon objects, the ops site's Reader feedback page, and the widget in the browser."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path
from contextlib import contextmanager
from urllib.parse import parse_qs, urljoin, urlparse

import pytest

from busdocs.cli import main
from busdocs.content import feedback
from tests.browsing import Requests, settle

ROOT = Path(__file__).resolve().parent.parent

# The documented W3C layout of CloudFront standard logs (33 fields, tab-separated).
FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
          "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol "
          "cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type "
          "cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte "
          "x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end").split()
HEADER = f"#Version: 1.0\n#Fields: {' '.join(FIELDS)}\n"


def line(stem: str, query: str = "-", day: str = "2026-11-20", status: str = "200", n: int = 0) -> str:
    values = {f: "-" for f in FIELDS}
    values.update({"date": day, "time": "09:14:03", "x-edge-location": "KHI50-C1", "sc-bytes": "412",
                   "c-ip": "203.0.113.7", "cs-method": "GET", "cs(Host)": "d1abcd2efgh3ij.cloudfront.net",
                   "cs-uri-stem": stem, "sc-status": status, "cs(User-Agent)": "Mozilla/5.0%20(Linux;%20Android%2014)",
                   "cs-uri-query": query, "x-edge-result-type": "Miss", "x-edge-request-id": f"Xq{n * 7919 % 100003:05d}r{n}==",
                   "x-host-header": "help.university-bus-tracker.com", "cs-protocol": "https", "cs-bytes": "180",
                   "time-taken": "0.012", "ssl-protocol": "TLSv1.3", "ssl-cipher": "TLS_AES_128_GCM_SHA256",
                   "x-edge-response-result-type": "Miss", "cs-protocol-version": "HTTP/2.0", "c-port": "52114",
                   "time-to-first-byte": "0.011", "x-edge-detailed-result-type": "Miss",
                   "sc-content-type": "image/gif", "sc-content-len": "43"})
    return "\t".join(values[f] for f in FIELDS) + "\n"


BUY = "p=/students/buy-a-pass/"
BEACON_MS = 10_000
"""How long a beacon may take to leave (the miss waits 1.5 s of quiet first; the machine may be busy)."""
QUIET_MS = 300
"""How long a test watches for requests that must not come, after the last one that must."""
MISS_DEBOUNCE_MS = 1500
"""How long the widget waits after a query that found nothing before it sends the miss."""


def _page_clock(page) -> None:  # type: ignore[no-untyped-def]
    """Playwright's clock in `page` (before it loads): its timers, `Date` and animation frames keep
    running with real time, and a test moves them on at once (`page.clock.run_for`) where it would
    wait for the widget's own delays: the same timers fire in the same order, without the wait."""
    page.clock.install()


@contextmanager
def _page(page):  # type: ignore[no-untyped-def]
    """A page of a guarded context of the process's Chromium, its context closed after."""
    try:
        yield page
    finally:
        page.context.close()


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "cloudfront"
    folder.mkdir()
    first = HEADER + "".join([
        line("/feedback.gif", f"{BUY}&v=1&r="),
        line("/feedback.gif", f"{BUY}&v=0&r=missing"),
        line("/feedback.gif", f"{BUY}&v=0&r=missing"),
        line("/feedback.gif", f"{BUY}&v=0&r=unclear"),
        line("/feedback.gif", "p=/faq/&v=1&r="),
        line("/students/buy-a-pass/"),                                   # a page view: not a beacon
        line("/search-miss.gif", "q=money%20deducted"),
        line("/search-miss.gif", "q=money%2520deducted"),                # CloudFront encodes "%" again
        line("/search-miss.gif", "q=money%20deduct"),                    # a word form of the same search
        line("/search-miss.gif", "q=helpline"),
        line("/feedback.gif", f"{BUY}&v=1&r=", day="2026-10-01"),        # before --since
        "this is not a log line\n",                                      # malformed
        line("/feedback.gif", f"{BUY}&v=maybe&r="),                      # malformed beacon
    ])
    (folder / "E2ABCDEF.2026-11-20-09.a1b2c3d4.gz").write_bytes(gzip.compress(first.encode()))
    second = HEADER + "".join(line("/feedback.gif", "p=/faq/&v=0&r=outdated") for _ in range(3))
    second += line("/search-miss.gif", "q=helpline")
    data = gzip.compress((second + "".join(line("/search-miss.gif", "q=lost%20card", n=n) for n in range(200))).encode())
    (folder / "E2ABCDEF.2026-11-21-10.e5f6a7b8.gz").write_bytes(data[: len(data) * 2 // 3])  # truncated
    return folder


def test_the_report_counts_pages_reasons_and_failed_searches(logs: Path, capsys) -> None:
    assert main(["feedback", "report", "--logs", str(logs), "--since", "2026-11-01", "--format", "json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert set(report) == {"pages", "failed_searches", "skipped_lines"}
    pages = {p["page"]: p for p in report["pages"]}
    assert pages["/students/buy-a-pass/"] == {"page": "/students/buy-a-pass/", "helpful": 1, "not_helpful": 3,
                                              "reasons": {"missing": 2, "unclear": 1}}
    assert pages["/faq/"] == {"page": "/faq/", "helpful": 1, "not_helpful": 3, "reasons": {"outdated": 3}}
    searches = {s["query"]: s["count"] for s in report["failed_searches"]}
    assert searches["money deducted"] == 3                 # three forms, one search
    assert searches["helpline"] == 2                       # the second helpline is in the truncated file
    assert 0 < searches.get("lost card", 0) < 200         # read up to the damage, not beyond
    assert report["skipped_lines"] >= 2                    # the junk line and the bad vote (and the cut line)
    assert "truncated" in captured.err and "E2ABCDEF.2026-11-21-10" in captured.err and "Traceback" not in captured.err


def test_the_text_report_names_the_worst_pages_and_top_searches(logs: Path, capsys) -> None:
    assert main(["feedback", "report", "--logs", str(logs)]) == 0
    out = capsys.readouterr().out
    assert "/students/buy-a-pass/  yes 2  no 3  (missing 2, unclear 1)" in out, out   # without --since: 2 yes
    worst = out.split("Worst ratio")[1].split("Top failed")[0]
    assert worst.index("/faq/") < worst.index("/students/buy-a-pass/"), out
    assert "money deducted" in out.split("Top failed searches")[1]


@pytest.mark.parametrize(("args", "message"), [
    (["--logs", "/nonexistent/logs"], "no such folder"),
    (["--logs", "x", "--since", "yesterday"], "--since yesterday: expected a date"),
])
def test_report_mistakes_are_messages(args: list[str], message: str, capsys) -> None:
    assert main(["feedback", "report", *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err


def test_a_log_without_fields_header_or_with_garbage_never_crashes() -> None:
    read = feedback.read_logs([("a.gz", gzip.compress(line("/feedback.gif", "p=/faq/&v=1").encode())),
                               ("b.gz", b"\x1f\x8b\x08\x00garbage"), ("c", b"")])
    report = feedback.build_report(read)
    assert report == {"pages": [], "failed_searches": [], "skipped_lines": 1}
    assert read.truncated_files == ["b.gz"]


@pytest.mark.parametrize(("query", "sent"), [
    ("Refund to jane.doe@example.org please", "refund to please"),
    ("call me 0300 1234567", "call me"),
    ("+92 21 111 222 333 hotline", "hotline"),
    ("receipt 20261120123", "receipt"),
    ("  Money   DEDUCTED ", "money deducted"),
    ("bus 12", "bus 12"),
])
def test_personal_data_is_removed_from_queries(query: str, sent: str) -> None:
    assert feedback.normalise_query(query) == sent


def test_word_forms_merge() -> None:
    assert feedback.query_key("money deducted") == feedback.query_key("money deducting") == feedback.query_key(
        "money deducts")
    assert feedback.query_key("passes") == feedback.query_key("pass")
    assert feedback.query_key("bouncing emails") == feedback.query_key("bounces email")
    assert feedback.query_key("bus") != feedback.query_key("buy")


def test_the_reader_feedback_page_renders_a_report(logs: Path) -> None:
    read = feedback.read_logs(feedback.local_sources(logs), date(2026, 11, 1))
    text = feedback.render_page(feedback.build_report(read), "https://help.university-bus-tracker.com/")
    worst = text.split("## Pages that failed readers most")[1].split("## Every page")[0]
    assert worst.index("(https://help.university-bus-tracker.com/faq/)") < worst.index("/students/buy-a-pass/")
    assert "wrong or out of date 3" in worst and "| money deducted | 3 |" in text
    assert "No report yet" in feedback.render_page(None)


def test_the_committed_report_loads_and_the_ops_site_shows_it(built_sites: dict[str, Path]) -> None:
    report = feedback.load_report(ROOT)
    assert report is not None and {"pages", "failed_searches", "skipped_lines"} <= set(report)
    html = (built_sites["internal"] / "runbooks" / "reader-feedback" / "index.html").read_text(encoding="utf-8")
    assert "Pages that failed readers most" in html and "malformed log lines were skipped" in html
    assert not (built_sites["public"] / "runbooks").exists()


def test_the_deploy_plan_uploads_the_beacons_no_store(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from busdocs.data.loader import load_data
    from busdocs.deploy import plan

    config = load_data(ROOT).deploy
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html></html>", encoding="utf-8")
    local = plan.scan_site(site, config, "public")           # a build without them still ships them
    for key in feedback.BEACON_KEYS:
        assert local[key].cache_control == "no-store" and local[key].content_type == "image/gif"
        assert local[key].path.read_bytes() == feedback.BEACON_GIF
    result = plan.plan_sync(local, {}, config, datetime(2026, 12, 2, tzinfo=UTC))
    uploads = {u.key: u for u in result.uploads}
    assert set(feedback.BEACON_KEYS) <= set(uploads)
    assert not set(feedback.BEACON_KEYS) & set(plan.scan_site(site, config, "internal"))  # help center only
    # A remote copy with other headers is uploaded again for its headers.
    remote = {k: plan.RemoteObject(k, f.size, f'"{f.md5}"', f.sha256,
                                   "public, max-age=3600" if k in feedback.BEACON_KEYS else f.cache_control,
                                   f.content_type) for k, f in local.items()}
    again = plan.plan_sync(local, remote, config, datetime(2026, 12, 2, tzinfo=UTC))
    assert {(u.key, u.reason) for u in again.uploads} == {(k, "headers") for k in feedback.BEACON_KEYS}


def test_the_built_help_center_has_the_widget_and_beacons(built_sites: dict[str, Path]) -> None:
    public = built_sites["public"]
    for key in feedback.BEACON_KEYS:
        assert (public / key).read_bytes() == feedback.BEACON_GIF
    html = (public / "students" / "buy-a-pass" / "index.html").read_text(encoding="utf-8")
    assert 'class="md-feedback busdocs-feedback" name="feedback" hidden' in html
    for reason in feedback.REASONS:
        assert f'data-reason="{reason}"' in html
    assert "googletagmanager" not in html and "gtag" not in html
    internal = (built_sites["internal"] / "students" / "buy-a-pass" / "index.html").read_text(encoding="utf-8")
    assert "busdocs-feedback" not in internal and "data-beacons" not in internal
    assert not (built_sites["internal"] / feedback.FEEDBACK_KEY).exists()


# --- in the browser -----------------------------------------------------------------------------

def _beacons(requests: list[str], base: str) -> list[str]:
    return [u for u in requests if u.endswith(".gif") or ".gif?" in u]


def _is_site_file(site: Path, base: str, url: str) -> bool:
    """A plain fetch of a file the built site holds: no data leaves in it."""
    if not url.startswith(base):
        return False
    path = urlparse(url).path.lstrip("/")
    target = site / path
    return target.is_file() or (target / "index.html").is_file()


@pytest.mark.browser
def test_no_and_a_reason_send_one_same_origin_beacon(built_sites: dict[str, Path], chromium, serve_site) -> None:
    from playwright.sync_api import expect

    from busdocs.bench import searcheval

    blocked: list[str] = []
    base = serve_site(built_sites["public"])
    with _page(searcheval._guarded_page(chromium, base, blocked, viewport={"width": 1280, "height": 800})) as page:
        in_flight = Requests(page)
        page.goto(base + "students/buy-a-pass/", wait_until="load")
        settle(page, in_flight)  # Material's own fetches and the favicon may come after load
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        form = page.locator("form.busdocs-feedback")
        form.scroll_into_view_if_needed()
        no = form.get_by_role("button", name="No, this page could be better")
        no.focus()
        page.keyboard.press("Enter")                               # keyboard, as a screen-reader user would
        reason = form.get_by_role("button", name=feedback.REASONS["missing"])
        assert reason.evaluate("el => el === document.activeElement"), "focus did not move to the reasons"
        with page.expect_request(lambda r: "/feedback.gif" in r.url, timeout=BEACON_MS):
            page.keyboard.press("Enter")
        expect(form.locator(".busdocs-feedback__thanks")).to_be_visible()
        page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide'))")  # leaving sends no more
        page.wait_for_timeout(QUIET_MS)
    assert not blocked, blocked
    # Material may still be fetching its own files (search worker, sitemaps) on a loaded machine; those
    # are static files of the site.  What the widget sends is the beacon, once, and nothing else.
    beacons = _beacons(requests, base)
    assert len(beacons) == 1, requests
    others = [u for u in requests if u not in beacons]
    assert all(_is_site_file(built_sites["public"], base, u) for u in others), others
    url = urlparse(beacons[0])
    assert f"{url.scheme}://{url.netloc}/" == base and url.path == "/feedback.gif", requests
    assert parse_qs(url.query, keep_blank_values=True) == {"p": ["/students/buy-a-pass/"], "v": ["0"],
                                                           "r": ["missing"]}


@pytest.mark.browser
def test_a_search_without_results_sends_one_miss_without_the_email(built_sites: dict[str, Path], chromium,
                                                                   serve_site) -> None:
    from busdocs.bench import searcheval

    blocked: list[str] = []
    base = serve_site(built_sites["public"])
    with _page(searcheval._guarded_page(chromium, base, blocked, viewport={"width": 1280, "height": 800})) as page:
        _page_clock(page)
        page.goto(base, wait_until="load")
        box = searcheval._open_search(page)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url) if ".gif" in r.url else None)
        with page.expect_request(lambda r: "/search-miss.gif" in r.url, timeout=BEACON_MS):
            assert searcheval.search(page, box, "qwxzv jdoe@qwxzv.zz") == []
            page.clock.run_for(MISS_DEBOUNCE_MS)                   # the 1.5 s debounce, at once
        page.keyboard.press("Escape")                              # closing the search sends nothing more
        page.wait_for_timeout(QUIET_MS)
    assert not blocked, blocked
    assert len(requests) == 1, requests
    url = urlparse(requests[0])
    assert url.path == "/search-miss.gif" and parse_qs(url.query) == {"q": ["qwxzv"]}, requests


def test_the_privacy_page_states_the_log_bucket_retention() -> None:
    from cfnlint.decode import decode

    template, _ = decode(str(ROOT / "infra" / "hosting.yaml"))
    rules = template["Resources"]["LogBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    days = next(r["ExpirationInDays"] for r in rules if r["Status"] == "Enabled" and "ExpirationInDays" in r)
    page = (ROOT / "guides" / "students" / "privacy.md").read_text(encoding="utf-8")
    section = page.split("## This help center")[1].split("\n## ")[0]
    assert f"deleted automatically after **{days} days**" in section
    for recorded in ("feedback", "Searches that find nothing", "e-mail addresses", "no cookies", "identifies you"):
        assert recorded in section


def test_concatenated_gzip_members_are_all_read() -> None:
    one = gzip.compress((HEADER + line("/feedback.gif", "p=/faq/&v=1&r=")).encode())
    two = gzip.compress((HEADER + line("/feedback.gif", "p=/faq/&v=0&r=unclear")).encode())
    read = feedback.read_logs([("both.gz", one + two)])
    assert read.feedback == [("/faq/", "1", ""), ("/faq/", "0", "unclear")] and not read.truncated_files


@pytest.mark.browser
def test_results_left_unopened_send_a_miss_and_an_opened_result_sends_none(built_sites: dict[str, Path], chromium,
                                                                           serve_site) -> None:
    from busdocs.bench import searcheval

    blocked: list[str] = []
    base = serve_site(built_sites["public"])
    with _page(searcheval._guarded_page(chromium, base, blocked, viewport={"width": 1280, "height": 800})) as page:
        _page_clock(page)
        page.goto(base, wait_until="load")                         # only .gif requests are recorded
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url) if ".gif" in r.url else None)
        box = searcheval._open_search(page)
        assert searcheval.search(page, box, "refund")              # results, none opened
        page.clock.run_for(MISS_DEBOUNCE_MS + 500)                 # longer than the 1.5 s debounce of a miss
        page.wait_for_timeout(QUIET_MS)                            # (what the timers sent reaches the test)
        assert requests == [], requests                           # nothing while the reader looks at them
        with page.expect_request(lambda r: "/search-miss.gif" in r.url, timeout=BEACON_MS):
            page.keyboard.press("Escape")
        assert [urlparse(u).path + "?" + urlparse(u).query for u in requests] == ["/search-miss.gif?q=refund"]
        box = searcheval._open_search(page)
        assert searcheval.search(page, box, "receipt")
        result = page.locator(".md-search-result__link").first
        target = urlparse(urljoin(page.url, result.get_attribute("href"))).path
        result.click()                                             # opened: not a failed search
        page.wait_for_url(lambda url: urlparse(url).path == target)
        page.wait_for_load_state("load")
        page.wait_for_timeout(QUIET_MS)                            # the search closed, the page left: nothing sent
    assert not blocked, blocked
    assert len(requests) == 1, requests
