"""PDF handbooks (busdocs.pdf.renderer): every real handbook rendered once per module from the real sites,
then read back with pypdf. Unit tests of the page patterns, the HTML transformation and the URL
fetcher need no rendering.

Each handbook prints a few of its chapters here (`HANDBOOK_PAGES`), chosen by the same kinds of
pattern as `data/handbooks.yml` and so that each test still meets what it checks: chapters that
link to each other and to pages left out, content tabs, a chapter that runs over several pages
(running heads), the Urdu edition's thousands of words. What the tests prove of a handbook
(contents, outline, links, running heads, metadata, cache) does not grow with its length; the
whole handbooks are rendered, and their public ones read back by the leak guard, by `make site`,
and every page's links are checked on the sites by tests/test_links.py. (The whole handbooks cost
about three times the rendering and reading back: 15 s against 5 s a run, measured 2026-12.)"""

from __future__ import annotations

import bisect
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup
from pypdf import PdfReader

from busdocs import pdf
from busdocs.pdf import renderer
from busdocs.buildrecord import read_marker, write_marker
from busdocs.data.loader import load_data
from busdocs.errors import BusdocsError
from busdocs.data.models.handbooks import Handbook

pytestmark = pytest.mark.slow

# ---------------------------------------------------------------- fixtures


@dataclass
class Rendered:
    site_root: Path
    cache: Path
    results: dict[str, pdf.HandbookResult]
    calls: list[tuple[str, int, int, str]]


DRIVER_PAGES = ["drivers/index.md", "drivers/sign-in.md", "drivers/location-and-battery.md", "contact.md"]
"""The driver handbook's chapters here, the same in English and Urdu: the guide's first page (the
Urdu outline starts with its title), sign-in (its Urdu title is looked for), a chapter with content
tabs that sign-in links to, and the contact page, outside the folder (the Urdu word for contact)."""

HANDBOOK_PAGES: dict[str, list[str]] = {
    # the first page, one with content tabs that links to the next one (and to pages left out)
    "student-guide": ["students/index.md", "students/get-the-app.md", "students/sign-up.md", "contact.md"],
    "driver-handbook": DRIVER_PAGES,
    "driver-handbook-ur": DRIVER_PAGES,
    # two pages of the manual that link to each other, by a glob
    "admin-manual": ["admins/index.md", "admins/users-and-roles.md", "admins/audit-*.md", "contact.md"],
    # its first two pages, the alarm runbooks a glob picks, one procedure (a chapter that runs over
    # several pages, for the running heads)
    "oncall-handbook": ["runbooks/incident-response.md", "runbooks/oncall.md", "runbooks/alarms/rds-*.md",
                        "runbooks/procedures/scaling.md"],
}
"""The chapters each handbook prints here (the help desk playbook has one page: all of it)."""


@pytest.fixture(scope="module")
def pdf_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's data with the handbooks cut to `HANDBOOK_PAGES` (the handbooks are rendered
    from it: it is where `render_handbooks` reads `data/handbooks.yml`)."""
    from tests.conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("pdf-project") / "project")
    path = project / "data" / "handbooks.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for handbook in data["handbooks"]:
        handbook["pages"] = HANDBOOK_PAGES.get(handbook["id"], handbook["pages"])
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def handbooks(pdf_root: Path) -> dict[str, Handbook]:
    return {h.id: h for h in load_data(pdf_root).handbooks.handbooks}


@pytest.fixture(scope="module")
def rendered(pdf_root: Path, built_sites: dict[str, Path],
             tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Every handbook rendered once, with a fresh cache, into a copy of the session's built sites
    (hard links: busdocs replaces files, never writes into them; the shared build stays as built)."""
    site_root = tmp_path_factory.mktemp("pdf-site")
    for site in ("public", "internal"):
        shutil.copytree(built_sites[site], site_root / site, copy_function=link_or_copy)
    cache = tmp_path_factory.mktemp("pdf-cache")
    calls: list[tuple[str, int, int, str]] = []
    results = pdf.render_handbooks(pdf_root, site_root, progress=lambda *args: calls.append(args),
                                   cache_dir=cache)
    return Rendered(site_root, cache, {r.id: r for r in results}, calls)


