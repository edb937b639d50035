"""Site search (issue 20): visitors' words in, the right page in the top three.

Unit tests for the index-time keywords, weights, the evaluation file and the CLI; browser tests
that type into the shipped search box of both built sites (Debian's chromium): the evaluation's
figures must not fall, word forms, typos, exact alarm names and the "nothing found" panel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from busdocs.bench import searcheval
from busdocs.cli import main
from busdocs.content import search
from busdocs.data.loader import load_data
from busdocs.data.models.search import SearchSettings, SectionBoost, Synonym
from busdocs.errors import ProblemsError

ROOT = Path(__file__).resolve().parent.parent

FLOORS = {"public": {"top1": 0.73, "top3": 0.97}, "internal": {"top1": 0.71, "top3": 0.93}}
"""A little under what the shipped search achieves after the retuning for the pages merged on 2 December
(public 126 queries, top-1 74.6 %, top-3 98.4 %; internal 169 queries, 72.2 % / 94.1 %): the glossary
weighed down like other reference pages, synonyms that had drifted onto the wrong sections fixed
(report, rotation, oncall), and sentences and headings where the right page lacked the visitor's words
(a locked student account, a pass shown without internet, the contact page's phone numbers, the status
page update template). After that merge and before the retuning: 69.8 % / 93.7 % and 68.6 % / 89.9 %.
Before that merge: public 73.0 % / 96.0 %, internal 74.6 % / 92.3 % (the 13 last questions were written
before measuring and 12 of them passed). Before: 57.8 % / 85.3 % and 54.5 % / 82.7 % (116 / 156 queries);
before issue 20: 36.2 % / 62.1 % and 30.1 % / 55.1 %. Raise them when search gets better, never lower them
to let a change pass. The goal of issue 20 is top-1 ≥ 0.70 and top-3 ≥ 0.90."""

SETTINGS = SearchSettings(
    boosts=[SectionBoost(pages="api/**", boost=0.4, why="reference"),
            SectionBoost(pages="runbooks/alarms/*.md", boost=2, why="alarms")],
    synonyms=[Synonym(words=["helpline", "hotline"], means=["phone"]),
              Synonym(words=["deducted"], means=["charge"], anywhere=True)])


# --- index-time keywords and weights (no MkDocs) ------------------------------------------------

@pytest.mark.parametrize(("title", "text", "expected"), [
    ("Phone numbers", "", "helpline hotline"),                      # a heading that uses the word
    ("Contact", "<p>Call the phone line</p>", ""),                 # title-only synonym, word in the text
    ("Refunds", "<p>You are never <em>charged</em> twice.</p>", "deducted"),  # anywhere, a form of it
    ("Pay", "<p>Pay with JazzCash or KuickPay</p>", "jazzcash kuickpay"),     # camel-case names whole
    ("Nothing", "<p>Plain words only.</p>", ""),
])
def test_keywords_of_a_section(title: str, text: str, expected: str) -> None:
    assert search.keywords(title, text, SETTINGS) == expected


def test_entries_get_keywords_only_when_there_are_some() -> None:
    entries = [{"location": "a/", "title": "Phone", "text": ""}, {"location": "b/", "title": "B", "text": "x"}]
    search.add_keywords(entries, SETTINGS)
    assert entries[0][search.FIELD] == "helpline hotline" and search.FIELD not in entries[1]
    assert search.RELATED_FIELD not in entries[0] and search.RELATED_FIELD not in entries[1]


@pytest.mark.parametrize(("title", "text", "strong", "related"), [
    ("Charged twice", "<p>Refunds.</p>", "deducted", ""),                  # the heading uses it: weighs as keywords
    ("Refunds", "<p>You are never <em>charged</em> twice.</p>", "", "deducted"),  # only the text: weighs as text
    ("Pay", "<p>charged with JazzCash</p>", "jazzcash", "deducted"),
])
def test_words_for_a_heading_weigh_more_than_words_for_the_text(title: str, text: str, strong: str,
                                                                 related: str) -> None:
    assert search.keyword_fields(title, text, SETTINGS) == (strong, related)
    entry = {"location": "a/", "title": title, "text": text}
    search.add_keywords([entry], SETTINGS)
    assert entry.get(search.FIELD, "") == strong and entry.get(search.RELATED_FIELD, "") == related


def test_the_sites_index_both_fields_with_the_measured_weights(built_sites: dict[str, Path]) -> None:
    for site in ("public", "internal"):
        index = json.loads((built_sites[site] / "search" / "search_index.json").read_text(encoding="utf-8"))
        fields = {name: spec["boost"] for name, spec in index["config"]["fields"].items()}
        assert fields["title"] > fields[search.FIELD] > fields[search.RELATED_FIELD] == fields["text"], fields
        assert fields["tags"] < 1000, fields   # Material's 1e6 put any runbook sharing a word with a question first
        assert index["config"]["pipeline"] == [], index["config"]   # stop words typed reach the keywords
        assert any(search.RELATED_FIELD in doc for doc in index["docs"]) and any(search.FIELD in doc
                                                                                 for doc in index["docs"])


@pytest.mark.parametrize(("src_uri", "meta", "expected"), [
    ("api/passes.md", {}, {"search": {"boost": 0.4}}),
    ("runbooks/alarms/disk.md", {}, {"search": {"boost": 2}}),
    ("students/buy-a-pass.md", {}, {}),
    ("api/passes.md", {"search": {"boost": 3}}, {"search": {"boost": 3}}),   # the page's own front matter wins
    ("api/passes.md", {"search": {"exclude": True}}, {"search": {"exclude": True, "boost": 0.4}}),
])
def test_section_boosts_set_front_matter_search_boost(src_uri: str, meta: dict, expected: dict) -> None:
    search.apply_boost(meta, src_uri, SETTINGS)
    assert meta == expected


def test_every_synonym_target_of_the_project_occurs_in_the_site() -> None:
    data = load_data(ROOT)
    assert data.search.synonyms, "data/search.yml lists no synonyms"
    assert search.synonym_problems(ROOT, data.search) == []


def test_a_synonym_target_the_site_never_uses_fails_the_check(project: Path, capsys) -> None:
    path = project / "data" / "search.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("means: [bounces, bounce]", "means: [bouncez]"),
                    encoding="utf-8")
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"data/search\.yml:\d+: synonyms\[\d+\]\.means\[0\]: 'bouncez' occurs in no page", err), err


# --- the evaluation file and the command ---------------------------------------------------------

def test_the_evaluation_has_at_least_120_questions_from_every_kind_of_reader() -> None:
    cases = searcheval.load_cases(ROOT / searcheval.CASES)
    assert len(cases) >= 120
    assert {c.who for c in cases} >= {"student", "driver", "admin", "developer", "on-call"}
    queries = {c.query for c in cases}
    assert {"pass purchase failed", "money cut from account", "create a route", "helpline", "bouncing emails",
            "undo a migration"} <= queries


@pytest.mark.parametrize(("text", "message"), [
    ("cases: []\n", "cases: expected a non-empty list of cases"),
    ("cases:\n  - {q: refund}\n", "cases[0].expect: expected a list of site paths"),
    ("cases:\n  - {q: refund, expect: [faq]}\n", "cases[0].expect: expected a list of site paths"),
    ("cases:\n  - {q: refund, expect: [faq/], site: ops}\n", "cases[0].site: 'ops' is not one of"),
    ("cases:\n  - {q: a, expect: [faq/]}\n  - {q: A, expect: [faq/]}\n", "cases[1].q: 'A' is already case 0"),
    ("cases: [\n", "e.yml"),
])
def test_a_broken_evaluation_is_a_clear_message_and_exit_1(tmp_path: Path, capsys, text: str, message: str) -> None:
    cases = tmp_path / "e.yml"
    cases.write_text(text, encoding="utf-8")
    site = tmp_path / "site"
    (site / "search").mkdir(parents=True)
    (site / "search" / "search_index.json").write_text("{}", encoding="utf-8")
    assert main(["search-eval", "--cases", str(cases), "--site-dir", str(site)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err


def test_an_expected_page_the_site_lacks_is_named(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "index.html").write_text("", encoding="utf-8")
    cases = [searcheval.Case("refund", ("faq/", "students/refunds/"), line=3)]
    problems = searcheval.missing_pages(cases, tmp_path, "public")
    assert [str(p) for p in problems] == [
        "tests/search_eval.yml:3: expect: 'refund': the public site has no page 'students/refunds/'"]


def test_rank_counts_pages_in_the_order_shown() -> None:
    assert searcheval.rank_of(["api/passes/", "students/buy-a-pass/"], ("students/buy-a-pass/",)) == 2
    assert searcheval.rank_of(["api/"], ("faq/",)) is None
    assert searcheval.page_of("http://127.0.0.1:1/students/x/#refunds", "http://127.0.0.1:1/") == "students/x/"


# --- in the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def search_page(chromium: object, built_sites: dict[str, Path], serve_site) -> Iterator[object]:
    """`search_page(site)` → `(page, box, base, blocked)`: the site's home, loaded once in a guarded
    desktop context with the search open, for tests that only type queries into it (each query
    replaces the last one in the box, as a visitor's retyping does); `blocked` lists what tried to
    leave the site."""
    opened: dict[str, tuple[object, object, str, list[str]]] = {}

    def open_site(site: str) -> tuple[object, object, str, list[str]]:
        if site not in opened:
            base = serve_site(built_sites[site])
            blocked: list[str] = []
            page = searcheval._guarded_page(chromium, base, blocked, viewport={"width": 1280, "height": 800})
            page.goto(base, wait_until="load")
            opened[site] = (page, searcheval._open_search(page), base, blocked)
        return opened[site]

    yield open_site
    for page, *_ in opened.values():
        page.context.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("site", ["public", "internal"])
def test_search_figures_do_not_fall(search_page, built_sites: dict[str, Path], site: str) -> None:
    # In the module's page of the site (`search_page`): the word-form tests below type into the same
    # box, and the site's search worker builds its index once for both (the ops site's is 1.1 MB).
    # `busdocs search-eval` runs the same questions in a page of its own (`run_eval`).
    cases = searcheval.load_cases(ROOT / searcheval.CASES)
    page, _, base, blocked = search_page(site)
    report = searcheval.run_eval_in(page, base, built_sites[site], site, cases)
    assert not blocked, f"the {site} site tried to fetch from outside itself: {blocked}"
    out = ROOT / "test-artifacts" / f"search-eval-{site}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report.as_json(), indent=2), encoding="utf-8")
    floor = FLOORS[site]
    summary = searcheval.format_report(report)
    assert report.rate(3) >= floor["top3"], summary
    assert report.rate(1) >= floor["top1"], summary


@pytest.mark.browser
@pytest.mark.parametrize(("site", "query", "first"), [
    ("internal", "bouncing emails", "runbooks/alarms/sendgrid-bounces/"),      # bouncing → bounces
    ("internal", "rds-high-connections", "runbooks/alarms/rds-high-connections/"),  # an exact alarm name
    ("internal", "kuickpay-webhook-failures", "runbooks/alarms/kuickpay-webhook-failures/"),
    ("public", "jazzcash", None),                                              # camel case, as one word
    ("public", "recipt", None),                                                # one typo
    ("public", "where is my bus", "students/live-tracking/"),                  # a stop word data/search.yml made a visitor's word
    ("internal", "how to write a runbook", "runbooks/authoring/loop/"),        # write → writing (the "Writing pages" loop)
])
def test_word_forms_typos_and_alarm_names(search_page, site: str, query: str, first: str | None) -> None:
    page, box, base, blocked = search_page(site)
    config = json.loads(page.locator("#__config").text_content())
    assert "busdocs-search.js?worker=workers/search." in config["search"], config["search"]
    # The whole query at once, announced with a keyup, as the evaluation puts its questions: typed key
    # by key, the worker first searches every prefix of it (seconds for a long alarm name on a busy
    # machine) and the answer for the whole query is the same. Typing key by key is the browser tests'
    # (tests/test_browser.py: a guide page, an alarm name, the offline bundle) and the phone's below.
    (hrefs,) = page.evaluate(searcheval._SEARCH_MANY, [[query], 15_000])
    pages = [searcheval.page_of(h, base) for h in hrefs]
    assert not blocked, blocked
    assert pages, f"{query!r} found nothing on the {site} site"
    if first is not None:
        assert pages[0] == first, pages[:5]


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [{"viewport": {"width": 1280, "height": 800}},
                                      {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}],
                         ids=["desktop", "phone"])
def test_a_search_that_finds_nothing_offers_sections_tasks_and_contacts(chromium: object, built_sites: dict[str, Path],
                                                                        serve_site, viewport: dict) -> None:
    from playwright.sync_api import expect

    blocked: list[str] = []
    base = serve_site(built_sites["public"])
    page = searcheval._guarded_page(chromium, base, blocked, **viewport)
    try:
        page.goto(base + "students/buy-a-pass/", wait_until="load")
        box = searcheval._open_search(page)
        assert searcheval.search(page, box, "qwxzv") == []
        panel = page.locator(".md-search-result .busdocs-no-results")
        expect(panel).to_be_visible()
        links = panel.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert "../../faq/" in links and "../../contact/" in links and "../../drivers/" in links, links
        assert any(h.startswith("mailto:") for h in links) and any(h.startswith("tel:") for h in links), links
        # No sideways scrolling once the panel is laid out (a loaded machine may take a moment).
        width = viewport["viewport"]["width"]
        try:
            page.wait_for_function(f"document.documentElement.scrollWidth <= {width}", timeout=10_000)
        except Exception:  # noqa: BLE001 - report the width it stayed at
            pytest.fail(f"the page scrolls sideways: {page.evaluate('document.documentElement.scrollWidth')} > {width}")
        assert searcheval.search(page, box, "refund") != []  # results again: the panel goes away
        expect(panel).to_be_hidden()
    finally:
        page.context.close()
    assert not blocked, blocked


def test_settings_problems_have_lines(project: Path) -> None:
    path = project / "data" / "search.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("boost: 0.4", "boost: -1", 1), encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        load_data(project)
    assert re.search(r"data/search\.yml:\d+: boosts\[0\]\.boost: ", str(caught.value)), str(caught.value)
