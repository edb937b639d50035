"""PDF handbooks: chosen pages of a built site, printed as one book with WeasyPrint.

For every handbook of `data/handbooks.yml` this reads the build record of its site
(`.busdocs-build.json`, which lists the pages in navigation order), picks the pages its patterns
match, takes the article of each built page, and lays out ONE HTML document: a cover, a table of
contents with page numbers, then one chapter per page. The stylesheet is `pdf.css` beside this
module, with the DejaVu fonts of `fonts/`.

A handbook whose inputs did not change since its last rendering (the chosen pages' article HTML
and images, the handbook entry, the stylesheet, the fonts, busdocs) is copied from the cache.

WeasyPrint and BeautifulSoup are imported only when a handbook is rendered: importing this module
is cheap and works on a machine without pango.

Speed (2-core AMD EPYC, WeasyPrint 70): about 18 PDF pages a second for a 100-page handbook. What
it takes: one document per handbook, a stylesheet of simple selectors, no `leader()` and no dotted
borders in the contents (WeasyPrint draws every dot), `target-counter` only in the contents, Python's
garbage collector paused while WeasyPrint works, harfbuzz-subset for the fonts.
"""

from __future__ import annotations

import gc
import hashlib
import html as htmlmod
import importlib.metadata
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from urllib.request import url2pathname

import yaml

from busdocs import __version__
from busdocs.buildinfo import MARKER, read_marker
from busdocs.data import load_data
from busdocs.errors import BusdocsError

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

    from busdocs.models.handbooks import Handbook

PRODUCT = "University Bus Tracker"
"""The product name printed on every cover."""

STEPS: tuple[str, ...] = ("collect", "transform", "layout", "write")
"""The steps `progress` reports for each handbook, in order."""

PACKAGE_DIR = Path(__file__).resolve().parent
STYLESHEET = PACKAGE_DIR / "pdf.css"
FONTS_DIR = PACKAGE_DIR / "fonts"

SITE_CONFIGS: dict[str, str] = {"public": "mkdocs.yml", "internal": "mkdocs.internal.yml"}
"""The MkDocs configuration of each site, for its `site_url`."""
DEFAULT_SITE_URLS: dict[str, str] = {
    "public": "https://help.university-bus-tracker.com/",
    "internal": "https://ops.university-bus-tracker.com/",
}
"""Used only when a configuration has no `site_url`."""

MISSING_LIBRARIES = ("WeasyPrint cannot load its system libraries ({error}): install them with "
                     "`apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0`, "
                     "or run `make site`, which installs them")

Progress = Callable[[str, int, int, str], None]
"""`progress(handbook_id, step, total_steps, message)`: called once a step is done (`step` counts
the steps done, 1…total_steps; a handbook taken from the cache jumps from 1 to total_steps)."""


@dataclass(frozen=True, slots=True)
class HandbookResult:
    """One rendered (or cached) handbook."""

    id: str
    path: Path
    """Where the PDF is now: `<site_root>/<site>/downloads/<id>.pdf`."""
    pages: int
    """Pages of the PDF."""
    seconds: float
    """Wall time for this handbook, cache look-up included."""
    cached: bool
    """True when the PDF was copied from the cache instead of rendered."""


@dataclass(slots=True)
class Chapter:
    """One page of a handbook: its place (1-based chapter number), its build record and its article."""

    number: int
    src: str
    url: str
    title: str
    article: str
    """The page's `<article class="md-content__inner">…</article>`, as built."""
    images: list[Path] = field(default_factory=list)


# ---------------------------------------------------------------- entry point


