"""Search evaluation: users' questions through the shipped search, in chromium.

Each case of `tests/search_eval.yml` is put into Material's search box of a built site served on
127.0.0.1 (a free port) and announced with a keyup, the event Material's search listens to; the
pages of the results, in the order the box shows them, are compared with the case's acceptable
pages. Nothing else answers: the site's own search worker,
its own index, the browser's own event handling. Requests that would leave the site are aborted.

    busdocs search-eval --site public              # builds into a temporary folder first
    busdocs search-eval --site internal --site-dir site/internal --format json

`first_search` measures what a visitor on a slow phone network waits for: from the load event of
the home page to the first results of a query typed at once (index download and worker start-up
included), over the browser benchmark's emulated network (`busdocs.bench.browser`).
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from busdocs.data.yamlio import format_path, load_yaml
from busdocs.errors import BusdocsError, Problem, ProblemsError

CASES = Path("tests") / "search_eval.yml"
"""The evaluation, relative to the project root."""
SITES = ("public", "internal", "ur")
TOP = 3

# Counts the query and result messages between the page and Material's search worker, so the
# evaluation reads the result list only once the worker has answered the last query typed. The
# worker answers every query, in order, so once it has answered as many as were sent the last
# answer is in. (The counts are never reset: a reset while an answer to an earlier prefix was still
# on its way let that late answer count for the last query, and the list of a prefix was read.)
# (Instrumentation of the test browser only: the site's scripts are not changed.)
_WATCH_WORKER = """(() => {
  const Native = window.Worker;
  if (!Native) return;
  const seen = window.__busdocsSearch = {sent: 0, received: 0, last: null};
  window.Worker = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", event => {
        if (event.data && event.data.type === 3) seen.received++;
      });
    }
    postMessage(message, ...rest) {
      if (message && message.type === 2) { seen.sent++; seen.last = message.data; }
      return super.postMessage(message, ...rest);
    }
  };
})()"""

# The evaluation's queries, many per call: each is put in the search box and announced with a
# keyup, which is what Material's search listens to (it reads the box's value on keyup), so its own
# handler sends it to its own worker and renders the answer; the result list is read once the worker
# has answered that query. Material renders the first ten results in the worker's message event
# itself (no scheduler between the message and the list), and the count is checked in a later task,
# so the list read is that answer's: waiting two animation frames more per query changed no result of
# any site's evaluation (both sites and the Urdu edition, twice each) and cost a quarter of its time.
# Only the final text of each query is searched: typing key by key searches every prefix too, which
# changes nothing in the end result and took nearly all the time (both sites, on a shared and loaded
# 2-core machine: 587 s typed key by key, 36 s this way, the same outcomes). `search` below still
# types key by key for the browser tests.
_SEARCH_MANY = """async ([queries, timeoutMs]) => {
  const box = document.querySelector("input.md-search__input");
  const seen = window.__busdocsSearch;
  const out = [];
  for (const query of queries) {
    if (query !== box.value) {  /* (Material sends a query only when the text changed) */
      box.value = query;
      box.dispatchEvent(new KeyboardEvent("keyup", {key: "End", bubbles: true}));
    }
    const started = performance.now();
    while (!(seen.last === query && seen.received >= seen.sent)) {
      if (performance.now() - started > timeoutMs) throw new Error("no answer from the search worker for " + query);
      await new Promise(r => setTimeout(r, 5));
    }
    out.push(Array.from(
      document.querySelectorAll(".md-search-result__list > li.md-search-result__item"),
      li => { const a = li.querySelector("a.md-search-result__link"); return a ? a.href : null; }).filter(Boolean));
  }
  return out;
}"""
_BATCH = 20
"""Queries per call into the page (progress is reported after each call)."""

_RESULT_PAGES = """() => Array.from(
  document.querySelectorAll(".md-search-result__list > li.md-search-result__item"),
  li => { const a = li.querySelector("a.md-search-result__link"); return a ? a.href : null; })"""


@dataclass(frozen=True, slots=True)
class Case:
    """One question and the pages that answer it."""

    query: str
    expect: tuple[str, ...]
    """Acceptable pages, as site paths ending in `/` (`students/buy-a-pass/`, `""` is the home)."""
    who: str = ""
    site: str = "public"
    """`public`: runs on both sites (the ops site carries the help center); `internal`: ops only."""
    line: int | None = None

    def runs_on(self, site: str) -> bool:
        """Public cases run on the help center and the ops site (which carries it); `ur` cases on
        the Urdu edition only, `internal` ones on the ops site only."""
        return self.site == site or (self.site == "public" and site == "internal")


@dataclass(slots=True)
class Outcome:
    query: str
    who: str
    expect: list[str]
    results: list[str]
    """The result pages, best first (the first ten the box shows)."""
    rank: int | None
    """1-based position of the first acceptable page, None when it is not among the results."""


@dataclass(slots=True)
class Report:
    site: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.outcomes)

    def rate(self, top: int) -> float:
        hits = sum(1 for o in self.outcomes if o.rank is not None and o.rank <= top)
        return hits / self.total if self.total else 0.0

    def misses(self, top: int = TOP) -> list[Outcome]:
        return [o for o in self.outcomes if o.rank is None or o.rank > top]

    def as_json(self) -> dict[str, object]:
        return {"site": self.site, "queries": self.total, "top1": round(self.rate(1), 4),
                "top3": round(self.rate(TOP), 4), "seconds": round(self.seconds, 1),
                "misses": [asdict(o) for o in self.misses()],
                "outcomes": [asdict(o) for o in self.outcomes]}


# ---------------------------------------------------------------------- cases


def load_cases(path: Path, display: Path | None = None) -> list[Case]:
    """Read the evaluation; every problem is reported together, with its line."""
    loaded = load_yaml(path, display)
    problems = list(loaded.problems)
    shown = loaded.path
    if problems:
        raise ProblemsError(problems)
    data = loaded.data
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list) or not data["cases"]:
        raise ProblemsError([Problem(shown, 1, "cases", "expected a non-empty list of cases")])
    cases: list[Case] = []
    seen: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(data["cases"]):
        where = ("cases", i)
        line = loaded.lines.line_of(where)

        def bad(sub: str, message: str, _where: tuple = where) -> None:
            key = (*_where, sub) if sub else _where
            problems.append(Problem(shown, loaded.lines.line_of(key), format_path(key), message))

        if not isinstance(raw, dict):
            bad("", "expected a mapping with q and expect")
            continue
        unknown = sorted(set(raw) - {"q", "expect", "who", "site"})
        if unknown:
            bad(unknown[0], "unknown field (known: q, expect, who, site)")
        query, expect, site = raw.get("q"), raw.get("expect"), raw.get("site", "public")
        if not isinstance(query, str) or not query.strip():
            bad("q", "expected the question as text")
            continue
        if (not isinstance(expect, list) or not expect
                or not all(isinstance(p, str) and (p == "" or p.endswith("/")) and not p.startswith("/")
                           for p in expect)):
            bad("expect", "expected a list of site paths ending in '/', e.g. [students/buy-a-pass/]")
            continue
        if site not in SITES:
            bad("site", f"{site!r} is not one of {', '.join(SITES)}")
            continue
        key = (query.strip().lower(), site)
        if key in seen:
            bad("q", f"{query!r} is already case {seen[key]}")
        seen[key] = i
        cases.append(Case(query.strip(), tuple(expect), str(raw.get("who", "")), site, line))
    if problems:
        raise ProblemsError(problems)
    return cases


def missing_pages(cases: list[Case], site_dir: Path, site: str) -> list[Problem]:
    """Acceptable pages that the built site does not have (a typo in the evaluation)."""
    problems = []
    for case in cases:
        if not case.runs_on(site):
            continue
        for page in case.expect:
            if not (site_dir / page / "index.html").is_file():
                problems.append(Problem(CASES, case.line, "expect", f"{case.query!r}: the {site} site has no "
                                        f"page {page!r}"))
    return problems


# ---------------------------------------------------------------------- running


def rank_of(results: list[str], expect: tuple[str, ...]) -> int | None:
    for position, page in enumerate(results, 1):
        if page in expect:
            return position
    return None


def page_of(href: str, base: str) -> str:
    """`http://127.0.0.1:8000/students/x/#a` → `students/x/`."""
    path = urlparse(href).path
    prefix = urlparse(base).path
    return path[len(prefix):] if path.startswith(prefix) else path.lstrip("/")


@contextmanager
def _browser(running: object | None = None) -> Iterator[object]:
    """Chromium, launched here and closed after, or `running` (a browser someone else closes)."""
    if running is not None:
        yield running
        return
    try:
        import playwright.sync_api  # noqa: F401 - only to say what is missing
    except ImportError:
        raise BusdocsError("playwright is not installed: run scripts/bootstrap --test") from None
    from busdocs.bench.browser import CHROMIUM, launch

    if not Path(CHROMIUM).exists():
        raise BusdocsError(f"{CHROMIUM} is not installed: run scripts/bootstrap --test")
    with launch() as browser:
        yield browser


def _guarded_page(browser: object, base: str, blocked: list[str], **options: object) -> object:
    context = browser.new_context(service_workers="block", **options)  # type: ignore[attr-defined]

    def guard(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith((base, "data:", "blob:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            blocked.append(url)
            route.abort("blockedbyclient")  # type: ignore[attr-defined]

    context.route("**/*", guard)
    context.add_init_script(_WATCH_WORKER)
    return context.new_page()


def _open_search(page: object) -> object:
    box = page.locator("input.md-search__input")  # type: ignore[attr-defined]
    button = page.locator('label.md-header__button[for="__search"]')  # type: ignore[attr-defined]
    if button.is_visible():
        button.click()
    else:
        box.click()
    return box


def search(page: object, box: object, query: str, timeout_ms: int = 15_000) -> list[str]:
    """Type `query` into the (open) search box and return the hrefs of the result pages, best first."""
    box.press("Control+a")  # type: ignore[attr-defined]
    box.press("Backspace")  # type: ignore[attr-defined]
    box.press_sequentially(query)  # type: ignore[attr-defined]  # key events, as a visitor types
    # Letters no US key makes (Urdu) arrive as text input without key events; a phone's keyboard
    # sends a keyup after each one, and Material reads the box on keyup.
    if not query.isascii():
        box.dispatch_event("keyup")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "q => { const s = window.__busdocsSearch; return s.last === q && s.received >= s.sent; }",
        arg=query, timeout=timeout_ms)
    # Material renders the results on the next animation frames.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # type: ignore[attr-defined]
    return [h for h in page.evaluate(_RESULT_PAGES) if h]  # type: ignore[attr-defined]


def run_eval(site_dir: Path, site: str, cases: list[Case],
             progress: Callable[[int, int], None] | None = None, browser: object | None = None) -> Report:
    """Run every case of `site` through the search box of the built site at `site_dir` (in `browser`,
    a Playwright browser, when given: the tests run both sites in one)."""
    from busdocs.bench.browser import serve

    site_dir = Path(site_dir)
    if not (site_dir / "search" / "search_index.json").is_file():
        raise BusdocsError(f"{site_dir}: no search/search_index.json; build the {site} site first")
    problems = missing_pages(cases, site_dir, site)  # before Chromium starts (run_eval_in checks again)
    if problems:
        raise ProblemsError(problems)
    started = time.perf_counter()
    blocked: list[str] = []
    with serve(site_dir) as base, _browser(browser) as browser:
        page = _guarded_page(browser, base, blocked, viewport={"width": 1280, "height": 800})
        page.set_default_timeout(15_000)  # type: ignore[attr-defined]
        page.goto(base, wait_until="load")  # type: ignore[attr-defined]
        _open_search(page)
        report = run_eval_in(page, base, site_dir, site, cases, progress)
        page.context.close()  # type: ignore[attr-defined]
    if blocked:
        raise BusdocsError(f"the {site} site tried to fetch from outside itself: {sorted(set(blocked))[:5]}")
    report.seconds = time.perf_counter() - started
    return report


def run_eval_in(page: object, base: str, site_dir: Path, site: str, cases: list[Case],
                progress: Callable[[int, int], None] | None = None) -> Report:
    """`run_eval`'s questions in `page`, a guarded desktop page (`_guarded_page`) of the built site at
    `site_dir`, served at `base`, with the search open (`_open_search`): the tests' page, loaded once
    for the evaluation and the tests that type their own queries into the same box. The caller checks
    what its guard blocked."""
    problems = missing_pages(cases, Path(site_dir), site)
    if problems:
        raise ProblemsError(problems)
    chosen = [c for c in cases if c.runs_on(site)]
    report = Report(site)
    started = time.perf_counter()
    for start in range(0, len(chosen), _BATCH):
        batch = chosen[start:start + _BATCH]
        answers = page.evaluate(_SEARCH_MANY, [[c.query for c in batch], 15_000])  # type: ignore[attr-defined]
        for case, hrefs in zip(batch, answers, strict=True):
            pages = list(dict.fromkeys(page_of(h, base) for h in hrefs))
            report.outcomes.append(Outcome(case.query, case.who, list(case.expect), pages[:10],
                                           rank_of(pages, case.expect)))
        if progress:
            progress(start + len(batch), len(chosen))
    report.seconds = time.perf_counter() - started
    return report


# ---------------------------------------------------------------------- weight and latency


def index_size(site_dir: Path) -> dict[str, int]:
    """Bytes of `search/search_index.json`, as stored and gzip-compressed (as CloudFront sends it)."""
    raw = (Path(site_dir) / "search" / "search_index.json").read_bytes()
    return {"bytes": len(raw), "gzip_bytes": len(gzip.compress(raw, compresslevel=6))}


def first_search(site_dir: Path, query: str, *, gzip_text: bool = True) -> dict[str, float]:
    """Milliseconds from the home page's load event to the first results of `query`, typed at once,
    over the emulated slow network of `busdocs.bench.browser` (cache empty, CPU not throttled)."""
    from busdocs.bench.browser import KBPS, RTT_MS, serve

    blocked: list[str] = []
    with serve(Path(site_dir), gzip_text=gzip_text) as base, _browser() as browser:
        page = _guarded_page(browser, base, blocked, viewport={"width": 390, "height": 844}, is_mobile=True,
                             has_touch=True)
        cdp = page.context.new_cdp_session(page)  # type: ignore[attr-defined]
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": RTT_MS,
                                                      "downloadThroughput": KBPS * 1024 / 8,
                                                      "uploadThroughput": KBPS * 1024 / 8})
        page.goto(base, wait_until="load", timeout=120_000)  # type: ignore[attr-defined]
        loaded = time.perf_counter()
        box = _open_search(page)
        hrefs = search(page, box, query, timeout_ms=120_000)
        done = time.perf_counter()
    if blocked:
        raise BusdocsError(f"the site tried to fetch from outside itself: {sorted(set(blocked))[:5]}")
    return {"first_search_ms": round((done - loaded) * 1000), "results": len(hrefs), "kbps": KBPS,
            "rtt_ms": RTT_MS}


# ---------------------------------------------------------------------- text


def format_report(report: Report, top: int = TOP) -> str:
    lines = [f"{report.site}: {report.total} queries in {report.seconds:.0f} s — "
             f"top-1 {report.rate(1):.1%}, top-{top} {report.rate(top):.1%}"]
    misses = report.misses(top)
    if misses:
        lines.append(f"misses (not in the top {top}):")
        for o in misses:
            got = ", ".join(r or "(home)" for r in o.results[:3]) or "nothing"
            where = f"#{o.rank}" if o.rank else "—"
            lines.append(f"  {o.query!r} [{o.who}] {where}: want {' | '.join(o.expect)}; got {got}")
    return "\n".join(lines)