@pytest.fixture(scope="module")
def readers(rendered: Rendered, handbooks: dict[str, Handbook]) -> dict[str, PdfReader]:
    """The English handbooks (the Urdu one has tests of its own: Nastaliq text does not come back
    out of a PDF glyph for glyph, so it is read through its outline, fonts and words)."""
    return {hid: PdfReader(result.path) for hid, result in rendered.results.items()
            if handbooks[hid].language == "en"}


@pytest.fixture(scope="module")
def urdu_page_texts(rendered: Rendered) -> list[str]:
    """The text of every page of the Urdu handbook, extracted once for the tests that read it
    (Nastaliq text is the slowest to extract: seconds for the handbook)."""
    return [page.extract_text() for page in PdfReader(rendered.results["driver-handbook-ur"].path).pages]


def chosen_pages(site_dir: Path, handbook: Handbook) -> list[dict[str, Any]]:
    record = read_marker(site_dir)
    assert record is not None
    return pdf.select_pages(handbook.id, handbook.pages, record["pages"])


def built_article(site_dir: Path, url: str) -> BeautifulSoup:
    """The article of a built page, parsed once per module (the tests only read it; a page a test
    changes is written as a new file, which gets a new entry)."""
    path = site_dir / url / "index.html"
    key = (path, path.stat().st_ino, path.stat().st_mtime_ns)
    if key not in _ARTICLES:
        html = path.read_text(encoding="utf-8")
        found = BeautifulSoup(html, "html.parser").select_one("article.md-content__inner")
        assert found is not None, url
        _ARTICLES[key] = found
    return _ARTICLES[key]


_ARTICLES: dict[tuple[Path, int, int], BeautifulSoup] = {}


def clean(text: str) -> str:
    """Text as compared: compatibility forms (ligatures) folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(level, title, 1-based page) of every outline entry, depth first."""
    entries: list[tuple[int, str, int]] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                entries.append((level, clean(item.title), reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return entries


PAGE_FOOTER = re.compile(r"^Page \d+ of \d+$")


def page_lines(reader: PdfReader, index: int) -> list[str]:
    """The text lines of a page, top to bottom, each read left to right (pypdf's layout mode
    does the same but takes seconds a page)."""
    runs: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: Any) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((y, x, text))

    reader.pages[index].extract_text(visitor_text=visit)
    lines: list[list[tuple[float, float, str]]] = []
    for run in sorted(runs, key=lambda r: -r[0]):
        if lines and abs(lines[-1][0][0] - run[0]) < 2:
            lines[-1].append(run)
        else:
            lines.append([run])
    return [clean(" ".join(text for _, _, text in sorted(line, key=lambda r: r[1]))) for line in lines]


def toc_entries(reader: PdfReader, title: str, first_chapter_page: int) -> list[tuple[str, int]]:
    """(title, printed page number) of every entry of the table of contents, read from its pages
    (page 2 up to the first chapter). The number ends the entry's first line; a title that wraps
    continues on the next lines."""
    entries: list[tuple[str, int]] = []
    for index in range(1, first_chapter_page - 1):
        for line in page_lines(reader, index):
            if line in (clean(title), "Contents") or PAGE_FOOTER.match(line):
                continue
            words = line.rsplit(" ", 1)
            if len(words) == 2 and words[1].isdigit():
                entries.append((words[0], int(words[1])))
            else:
                assert entries, f"text before the first entry of the contents: {line!r}"
                entries[-1] = (f"{entries[-1][0]} {line}", entries[-1][1])
    return entries


def squash(text: str) -> str:
    """Text without any white space: runs of differently styled text come apart in extraction."""
    return re.sub(r"\s+", "", text)


def link_annotations(reader: PdfReader) -> list[tuple[int, Any]]:
    """(0-based page, annotation) of every /Link annotation."""
    found = []
    for index, page in enumerate(reader.pages):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") == "/Link":
                found.append((index, annot))
    return found


def internal_destination(annot: Any) -> Any:
    """The destination of an internal link (/Dest, or a GoTo action), or None for other links."""
    if "/Dest" in annot:
        return annot["/Dest"]
    action = annot.get("/A")
    if action is not None and action.get_object().get("/S") == "/GoTo":
        return action.get_object()["/D"]
    return None


# ---------------------------------------------------------------- the rendered handbooks


def test_module_imports_without_weasyprint() -> None:
    code = "import sys, busdocs.pdf; assert 'weasyprint' not in sys.modules and 'bs4' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_chapters_printed_here_are_chapters_of_the_real_handbooks(root: Path, rendered: Rendered,
                                                                     handbooks: dict[str, Handbook]) -> None:
    real = {h.id: h for h in load_data(root).handbooks.handbooks}
    assert list(real) == list(handbooks)
    for hid, handbook in handbooks.items():
        site_dir = rendered.site_root / handbook.site
        if handbook.language != "en":
            site_dir = site_dir / handbook.language
        here = [p["src"] for p in chosen_pages(site_dir, handbook)]
        whole = [p["src"] for p in chosen_pages(site_dir, real[hid])]
        assert here and here == [src for src in whole if src in here], hid  # some of its chapters, in order
        assert (len(here) < len(whole)) == (hid in HANDBOOK_PAGES), hid
        assert handbook.model_dump(exclude={"pages"}) == real[hid].model_dump(exclude={"pages"}), hid