def render_handbooks(root: Path, site_root: Path, only: str | None = None,
                     progress: Progress | None = None,
                     cache_dir: Path | None = None) -> list[HandbookResult]:
    """Render the PDF handbooks of `data/handbooks.yml` from the built sites.

    Args:
        root: Project root (holds `data/` and the MkDocs configurations).
        site_root: Folder holding the built sites, `public/` and `internal/` (e.g. `site`).
        only: Render only the handbook with this id.
        progress: Called as `progress(handbook_id, step, total_steps, message)` after each step
            of `STEPS` (collect, transform, layout, write).
        cache_dir: Where rendered PDFs are kept between runs; default `root/.cache/pdf`.

    Returns:
        One result per handbook, in the order of `data/handbooks.yml`.

    Raises:
        BusdocsError: For an unknown handbook id, a site that is not built, a pattern that
            matches no page, or WeasyPrint's system libraries missing.
    """
    root = Path(root).resolve()
    site_root = Path(site_root).resolve()
    cache = Path(cache_dir).resolve() if cache_dir is not None else root / ".cache" / "pdf"
    data = load_data(root)
    handbooks = list(data.handbooks.handbooks)
    if only is not None:
        chosen = [h for h in handbooks if h.id == only]
        if not chosen:
            known = ", ".join(h.id for h in handbooks)
            raise BusdocsError(f"no handbook {only!r} in data/handbooks.yml; known handbooks: {known}")
        handbooks = chosen
    renderer = _Renderer(root, site_root, cache, progress)
    results = [renderer.handbook(h) for h in handbooks]
    guard_public_site(site_root / "public", data)
    return results


def guard_public_site(public_dir: Path, data: Any) -> None:
    """The leak guard again, once the PDFs are in the public site: a PDF that holds an internal
    value is deleted, and the run fails naming it (and any other leak)."""
    from busdocs.leakguard import scan_output
    from busdocs.visibility import internal_values

    if not public_dir.is_dir():
        return
    leaks = scan_output(public_dir, internal_values(data))
    if not leaks:
        return
    deleted = []
    for leak in leaks:
        name = leak.file.split("!", 1)[0]
        if name.endswith(".pdf") and (public_dir / name).is_file():
            (public_dir / name).unlink()
            deleted.append(name)
    listing = "\n".join(f"  {leak}" for leak in leaks[:50])
    gone = f"\ndeleted: {', '.join(sorted(set(deleted)))}" if deleted else ""
    raise BusdocsError(f"leak guard: the public site in {public_dir} contains internal content:\n{listing}{gone}")


def handbook_file(site_root: Path, handbook: Handbook) -> Path:
    """Where a handbook's PDF goes: the `downloads/` of its site, which links it there
    (`site/public/downloads/student-guide.pdf`, `site/internal/downloads/oncall-handbook.pdf`)."""
    return Path(site_root) / handbook.site / "downloads" / f"{handbook.id}.pdf"


# ---------------------------------------------------------------- choosing pages


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A page pattern as a regular expression: `*` and `?` stay within a folder, `**` crosses
    folders (`students/**` matches `students/index.md` and `students/a/b.md`)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def select_pages(handbook_id: str, patterns: Sequence[str],
                 pages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pages of a build record that the patterns match.

    Order: pattern by pattern, each in navigation order; a page matched twice comes once, where
    it was first matched.

    Raises:
        BusdocsError: Naming the handbook and the first pattern that matches nothing.
    """
    chosen: dict[str, dict[str, Any]] = {}
    for pattern in patterns:
        regex = pattern_regex(pattern.strip().removeprefix("./"))
        matched = [p for p in pages if regex.match(str(p.get("src", "")))]
        if not matched:
            raise BusdocsError(f"handbook {handbook_id!r}: pattern {pattern!r} matches no page of the "
                               "built site (patterns are source paths such as 'students/**' or 'faq.md')")
        for page in matched:
            chosen.setdefault(page["src"], page)
    return list(chosen.values())


def site_url(root: Path, site: str) -> str:
    """The `site_url` of a site's MkDocs configuration (following `INHERIT`), ending in `/`."""
    config = root / SITE_CONFIGS[site]
    seen: set[Path] = set()
    while config.is_file() and config not in seen:
        seen.add(config)
        data = yaml.load(config.read_text(encoding="utf-8"), Loader=_ConfigLoader) or {}
        url = data.get("site_url") if isinstance(data, dict) else None
        if isinstance(url, str) and url.strip():
            return url.strip().rstrip("/") + "/"
        parent = data.get("INHERIT") if isinstance(data, dict) else None
        if not isinstance(parent, str):
            break
        config = (config.parent / parent).resolve()
    return DEFAULT_SITE_URLS[site]


class _ConfigLoader(yaml.SafeLoader):
    """Reads MkDocs configurations without running their `!!python/…` or `!ENV` tags."""


_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
_ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


_ARTICLE_OPEN = re.compile(r'<article\b[^>]*\bclass="[^"]*\bmd-content__inner\b[^"]*"[^>]*>')
_ARTICLE_TAG = re.compile(r"<(/?)article\b[^>]*>", re.IGNORECASE)
_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]+)\"", re.IGNORECASE)


def extract_article(page_html: str) -> str | None:
    """Material's `<article class="md-content__inner">…</article>` of a built page, or None."""
    start = _ARTICLE_OPEN.search(page_html)
    if start is None:
        return None
    depth = 1
    for tag in _ARTICLE_TAG.finditer(page_html, start.end()):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return page_html[start.start():tag.end()]
    return None


def page_file(site_dir: Path, url: str) -> Path:
    """The built HTML file of a page URL (`students/sign-up/` → `students/sign-up/index.html`)."""
    path = unquote(url.split("#", 1)[0].split("?", 1)[0]).lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    return site_dir / path


def _url_key(path: str) -> str:
    """A site-relative URL path in one spelling: `a/b/index.html` and `a/b/` → `a/b/`."""
    path = unquote(path).lstrip("/")
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return path


# ---------------------------------------------------------------- rendering


class _Renderer:
    """Renders handbooks one after the other, sharing WeasyPrint's stylesheet and fonts."""

    def __init__(self, root: Path, site_root: Path, cache: Path, progress: Progress | None) -> None:
        self.root = root
        self.site_root = site_root
        self.cache = cache
        self.progress = progress
        self._records: dict[str, dict[str, Any]] = {}
        self._urls: dict[str, str] = {}
        self._fingerprint: bytes | None = None
        self._weasy: Any = None
        self._css: Any = None
        self._font_config: Any = None

    # -------------------------------------------------------- one handbook

    def handbook(self, handbook: Handbook) -> HandbookResult:
        started = time.perf_counter()
        site_dir = self.site_root / handbook.site
        target = handbook_file(self.site_root, handbook)
        if handbook.site == "internal":
            # never next to the public site's files, not even left over from an older run
            (self.site_root / "public" / "downloads" / f"{handbook.id}.pdf").unlink(missing_ok=True)
        chapters = self.collect(handbook, site_dir)
        key = self.cache_key(handbook, chapters)
        self._report(handbook.id, 1, f"collect: {len(chapters)} pages of the {handbook.site} site")

        cached_pdf = self.cache / f"{handbook.id}.pdf"
        cached_key = self.cache / f"{handbook.id}.sha256"
        stored = _read(cached_key)
        if cached_pdf.is_file() and stored is not None and stored[0] == key:
            _copy_atomic(cached_pdf, target)
            pages = stored[1]
            self._report(handbook.id, len(STEPS), f"write: unchanged, {pages} pages copied from the cache")
            return HandbookResult(handbook.id, target, pages, time.perf_counter() - started, True)

        document, sections = build_document(handbook, chapters, self.base_url(handbook.site), site_dir)
        self._report(handbook.id, 2, f"transform: {len(chapters)} chapters, {sections} sections")

        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        try:
            with _gc_paused():
                rendered = self._layout(document, site_dir)
                pages = len(rendered.pages)
                self._report(handbook.id, 3, f"layout: {pages} pages")
                rendered.write_pdf(partial, pdf_tags=True, optimize_images=False)
                del rendered
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        gc.collect()
        self._store(target, cached_pdf, cached_key, key, pages)
        self._report(handbook.id, 4, f"write: {_display(target, self.site_root.parent)}")
        return HandbookResult(handbook.id, target, pages, time.perf_counter() - started, False)

    def _report(self, handbook_id: str, step: int, message: str) -> None:
        if self.progress is not None:
            self.progress(handbook_id, step, len(STEPS), message)

    # -------------------------------------------------------- collect

    def record(self, site: str) -> dict[str, Any]:
        if site not in self._records:
            site_dir = self.site_root / site
            record = read_marker(site_dir)
            if record is None or record.get("state") != "complete":
                state = "no build record" if record is None else f"its build is {record.get('state')!r}"
                raise BusdocsError(f"the {site} site in {site_dir} is not built ({state}, "
                                   f"{MARKER}): build the sites first: make site")
            if not isinstance(record.get("pages"), list):
                raise BusdocsError(f"the build record of the {site} site in {site_dir} lists no pages "
                                   "(built by an older busdocs): build the sites first: make site")
            self._records[site] = record
        return self._records[site]

    def base_url(self, site: str) -> str:
        if site not in self._urls:
            self._urls[site] = site_url(self.root, site)
        return self._urls[site]

    def collect(self, handbook: Handbook, site_dir: Path) -> list[Chapter]:
        record = self.record(handbook.site)
        pages = select_pages(handbook.id, handbook.pages, record["pages"])
        chapters = []
        for number, page in enumerate(pages, start=1):
            path = page_file(site_dir, str(page.get("url", "")))
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                raise BusdocsError(f"handbook {handbook.id!r}: {page['src']} should be built as "
                                   f"{path}, which is missing: build the sites first: make site") from None
            article = extract_article(text)
            if article is None:
                raise BusdocsError(f"handbook {handbook.id!r}: {path} has no "
                                   '<article class="md-content__inner"> (not a Material page?)')
            chapter = Chapter(number, page["src"], str(page.get("url", "")), str(page.get("title", "")),
                               article)
            base = self.base_url(handbook.site)
            for src in _IMG_SRC.findall(article):
                image = _local_image(htmlmod.unescape(src), base + chapter.url, base, site_dir)
                if image is not None:
                    chapter.images.append(image)
            chapters.append(chapter)
        return chapters

    # -------------------------------------------------------- cache

    def fingerprint(self) -> bytes:
        """What every handbook depends on: busdocs, WeasyPrint, this module, the stylesheet, the fonts."""
        if self._fingerprint is None:
            digest = hashlib.sha256()
            _add(digest, "busdocs", __version__.encode())
            try:
                weasy_version = importlib.metadata.version("weasyprint")
            except importlib.metadata.PackageNotFoundError:
                weasy_version = "?"
            _add(digest, "weasyprint", weasy_version.encode())
            _add(digest, "pdf.py", Path(__file__).read_bytes())
            _add(digest, "pdf.css", STYLESHEET.read_bytes())
            for font in sorted(FONTS_DIR.iterdir()):
                if font.is_file():
                    _add(digest, f"font:{font.name}", font.read_bytes())
            self._fingerprint = digest.digest()
        return self._fingerprint

    def cache_key(self, handbook: Handbook, chapters: Iterable[Chapter]) -> str:
        digest = hashlib.sha256()
        _add(digest, "common", self.fingerprint())
        _add(digest, "handbook", handbook.model_dump_json().encode())
        _add(digest, "site_url", self.base_url(handbook.site).encode())
        for chapter in chapters:
            _add(digest, "page", f"{chapter.src}\n{chapter.url}\n{chapter.title}".encode())
            _add(digest, "article", chapter.article.encode())
            for image in chapter.images:
                try:
                    data = image.read_bytes()
                except OSError:
                    data = b"(missing)"
                _add(digest, f"image:{image}", data)
        return digest.hexdigest()

    def _store(self, pdf: Path, cached_pdf: Path, cached_key: Path, key: str, pages: int) -> None:
        """Keep the PDF and its key: `<id>.sha256` holds the key, then the page count."""
        self.cache.mkdir(parents=True, exist_ok=True)
        cached_key.unlink(missing_ok=True)  # never a key beside a PDF it does not describe
        _copy_atomic(pdf, cached_pdf)
        partial = cached_key.with_name(cached_key.name + ".partial")
        partial.write_text(f"{key}\npages {pages}\n", encoding="utf-8")
        os.replace(partial, cached_key)

    # -------------------------------------------------------- layout

    def weasyprint(self) -> Any:
        if self._weasy is None:
            self._weasy = import_weasyprint()
        return self._weasy

    def _layout(self, document: str, site_dir: Path) -> Any:
        weasy = self.weasyprint()
        if self._css is None:
            from weasyprint.text.fonts import FontConfiguration

            self._font_config = FontConfiguration()
            # url(fonts/…) is relative to the stylesheet; the fetcher reads nothing but the fonts
            self._css = weasy.CSS(string=STYLESHEET.read_text(encoding="utf-8"),
                                  base_url=STYLESHEET.as_uri(),
                                  url_fetcher=restricted_fetcher(weasy, [FONTS_DIR]),
                                  font_config=self._font_config)
        html = weasy.HTML(string=document, base_url=site_dir.as_uri() + "/",
                          url_fetcher=restricted_fetcher(weasy, [self.site_root]))
        return html.render(stylesheets=[self._css], font_config=self._font_config, pdf_tags=True,
                           optimize_images=False)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while WeasyPrint builds and paints its box tree:
    the tree is hundreds of thousands of long-lived objects that every collection walks again
    (measured: a quarter of the rendering time). Collected once the handbook is written."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_weasyprint() -> Any:
    """`import weasyprint`, or a BusdocsError that says how to install its system libraries."""
    try:
        import weasyprint
    except OSError as exc:
        raise BusdocsError(MISSING_LIBRARIES.format(error=str(exc).strip() or type(exc).__name__)) from None
    return weasyprint