def test_each_handbook_lands_in_the_downloads_of_its_site(rendered: Rendered,
                                                          handbooks: dict[str, Handbook]) -> None:
    assert list(rendered.results) == list(handbooks)
    for hid, handbook in handbooks.items():
        result = rendered.results[hid]
        assert result.path == rendered.site_root / handbook.site / "downloads" / f"{hid}.pdf"
        assert result.path.is_file() and not result.cached and result.pages > 3
    # the on-call handbook is internal: only in the internal site, never in the public one
    assert handbooks["oncall-handbook"].site == "internal"
    assert (rendered.site_root / "internal" / "downloads" / "oncall-handbook.pdf").is_file()
    assert not (rendered.site_root / "public" / "downloads" / "oncall-handbook.pdf").exists()
    public = {f.name for f in (rendered.site_root / "public" / "downloads").glob("*.pdf")}
    assert public == {f"{hid}.pdf" for hid, h in handbooks.items() if h.site == "public"}
    assert not list(rendered.site_root.rglob("*.partial"))


def test_the_urdu_driver_handbook_is_right_to_left_nastaliq_with_contents_and_outline(
        rendered: Rendered, handbooks: dict[str, Handbook], urdu_page_texts: list[str]) -> None:
    handbook = handbooks["driver-handbook-ur"]
    assert handbook.language == "ur" and handbooks["driver-handbook"].pages == handbook.pages
    result = rendered.results["driver-handbook-ur"]
    assert result.path == rendered.site_root / "public" / "downloads" / "driver-handbook-ur.pdf"
    reader = PdfReader(result.path)
    assert reader.trailer["/Root"]["/Lang"] == "ur"
    assert reader.metadata.title == handbook.title
    # The Nastaliq font is embedded (a subset), not just named.
    fonts = {}
    for page in reader.pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object()
            descriptor = (font.get("/DescendantFonts") or [font])[0].get_object().get("/FontDescriptor")
            fonts[str(font["/BaseFont"])] = descriptor is not None and any(
                k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    nastaliq = {name: embedded for name, embedded in fonts.items() if "Noto-Nastaliq-Urdu" in name}
    assert nastaliq and all(nastaliq.values()), fonts
    # The outline: one entry per chapter, the Urdu titles of the Urdu edition's pages, in order,
    # on increasing pages after the contents.
    site_dir = rendered.site_root / "public" / "ur"
    expected = [clean(built_article(site_dir, p["url"]).h1.get_text().replace("¶", ""))
                for p in chosen_pages(site_dir, handbook)]
    chapters = [(title, page) for level, title, page in outline(reader) if level == 1]
    assert [t for t, _ in chapters] == expected
    assert expected[0] == "ڈرائیور گائیڈ" and "سائن اِن" in expected
    assert [p for _, p in chapters] == sorted(p for _, p in chapters) and chapters[0][1] > 2
    # Right-to-left text comes back out as Urdu, in reading order: thousands of words of the
    # Arabic script (about 2,700 from the chapters printed here), and whole words that Nastaliq sets without contextual ligatures (others lose
    # letters in extraction: the glyph-to-text map of a Nastaliq ligature names only some of its
    # letters; a known limit, said in the README). The contents page carries its Urdu title.
    text = " ".join(clean(page) for page in urdu_page_texts)
    assert len(re.findall(r"[\u0600-\u06ff]+", text)) > 2000
    for word in ("ڈرائیور", "ہیلپ ڈیسک", "رابطہ", "ایپ"):
        assert word in text, word
    contents = clean(urdu_page_texts[1])  # its title, فہرست, is one of the ligatures that lose letters
    assert "ڈرائیور" in contents and re.search(r"[\u06f0-\u06f9]", contents)  # chapters with Urdu page numbers


def test_urdu_handbook_text_extraction_keeps_a_measured_share_of_the_words(
        rendered: Rendered, handbooks: dict[str, Handbook], urdu_page_texts: list[str]) -> None:
    """How much Urdu comes back out of the PDF word for word, against the Urdu pages it prints.

    Not exact, and not fixable by a setting: WeasyPrint writes one ToUnicode text per glyph id (the
    text of the glyph's cluster where it first appears), and Noto Nastaliq Urdu draws a letter as a
    contextual base glyph plus separate dot glyphs that other letters share, so a reused glyph reads
    back as the letter it first stood for. Measured 2026-12-02 (WeasyPrint 70, pypdf): 38.4 % of
    the word occurrences, 21.5 % of the distinct words, of the whole handbook; 39.1 % and 24.3 % of
    the 2,490 words of the chapters printed here (`DRIVER_PAGES`). The floor catches it getting worse."""
    from collections import Counter

    word = re.compile(r"[\u0600-\u06ff]+")
    site_dir = rendered.site_root / "public" / "ur"
    expected: Counter[str] = Counter()
    for p in chosen_pages(site_dir, handbooks["driver-handbook-ur"]):
        article = built_article(site_dir, p["url"])
        for english in article.select('[lang="en"], .headerlink'):
            english.decompose()
        expected.update(w.replace("\u200c", "") for w in word.findall(article.get_text(" ")))
    got = {w.replace("\u200c", "") for w in word.findall(" ".join(urdu_page_texts))}
    occurrences = sum(expected.values())
    assert occurrences > 2000
    share = sum(n for w, n in expected.items() if w in got) / occurrences
    assert share >= 0.35, f"{share:.1%} of the Urdu words extract exactly (measured 38.4 %)"


def test_progress_reports_every_step_of_every_handbook(rendered: Rendered) -> None:
    for hid in rendered.results:
        calls = [c for c in rendered.calls if c[0] == hid]
        assert [c[1] for c in calls] == [1, 2, 3, 4]
        assert {c[2] for c in calls} == {len(pdf.STEPS)}
        assert [c[3].split(":")[0] for c in calls] == list(pdf.STEPS)


def test_outline_has_one_top_level_entry_per_chapter_in_order(rendered: Rendered, readers: dict[str, PdfReader],
                                                               handbooks: dict[str, Handbook]) -> None:
    for hid, reader in readers.items():
        site_dir = rendered.site_root / handbooks[hid].site
        expected = [clean(built_article(site_dir, p["url"]).h1.get_text().replace("¶", ""))
                    for p in chosen_pages(site_dir, handbooks[hid])]
        chapters = [title for level, title, _ in outline(reader) if level == 1]
        assert chapters == expected, hid
        assert {level for level, _, _ in outline(reader)} <= {1, 2}, hid  # h3 and below: no bookmarks


def test_toc_page_numbers_are_where_the_headings_land(readers: dict[str, PdfReader],
                                                      handbooks: dict[str, Handbook]) -> None:
    for hid, reader in readers.items():
        entries = outline(reader)
        toc = toc_entries(reader, handbooks[hid].title, first_chapter_page=entries[0][2])
        assert [(squash(t), n) for t, n in toc] == [(squash(title), page) for _, title, page in entries], hid
        # and the links of the contents jump to those pages, in the same order
        toc_pages = range(1, entries[0][2] - 1)
        targets = [reader.get_destination_page_number(reader.named_destinations[str(dest)]) + 1
                   for index, annot in link_annotations(reader)
                   if index in toc_pages and (dest := internal_destination(annot)) is not None]
        assert squeeze(targets) == squeeze([page for _, _, page in entries]), hid


def squeeze(numbers: list[int]) -> list[int]:
    """Runs of one number as one (several headings on a page; a link split over two pages)."""
    return [n for i, n in enumerate(numbers) if i == 0 or numbers[i - 1] != n]


def test_every_link_has_a_target_and_none_is_a_file(readers: dict[str, PdfReader]) -> None:
    for hid, reader in readers.items():
        names = reader.named_destinations
        page_ids = {page.indirect_reference.idnum for page in reader.pages}
        internal = 0
        for _, annot in link_annotations(reader):
            dest = internal_destination(annot)
            if dest is not None:
                internal += 1
                if isinstance(dest, str):
                    assert str(dest) in names, f"{hid}: no destination {dest!r}"
                    assert reader.get_destination_page_number(names[str(dest)]) >= 0
                else:  # an explicit destination: [page /XYZ …]
                    assert dest[0].idnum in page_ids, f"{hid}: {dest!r}"
            else:
                uri = str(annot["/A"].get_object()["/URI"])
                assert not uri.lower().startswith("file:"), f"{hid}: {uri}"
                assert re.match(r"^(https?|mailto|tel):", uri), f"{hid}: relative or odd link {uri!r}"
        assert internal > 0, hid
        # a link from one chapter to another stays inside the PDF (every handbook printed here has one)
        starts = [page for level, _, page in outline(reader) if level == 1]
        between = 0
        for index, annot in link_annotations(reader):
            dest = internal_destination(annot)
            chapter = re.match(r"c(\d+)(-|$)", str(dest)) if isinstance(dest, str) else None
            if chapter and index + 1 >= starts[0]:
                between += int(chapter[1]) != bisect.bisect_right(starts, index + 1)
        assert between > 0 or len(starts) == 1, f"{hid}: no link between chapters"


def uris(reader: PdfReader) -> list[str]:
    return [str(a["/A"].get_object()["/URI"]) for _, a in link_annotations(reader)
            if "/A" in a and a["/A"].get_object().get("/S") == "/URI"]


def test_links_to_the_rest_of_the_site_become_absolute(rendered: Rendered, readers: dict[str, PdfReader],
                                                       handbooks: dict[str, Handbook]) -> None:
    bases = {"public": "https://help.university-bus-tracker.com/",
             "internal": "https://ops.university-bus-tracker.com/"}
    to_site = 0
    for hid, reader in readers.items():
        site = handbooks[hid].site
        inside = {p["url"] for p in chosen_pages(rendered.site_root / site, handbooks[hid])}
        for uri in uris(reader):
            other = bases["internal" if site == "public" else "public"]
            assert not uri.startswith(other), f"{hid}: {uri} is on the other site"
            if uri.startswith(bases[site]):
                to_site += 1
                page = uri[len(bases[site]):].split("#", 1)[0]
                assert page not in inside, f"{hid}: {uri} is a chapter of the handbook, not a web link"
    assert to_site > 0


def test_metadata_language_and_tags(readers: dict[str, PdfReader], handbooks: dict[str, Handbook]) -> None:
    for hid, reader in readers.items():
        assert reader.metadata.title == handbooks[hid].title
        assert reader.metadata.author == pdf.PRODUCT
        root = reader.trailer["/Root"]
        assert root["/Lang"] == "en"
        assert "/StructTreeRoot" in root
        assert root["/MarkInfo"]["/Marked"] in (True, "true")


def test_cover_contents_and_chapters_print_what_the_site_shows(rendered: Rendered, readers: dict[str, PdfReader],
                                                                handbooks: dict[str, Handbook]) -> None:
    for hid, reader in readers.items():
        handbook = handbooks[hid]
        cover = clean(reader.pages[0].extract_text())
        for value in (pdf.PRODUCT, handbook.title, handbook.subtitle, handbook.audience, handbook.version):
            assert clean(value) in cover, (hid, value)
        assert "Contents" in reader.pages[1].extract_text()
        pages = len(reader.pages)
        assert f"Page {pages} of {pages}" in clean(reader.pages[-1].extract_text())
        # every tab of Material's content tabs is printed, with its label; no permalink, no edit button
        site_dir = rendered.site_root / handbook.site
        starts = [page for level, _, page in outline(reader) if level == 1] + [pages + 1]
        for number, page in enumerate(chosen_pages(site_dir, handbook)):
            labels = built_article(site_dir, page["url"]).select(".tabbed-labels label")
            if not labels:
                continue
            chapter_pages = range(starts[number], starts[number + 1])
            text = clean(" ".join(reader.pages[i - 1].extract_text() for i in chapter_pages))
            assert "¶" not in text and "Edit this page" not in text
            for label in labels:
                assert clean(label.get_text()) in text, (hid, page["src"], label.get_text())
    # the second page of a chapter carries the chapter's title in its running head
    reader = readers["oncall-handbook"]
    chapters = [(title, page) for level, title, page in outline(reader) if level == 1]
    title, page = next((t, p) for (t, p), (_, q) in zip(chapters, chapters[1:]) if q - p >= 2)
    assert title in page_lines(reader, page)[0]


def test_a_second_run_takes_every_handbook_from_the_cache(rendered: Rendered, pdf_root: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def no_rendering(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("rendered although nothing changed")

    monkeypatch.setattr(renderer._Renderer, "_layout", no_rendering)
    monkeypatch.setattr(pdf, "build_document", no_rendering)
    guarded = guard_recorder(monkeypatch)
    again = pdf.render_handbooks(pdf_root, rendered.site_root, cache_dir=rendered.cache)
    assert guarded == [(rendered.site_root / "public").resolve()]
    assert [r.id for r in again] == list(rendered.results)
    for result in again:
        assert result.cached
        assert result.pages == rendered.results[result.id].pages
        assert result.path.read_bytes() == (rendered.cache / f"{result.id}.pdf").read_bytes()


def guard_recorder(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Where the run asked for the public site's leak guard. The guard reads every public PDF back
    (seconds a run): the `rendered` run and test_guards.py run it for real; the cache tests only
    check that the run still asks for it."""
    asked: list[Path] = []
    monkeypatch.setattr(renderer, "guard_public_site", lambda public_dir, data, cache=None: asked.append(public_dir))
    return asked


def test_a_changed_page_renders_only_its_handbook_again(rendered: Rendered, pdf_root: Path, tmp_path: Path,
                                                        handbooks: dict[str, Handbook],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # hard links for speed: busdocs replaces files (`.partial`, then rename), never writes into them
    site_root = tmp_path / "site"
    for site in ("public", "internal"):
        shutil.copytree(rendered.site_root / site, site_root / site, copy_function=link_or_copy)
    cache = tmp_path / "cache"
    shutil.copytree(rendered.cache, cache, copy_function=link_or_copy)
    # a page only the help desk playbook prints, a small handbook quick to render again (of the English
    # handbooks: the Urdu one prints the Urdu edition's page of the same path, which no change here touches)
    changed = "helpdesk-playbook"
    users = {}
    for hid, handbook in handbooks.items():
        if handbook.language != "en":
            continue
        for page in chosen_pages(site_root / handbook.site, handbook):
            users.setdefault((handbook.site, page["url"]), set()).add(hid)
    site, url = next(key for key, ids in users.items() if ids == {changed})
    path = site_root / site / url / "index.html"
    html = path.read_text(encoding="utf-8")
    path.unlink()  # a hard link to the session's built site: write a new file
    path.write_text(html.replace("</h1>", "</h1><p>Changed for the cache test.</p>", 1), encoding="utf-8")

    guarded = guard_recorder(monkeypatch)
    results = {r.id: r for r in pdf.render_handbooks(pdf_root, site_root, cache_dir=cache)}
    assert guarded == [(site_root / "public").resolve()]
    assert {hid for hid, r in results.items() if not r.cached} == {changed}
    text = " ".join(p.extract_text() for p in PdfReader(results[changed].path).pages)
    assert "Changed for the cache test." in clean(text)


def link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


# ---------------------------------------------------------------- errors


def test_an_unknown_handbook_names_the_known_ones(root: Path, tmp_path: Path,
                                                  handbooks: dict[str, Handbook]) -> None:
    with pytest.raises(BusdocsError) as caught:
        pdf.render_handbooks(root, tmp_path, only="no-such-handbook", cache_dir=tmp_path / "cache")
    message = str(caught.value)
    assert "no-such-handbook" in message
    assert all(hid in message for hid in handbooks)


def test_a_pattern_that_matches_nothing_names_handbook_and_pattern(project: Path, rendered: Rendered) -> None:
    path = project / "data" / "handbooks.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["handbooks"][1]["pages"].append("drivers/no-such-page.md")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    hid = data["handbooks"][1]["id"]
    expected = rf"handbook '{hid}': pattern 'drivers/no-such-page\.md' matches no page"
    with pytest.raises(BusdocsError, match=expected):
        pdf.render_handbooks(project, rendered.site_root, only=hid, cache_dir=project / "cache")


def test_sites_without_a_finished_build_ask_for_make_site(root: Path, tmp_path: Path) -> None:
    with pytest.raises(BusdocsError, match="build the sites first: make site"):
        pdf.render_handbooks(root, tmp_path / "nothing", cache_dir=tmp_path / "cache")
    write_marker(tmp_path / "site" / "public", "public", "building", "production")
    with pytest.raises(BusdocsError, match="build the sites first: make site"):
        pdf.render_handbooks(root, tmp_path / "site", only="student-guide", cache_dir=tmp_path / "cache")
    write_marker(tmp_path / "site" / "public", "public", "complete", "production")  # no page list
    with pytest.raises(BusdocsError, match="build the sites first: make site"):
        pdf.render_handbooks(root, tmp_path / "site", only="student-guide", cache_dir=tmp_path / "cache")


def test_missing_system_libraries_say_how_to_install_them(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoPango:
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
            if name == "weasyprint":
                raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPango(), *sys.meta_path])
    with pytest.raises(BusdocsError) as caught:
        renderer.import_weasyprint()
    message = str(caught.value)
    assert "libpango-1.0-0" in message and "apt-get install -y" in message and "make site" in message


# ---------------------------------------------------------------- units: patterns, HTML, fetcher

RECORD = [{"src": src, "url": f"page-{i}/", "title": src, "sections": []}
          for i, src in enumerate(("index.md", "students/index.md", "students/sign-up.md", "students/deep/more.md",
                                   "drivers/index.md", "faq.md", "contact.md"))]


def test_patterns_follow_navigation_order_and_keep_each_page_once() -> None:
    srcs = [p["src"] for p in pdf.select_pages("x", ["students/*", "faq.md", "students/**", "*.md"], RECORD)]
    assert srcs == ["students/index.md", "students/sign-up.md", "faq.md", "students/deep/more.md",
                    "index.md", "contact.md"]
    assert [p["src"] for p in pdf.select_pages("x", ["**/index.md"], RECORD)] == [
        "index.md", "students/index.md", "drivers/index.md"]
    with pytest.raises(BusdocsError, match="handbook 'x': pattern 'admins/\\*\\*' matches no page"):
        pdf.select_pages("x", ["faq.md", "admins/**"], RECORD)


def test_site_urls_come_from_the_mkdocs_configurations(root: Path) -> None:
    from busdocs.sites import base_url

    assert base_url(root, "public") == "https://help.university-bus-tracker.com/"
    assert base_url(root, "internal") == "https://ops.university-bus-tracker.com/"
    assert base_url(root, "offline") == "https://ops.university-bus-tracker.com/"  # by INHERIT


ARTICLE_ONE = """<article class="md-content__inner md-typeset">
<a class="md-content__button md-icon" href="https://github.com/x/edit/main/a.md" title="Edit this page">edit</a>
<h1 id="first">First page<a class="headerlink" href="#first">¶</a></h1>
<h2 id="setup">Set up<a class="headerlink" href="#setup">¶</a></h2>
<p><a href="#setup">here</a> <a href="../two/#more">two more</a> <a href="../two/">two</a>
<a href="../../faq/#q">faq</a> <a href="https://example.org/x">ext</a> <a href="mailto:a@b.c">mail</a></p>
<div class="tabbed-set tabbed-alternate" data-tabs="1:2"><input checked id="__tabbed_1_1" name="__tabbed_1" type="radio"/>
<input id="__tabbed_1_2" name="__tabbed_1" type="radio"/><div class="tabbed-labels"><label for="__tabbed_1_1">Android</label>
<label for="__tabbed_1_2">iPhone</label></div><div class="tabbed-content"><div class="tabbed-block"><p>Tap A.</p></div>
<div class="tabbed-block"><p>Tap B.</p></div></div></div>
<details class="warning"><summary>Careful</summary><p>Hidden on screen.</p></details>
<div class="admonition tip"><p class="admonition-title">Tip</p><p>Do it.</p></div>
<img src="../img/bus.png" alt="bus"><img src="data:image/png;base64,AAAA" alt="inline">
<div class="highlight"><pre><span></span><code><a href="#__codelineno-0-1" id="__codelineno-0-1" name="__codelineno-0-1"></a><span class="k">echo</span><span class="w"> </span>hi
</code></pre></div>
<aside class="md-source-file">Last update: today</aside>
</article>"""
ARTICLE_TWO = """<article class="md-content__inner md-typeset"><h1 id="second">Second</h1>
<h2 id="more">More</h2><p><a href="../one/#setup">back</a> <a href="../one/#gone">gone anchor</a></p></article>"""


def test_the_document_is_one_printable_html_with_unique_ids_and_no_relative_links(tmp_path: Path) -> None:
    site_dir = tmp_path / "public"
    (site_dir / "guide" / "img").mkdir(parents=True)
    (site_dir / "guide" / "img" / "bus.png").write_bytes(b"png")
    handbook = Handbook(id="t", title="T & Co", subtitle="Sub", audience="Everyone", site="public",
                        version="2.0", date=date(2026, 12, 14), pages=["guide/**"])
    chapters = [pdf.Chapter(1, "guide/one.md", "guide/one/", "One", ARTICLE_ONE),
                pdf.Chapter(2, "guide/two.md", "guide/two/", "Two", ARTICLE_TWO)]
    document, sections = pdf.build_document(handbook, chapters, "https://help.example.com/", site_dir)
    soup = BeautifulSoup(document, "html.parser")
    assert sections == 2
    assert soup.html["lang"] == "en" and soup.title.get_text() == "T & Co"
    assert soup.find("meta", attrs={"name": "author"})["content"] == pdf.PRODUCT
    ids = [el["id"] for el in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)) and "c1-setup" in ids and "c2-more" in ids
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    assert [a["href"] for a in soup.select(".toc a")] == ["#c1-first", "#c1-setup", "#c2-second", "#c2-more"]
    body = [a["href"] for a in soup.select(".chapter a[href]")]
    assert body == ["#c1-setup", "#c2-more", "#c2", "https://help.example.com/faq/#q", "https://example.org/x",
                    "mailto:a@b.c", "#c1-setup", "#c1"]
    assert all(h.startswith(("#", "https://", "mailto:")) for h in hrefs)
    assert not soup.select("a.headerlink, a.md-content__button, .md-source-file, input, .tabbed-set")
    assert [p.get_text() for p in soup.select(".tab-label")] == ["Android", "iPhone"]
    assert soup.find("details").has_attr("open")
    assert "adm-warning" in soup.find("details")["class"]
    assert "adm-tip" in soup.select_one("div.admonition")["class"]
    images = [img["src"] for img in soup.find_all("img")]
    assert images == [(site_dir / "guide" / "img" / "bus.png").as_uri(), "data:image/png;base64,AAAA"]
    assert "¶" not in soup.get_text() and "__codelineno" not in document
    assert [h.get_text() for h in soup.select(".chapter-title")] == ["First page", "Second"]


def test_the_fetcher_allows_only_files_under_its_folders_and_data(tmp_path: Path) -> None:
    weasyprint = renderer.import_weasyprint()
    inside = tmp_path / "site" / "a.txt"
    inside.parent.mkdir()
    inside.write_text("ok")
    (tmp_path / "secret.txt").write_text("no")
    fetch = renderer.restricted_fetcher(weasyprint, [tmp_path / "site"])
    assert fetch(inside.as_uri()).read() == b"ok"
    assert fetch("data:text/plain,hi").read() == b"hi"
    for url in ((tmp_path / "secret.txt").as_uri(), (tmp_path / "site" / ".." / "secret.txt").as_uri(),
                "https://example.org/x.png", "http://127.0.0.1/", "ftp://example.org/x"):
        with pytest.raises(ValueError, match="busdocs refuses"):
            fetch(url)