def restricted_fetcher(weasy: Any, allowed: Iterable[Path]) -> Any:
    """A WeasyPrint URL fetcher for `data:` URLs and `file:` URLs inside the `allowed` folders only;
    anything else (the network, other files) is refused and WeasyPrint leaves it out."""
    folders = tuple(Path(p).resolve() for p in allowed)

    class RestrictedFetcher(weasy.URLFetcher):  # type: ignore[misc, name-defined]
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if any(path.is_relative_to(folder) for folder in folders):
                    return super().fetch(url, headers)
                raise ValueError(f"busdocs refuses {url}: only files under {', '.join(map(str, folders))}")
            raise ValueError(f"busdocs refuses {url}: handbooks fetch nothing from the network")

    return RestrictedFetcher(allowed_protocols=("file", "data"), timeout=5)


# ---------------------------------------------------------------- the HTML document

_ADMONITION_KINDS = {
    "tip": "tip", "hint": "tip", "important": "tip", "success": "tip", "check": "tip", "done": "tip",
    "question": "tip", "help": "tip", "faq": "tip",
    "warning": "warning", "caution": "warning", "attention": "warning",
    "danger": "danger", "error": "danger", "failure": "danger", "fail": "danger", "missing": "danger",
    "bug": "danger",
    "example": "example", "quote": "quote", "cite": "quote",
}
"""Material's admonition types → the four colours of pdf.css besides the default (note, info, …)."""

_CODE_CLASSES = frozenset("c c1 cm ch cs".split())
"""Pygments classes pdf.css styles (comments); every other highlight span is unwrapped: each span
is a box to lay out and paint, and colouring every token costs a tenth of a runbook's rendering."""

_REMOVE_TAGS = frozenset(
    "script style button form iframe video audio object embed input select textarea".split())
_REMOVE_CLASSES = frozenset(("headerlink", "md-content__button", "md-source-file", "md-tags"))
"""Removed from print: permalinks, the edit button, the page's git facts, tags, anything interactive."""


def build_document(handbook: Handbook, chapters: Sequence[Chapter], base_url: str,
                   site_dir: Path) -> tuple[str, int]:
    """The whole handbook as one HTML document, and how many h2 sections its contents list."""
    from bs4 import BeautifulSoup

    soups: list[tuple[Chapter, BeautifulSoup, Tag]] = []
    for chapter in chapters:
        soup = BeautifulSoup(chapter.article, "html.parser")
        article = soup.find("article")
        assert article is not None  # extract_article found it
        _clean(soup, article)
        soups.append((chapter, soup, article))

    # Every id of every chapter, before any link is rewritten (links point forward too).
    ids = {chapter.number: {el["id"] for el in article.find_all(id=True)} for chapter, _, article in soups}
    by_url = {_url_key(chapter.url): chapter.number for chapter in chapters}
    links = _Links(base_url, by_url, ids)

    body: list[str] = []
    toc: list[str] = []
    sections = 0
    for chapter, soup, article in soups:
        n = chapter.number
        page_url = base_url + chapter.url
        for el in article.find_all(True):
            attrs = el.attrs
            if "id" in attrs:
                attrs["id"] = f"c{n}-{attrs['id']}"
            name = el.name
            if name == "a" or name == "area":
                attrs.pop("name", None)  # WeasyPrint makes an anchor of a[name] too
                if "href" in attrs:
                    href = links.rewrite(str(attrs["href"]), page_url, n)
                    if href is None:
                        del attrs["href"]
                    else:
                        attrs["href"] = href
            elif name == "img":
                _print_image(el, page_url, base_url, site_dir)
            elif name == "label":
                attrs.pop("for", None)

        title, heading_id, h2s = _headings(soup, article, chapter)
        sections += len(h2s)
        entries = "".join(f'<li class="toc-section"><a href="{_attr(_href(i))}">{_text(t)}</a></li>'
                          for t, i in h2s)
        toc.append(f'<li class="toc-chapter"><a class="toc-head" href="{_attr(_href(heading_id))}">'
                   f"{_text(title)}</a>"
                   + (f'<ol class="toc-sections">{entries}</ol>' if entries else "") + "</li>")
        body.append(f'<section class="chapter" id="c{n}">' + article.decode_contents() + "</section>")

    internal = handbook.site == "internal"
    cover = (
        f'<section class="cover{" cover-internal" if internal else ""}">'
        '<div class="cover-band">'
        f'<p class="cover-product">{_text(PRODUCT)}</p>'
        f'<h1 class="cover-title">{_text(handbook.title)}</h1>'
        f'<p class="cover-subtitle">{_text(handbook.subtitle)}</p>'
        "</div>"
        '<div class="cover-facts">'
        f'<p><span class="cover-label">For</span>{_text(handbook.audience)}</p>'
        f'<p><span class="cover-label">Version</span>{_text(handbook.version)}</p>'
        f'<p><span class="cover-label">Date</span>{_text(_long_date(handbook.date))}</p>'
        f'<p><span class="cover-label">Online</span>{_text(base_url)}</p>'
        + ('<p class="cover-notice">Internal: for the Bus Tracker operations team only. '
           "Do not share outside the team.</p>" if internal else "")
        + "</div></section>"
    )
    contents = ('<nav class="toc"><h1 class="toc-title">Contents</h1>'
                f'<ol class="toc-list">{"".join(toc)}</ol></nav>')
    description = (f"{handbook.subtitle}. For {handbook.audience}. "
                   f"Version {handbook.version}, {handbook.date}.")
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_text(handbook.title)}</title>\n"
        f'<meta name="author" content="{_attr(PRODUCT)}">\n'
        f'<meta name="description" content="{_attr(description)}">\n'
        f'<meta name="keywords" content="{_attr(PRODUCT)}, {_attr(handbook.audience)}, handbook">\n'
        f'<meta name="generator" content="busdocs {_attr(__version__)}">\n'
        f'<meta name="dcterms.created" content="{handbook.date.isoformat()}">\n'
        "</head>\n<body>\n"
    )
    return head + cover + contents + "\n".join(body) + "\n</body>\n</html>\n", sections


class _Links:
    """Rewrites the links of a chapter for the one-document handbook."""

    def __init__(self, base_url: str, by_url: dict[str, int], ids: dict[int, set[str]]) -> None:
        self.base_url = base_url
        self.by_url = by_url
        self.ids = ids

    def anchor(self, chapter: int, fragment: str) -> str:
        fragment = unquote(fragment)
        if fragment and fragment in self.ids[chapter]:
            return _href(f"c{chapter}-{fragment}")
        return f"#c{chapter}"

    def rewrite(self, href: str, page_url: str, chapter: int) -> str | None:
        """The link in the handbook: `#c3-anchor` for a page of the handbook, an absolute https
        URL for the rest of the site, external links as they are; None drops the link."""
        href = href.strip()
        if not href:
            return None
        if href.startswith("#"):
            return self.anchor(chapter, href[1:])
        parts = urlsplit(href)
        if parts.scheme:
            return None if parts.scheme.lower() in ("file", "javascript") else href
        if href.startswith("//"):
            return "https:" + href
        absolute = urljoin(page_url, href)
        if not absolute.startswith(self.base_url):
            return absolute
        rest = urlsplit(absolute[len(self.base_url):])
        target = self.by_url.get(_url_key(rest.path))
        if target is not None:
            return self.anchor(target, rest.fragment)
        return absolute


def _clean(soup: BeautifulSoup, article: Tag) -> None:
    """Print form of Material's article: no permalinks or buttons, tabs one after the other,
    details open, admonitions and code marked for pdf.css. One walk over the tree (CSS selectors
    through soupsieve cost more than the whole rest of the transformation)."""
    remove, tabsets, boxes, tasks, pres, icons = [], [], [], [], [], []
    for el in article.find_all(True):
        name = el.name
        classes = el.get("class") or ()
        if name in _REMOVE_TAGS or _REMOVE_CLASSES.intersection(classes) or (
                name == "a" and str(el.get("id", "")).startswith("__codelineno")):
            # __codelineno: Material's per-line anchors, hundreds of destinations nobody links to
            if name == "input" and "task-list-control" in (el.parent.get("class") or ()):
                continue  # replaced below by a printed check box
            remove.append(el)
        elif name == "div" and "tabbed-set" in classes:
            tabsets.append(el)
        elif name == "details" or (name == "div" and "admonition" in classes):
            boxes.append(el)
        elif name == "label" and "task-list-control" in classes:
            tasks.append(el)
        elif name == "pre":
            pres.append(el)
        elif name == "svg" and el.parent is not None and el.parent.name == "span":
            icons.append(el)
        elif name == "thead" and not el.get_text(strip=True):
            remove.append(el)  # a table written with an empty header row
    for el in remove:
        if not el.decomposed:  # not already gone with a removed parent
            el.decompose()
    alive = [el for el in tabsets if not el.decomposed]
    for tabset in reversed(alive):  # innermost first
        _flatten_tabs(soup, tabset)
    for box in boxes:
        if box.decomposed:
            continue
        if box.name == "details":
            box["open"] = ""
            _mark_admonition(box, box.find("summary", recursive=False))
        else:
            _mark_admonition(box, box.find(class_="admonition-title", recursive=False))
    for control in tasks:
        if control.decomposed:
            continue
        box = control.find("input")
        checked = box is not None and box.has_attr("checked")
        mark = soup.new_tag("span", attrs={"class": "task-box"})
        mark.string = ("\u2611" if checked else "\u2610") + "\u00a0"
        control.replace_with(mark)
    for pre in pres:
        if pre.decomposed:
            continue
        for inner in pre.find_all(True):
            if inner.name == "code":
                inner["class"] = [*(inner.get("class") or []), "code-block"]
            elif inner.name == "span" and not _CODE_CLASSES.intersection(inner.get("class") or ()):
                inner.unwrap()
        pre.smooth()
    for svg in icons:
        if not svg.decomposed:
            svg["class"] = [*(svg.get("class") or []), "icon"]


def _flatten_tabs(soup: BeautifulSoup, tabset: Tag) -> None:
    labels_box = tabset.find("div", class_="tabbed-labels", recursive=False)
    if labels_box is not None:
        labels = labels_box.find_all("label", recursive=False)
        content = tabset.find("div", class_="tabbed-content", recursive=False)
        blocks = content.find_all("div", class_="tabbed-block", recursive=False) if content else []
    else:  # the older, non-alternate markup: label, content, label, content …
        labels = tabset.find_all("label", recursive=False)
        blocks = tabset.find_all("div", class_="tabbed-content", recursive=False)
    flat = soup.new_tag("div", attrs={"class": "tabs"})
    for index, block in enumerate(blocks):
        label = soup.new_tag("p", attrs={"class": "tab-label"})
        if index < len(labels):
            label.extend(list(labels[index].contents))
        else:
            label.string = f"Tab {index + 1}"
        inner = soup.new_tag("div", attrs={"class": "tab-block"})
        inner.extend(list(block.contents))
        flat.append(label)
        flat.append(inner)
    tabset.replace_with(flat)


def _mark_admonition(box: Tag, title: Tag | None) -> None:
    classes = list(box.get("class") or [])
    kind = next((_ADMONITION_KINDS[c] for c in classes if c in _ADMONITION_KINDS), None)
    box["class"] = [*classes, *(["admonition"] if "admonition" not in classes else []),
                    *([f"adm-{kind}"] if kind else [])]
    if title is not None:
        title["class"] = [*(title.get("class") or []), "admonition-title",
                          *([f"adm-{kind}-title"] if kind else [])]


def _headings(soup: BeautifulSoup, article: Tag,
              chapter: Chapter) -> tuple[str, str, list[tuple[str, str]]]:
    """The chapter's title and its id, and its h2 sections (title, id). The first h1 is the
    chapter title; a later h1 becomes an h2 so the outline keeps one entry per chapter."""
    n = chapter.number
    h1s = article.find_all("h1")
    if h1s:
        h1 = h1s[0]
        for extra in h1s[1:]:
            extra.name = "h2"
    else:
        h1 = soup.new_tag("h1")
        h1.string = chapter.title or chapter.src
        article.insert(0, h1)
    h1["class"] = [*(h1.get("class") or []), "chapter-title"]
    if not h1.has_attr("id"):
        h1["id"] = f"c{n}-title"
    h2s = []
    for index, h2 in enumerate(article.find_all("h2"), start=1):
        if not h2.has_attr("id"):
            h2["id"] = f"c{n}-section-{index}"
        h2s.append((_heading_text(h2), str(h2["id"])))
    return _heading_text(h1) or chapter.title, str(h1["id"]), h2s


def _heading_text(tag: Tag) -> str:
    return " ".join(tag.get_text().split())


def _local_image(src: str, page_url: str, base_url: str, site_dir: Path) -> Path | None:
    """The file in the built site a relative image `src` points at, or None (data:, http:, outside)."""
    if src.startswith("data:") or urlsplit(src).scheme or src.startswith("//"):
        return None
    absolute = urljoin(page_url, src)
    if not absolute.startswith(base_url):
        return None
    path = (site_dir / unquote(urlsplit(absolute[len(base_url):]).path)).resolve()
    return path if path.is_relative_to(site_dir.resolve()) else None


def _print_image(img: Tag, page_url: str, base_url: str, site_dir: Path) -> None:
    for attribute in ("srcset", "sizes", "loading"):
        if img.has_attr(attribute):
            del img[attribute]
    src = str(img.get("src", "")).strip()
    local = _local_image(src, page_url, base_url, site_dir) if src else None
    if local is not None:
        img["src"] = local.as_uri()


def _href(element_id: str) -> str:
    """A link to an element of the document (WeasyPrint unquotes the fragment)."""
    return "#" + quote(element_id, safe="-_.~:")


def _text(value: object) -> str:
    return htmlmod.escape(str(value), quote=False)


def _attr(value: object) -> str:
    return htmlmod.escape(str(value), quote=True)


def _long_date(value: Any) -> str:
    return f"{value.day} {value.strftime('%B %Y')}"


# ---------------------------------------------------------------- files


def _add(digest: Any, label: str, data: bytes) -> None:
    digest.update(label.encode() + b"\0" + len(data).to_bytes(8, "big") + data)


def _read(path: Path) -> tuple[str, int] | None:
    """The key and page count kept in a cache's `<id>.sha256`, or None."""
    try:
        lines = path.read_text(encoding="utf-8").split()
        if len(lines) == 3 and lines[1] == "pages":
            return lines[0], int(lines[2])
    except (OSError, ValueError):
        pass
    return None


def _copy_atomic(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _display(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)
